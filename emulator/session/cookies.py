"""Cookies: reading ``Cookie`` request headers, the session cookie, ``cf.set_cookie`` lines.

``SessionCookie`` is the session cookie's name and attributes. The defaults are the
seed's (``HttpOnly; Secure; SameSite=Strict; Path=/``, no ``Domain``), so a default config
sends the seed's ``Set-Cookie`` byte for byte. What browsers would silently drop is
refused where the config is written: a ``__Host-`` name with ``secure=False``, a path
other than ``/`` or a domain; a ``__Secure-`` name without ``secure``;
``same_site="None"`` without ``secure``.

``cf.set_cookie`` lines are byte-exact as the seed formats them
(``<name>=<value>; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=<n>``, the default
``SessionCookie``); names and values are checked first, so nothing a caller passes can
inject another attribute or header.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from emulator.session import constants as c
from emulator.session.errors import CfArgumentError

__all__ = [
    "SessionCookie",
    "clear_cookie_header",
    "cookie_values",
    "set_cookie_header",
    "validate_cookie_name",
]


def validate_cookie_name(name: object) -> str:
    """Return ``name`` if it is an RFC 6265 cookie name; raise ``CfArgumentError``."""
    if not isinstance(name, str) or not c.COOKIE_NAME_PATTERN.fullmatch(name):
        raise CfArgumentError(c.INVALID_COOKIE_NAME.format(name=name))
    return name


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise CfArgumentError(c.COOKIE_FLAG_NOT_BOOL.format(name=name, value=value))
    return value


@dataclass(frozen=True, slots=True)
class SessionCookie:
    """The session cookie: ``name`` plus the attributes of every ``Set-Cookie`` it gets.

    Build it through ``SessionConfig.cookie_name(...)`` and ``SessionConfig.cookie(...)``;
    constructing one that browsers would drop raises ``CfArgumentError``.
    """

    name: str = c.DEFAULT_COOKIE_NAME
    domain: str | None = None
    path: str = "/"
    secure: bool = True
    same_site: str = "Strict"
    http_only: bool = True
    # "HttpOnly; Secure; SameSite=Strict; Path=/" for the defaults: built once, here.
    attributes: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        validate_cookie_name(self.name)
        _flag("secure", self.secure)
        _flag("http_only", self.http_only)
        if self.same_site not in c.SAME_SITE_VALUES:
            raise CfArgumentError(c.INVALID_SAME_SITE.format(value=self.same_site))
        if not isinstance(self.path, str) or not c.COOKIE_PATH_PATTERN.fullmatch(self.path):
            raise CfArgumentError(c.INVALID_COOKIE_PATH.format(path=self.path))
        if self.domain is not None and (
            not isinstance(self.domain, str) or not c.COOKIE_DOMAIN_PATTERN.fullmatch(self.domain)
        ):
            raise CfArgumentError(c.INVALID_COOKIE_DOMAIN.format(domain=self.domain))
        self._check_prefix_rules()
        parts = ["HttpOnly"] if self.http_only else []
        if self.secure:
            parts.append("Secure")
        parts += [f"SameSite={self.same_site}", f"Path={self.path}"]
        if self.domain is not None:
            parts.append(f"Domain={self.domain}")
        object.__setattr__(self, "attributes", "; ".join(parts))

    def _check_prefix_rules(self) -> None:
        # RFC 6265bis section 4.1.3: browsers match the prefixes case-insensitively.
        lowered = self.name.lower()
        if lowered.startswith("__host-"):
            wrong = [
                shown
                for shown, bad in (
                    ("secure=False", not self.secure),
                    (f"path={self.path!r}", self.path != "/"),
                    (f"domain={self.domain!r}", self.domain is not None),
                )
                if bad
            ]
            if wrong:
                raise CfArgumentError(
                    c.HOST_PREFIX_RULES.format(name=self.name, wrong=", ".join(wrong))
                )
        elif lowered.startswith("__secure-") and not self.secure:
            raise CfArgumentError(c.SECURE_PREFIX_RULES.format(name=self.name))
        if self.same_site == "None" and not self.secure:
            raise CfArgumentError(c.SAME_SITE_NONE_NEEDS_SECURE)

    def set_header(self, value: str, max_age: int) -> str:
        """The ``Set-Cookie`` line giving this cookie ``value`` for ``max_age`` seconds."""
        return f"{self.name}={value}; {self.attributes}; Max-Age={max_age}"

    def clear_header(self) -> str:
        """The ``Set-Cookie`` line that deletes this cookie (same attributes, ``Max-Age=0``)."""
        return f"{self.name}=; {self.attributes}; Max-Age=0"


def cookie_values(cookie_headers: Iterable[str], name: str) -> list[str]:
    """Every value sent for cookie ``name``, in order, across all ``Cookie`` headers.

    Browsers send one ``Cookie`` header, but proxies and scripts may send several, and a
    name may repeat (same name set for different paths or by a sibling subdomain), so all
    values are returned. Surrounding double quotes (allowed by RFC 6265) are removed;
    pairs without ``=`` are skipped. Nothing is decoded: values stay as sent.
    """
    values: list[str] = []
    for header in cookie_headers:
        for pair in header.split(";"):
            pair_name, sep, value = pair.partition("=")
            if not sep or pair_name.strip() != name:
                continue
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            values.append(value)
    return values


def _check_value(value: object) -> str:
    if not isinstance(value, str) or not c.COOKIE_VALUE_PATTERN.fullmatch(value):
        raise CfArgumentError(c.INVALID_COOKIE_VALUE.format(value=value))
    return value


def set_cookie_header(name: str, value: str, max_age: int) -> str:
    """The seed's ``Set-Cookie`` line for ``name=value`` living ``max_age`` seconds.

    Raises ``CfArgumentError`` for a name that is not a token, a value with characters
    RFC 6265 forbids, or a ``max_age`` that is not an int >= 0.
    """
    cookie = SessionCookie(name)
    _check_value(value)
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
        raise CfArgumentError(c.COOKIE_MAX_AGE_INVALID.format(value=max_age))
    return cookie.set_header(value, max_age)


def clear_cookie_header(name: str) -> str:
    """The seed's ``Set-Cookie`` line that deletes cookie ``name`` (``Max-Age=0``).

    Raises ``CfArgumentError`` if ``name`` is not a token.
    """
    return SessionCookie(name).clear_header()
