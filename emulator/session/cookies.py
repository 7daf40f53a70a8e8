"""Cookie headers: reading ``Cookie`` request headers and writing ``Set-Cookie`` lines.

``Set-Cookie`` lines are byte-exact as the seed formats them
(``<name>=<value>; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=<n>``); names and
values are checked first, so nothing a caller passes can inject another attribute or
header.
"""

from __future__ import annotations

from collections.abc import Iterable

from emulator.session import constants as c
from emulator.session.config import validate_cookie_name
from emulator.session.errors import CfArgumentError

__all__ = ["clear_cookie_header", "cookie_values", "set_cookie_header"]


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
    validate_cookie_name(name)
    _check_value(value)
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
        raise CfArgumentError(c.COOKIE_MAX_AGE_INVALID.format(value=max_age))
    return c.SET_COOKIE.format(name=name, value=value, max_age=max_age)


def clear_cookie_header(name: str) -> str:
    """The seed's ``Set-Cookie`` line that deletes cookie ``name`` (``Max-Age=0``).

    Raises ``CfArgumentError`` if ``name`` is not a token.
    """
    return c.CLEAR_COOKIE.format(name=validate_cookie_name(name))
