"""Cookie jars for tests: ``cf_cookies`` and ``cf_cookie_jar_factory()``.

An ``EmulatorCookieJar`` is an ``aiohttp.CookieJar`` (RFC 6265: domain and path matching,
``Max-Age`` over ``Expires``, ``Max-Age=0`` deletes) with what testing against a local
server needs:

- **IP hosts.** Test servers listen on ``127.0.0.1``; aiohttp's default jar refuses cookies
  from IP addresses, so this one is always ``unsafe=True`` (as ``aiohttp.test_utils``'
  own client jar).
- **Secure cookies over http.** The session middleware sends ``Secure`` cookies (as the
  Worker does), which a plain jar never sends back over ``http://``. Origins passed to
  ``trust_origin`` (``cf_client`` passes its server as ``http://127.0.0.1:<port>`` and
  ``http://localhost:<port>``) are treated as secure, as aiohttp's
  ``treat_as_secure_origin`` does, so the cookies round-trip.
- **Expiry on the test clock.** aiohttp's jar computes ``Max-Age`` deadlines and expires
  cookies with ``time.time()`` read at call time (checked in aiohttp 3.14's
  ``cookiejar.py``), not with the event loop's monotonic clock, which freezegun with
  ``real_asyncio=True`` leaves alone. ``cf_time`` moves ``time.time()``, so ``Max-Age``
  and ``Expires`` run out when the test clock says so; the plugin's tests pin that on the
  installed aiohttp.
- **Readable cookies.** ``jar.get(name)`` returns a ``StoredCookie`` with the value and
  the attributes as the server sent them (``HttpOnly``, ``SameSite``, ``Max-Age``...).

``SameSite`` is recorded but not enforced: a test client has no notion of a cross-site
request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from http.cookies import BaseCookie, Morsel
from typing import Any

from aiohttp import CookieJar
from yarl import URL

__all__ = ["AmbiguousCookieError", "EmulatorCookieJar", "StoredCookie"]

_SECURE_SCHEMES = {"http": "https", "ws": "wss"}
# aiohttp's default for filter_cookies (a yarl URL is immutable, so one is enough).
_NO_URL = URL()


class AmbiguousCookieError(LookupError):
    """More than one stored cookie has the name asked for; narrow by domain or path."""


@dataclass(frozen=True)
class StoredCookie:
    """One cookie in a jar, with its attributes as the server set them.

    ``max_age`` is the ``Max-Age`` attribute (``None`` when absent), ``expires`` the raw
    ``Expires`` attribute, and ``expires_at`` the instant (epoch seconds, on the test
    clock) at which the jar drops the cookie; ``None`` means it lasts for the session.
    """

    name: str
    value: str
    domain: str
    path: str
    secure: bool
    http_only: bool
    same_site: str | None
    max_age: int | None
    expires: str | None
    expires_at: float | None
    host_only: bool


def _origin(url: str | URL) -> URL:
    parsed = URL(url) if isinstance(url, str) else url
    if not parsed.absolute or parsed.scheme not in _SECURE_SCHEMES:
        raise ValueError(f"expected an absolute http:// or ws:// origin, got {str(url)!r}")
    return parsed.origin()


class EmulatorCookieJar(CookieJar):
    """An RFC 6265 jar that keeps ``Secure`` cookies for trusted test origins.

    Create it inside a running event loop (aiohttp's jars need one). Raises
    ``RuntimeError`` saying so otherwise.
    """

    def __init__(
        self,
        *,
        treat_as_secure_origin: str | URL | Iterable[str | URL] | None = None,
        quote_cookie: bool = True,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                raise RuntimeError(
                    "an EmulatorCookieJar needs a running event loop, as aiohttp's "
                    "CookieJar does: create it in an async test or fixture "
                    "(call cf_cookie_jar_factory() from an async test)"
                ) from None
        super().__init__(unsafe=True, quote_cookie=quote_cookie, loop=loop)
        self._trusted: set[URL] = set()
        if isinstance(treat_as_secure_origin, str | URL):
            treat_as_secure_origin = [treat_as_secure_origin]
        for origin in treat_as_secure_origin or ():
            self.trust_origin(origin)

    # -- Secure cookies on http:// test servers -------------------------------------------

    def trust_origin(self, origin: str | URL) -> None:
        """Treat ``origin`` (``http://host:port``) as secure: send it ``Secure`` cookies.

        Raises ``ValueError`` for anything but an absolute ``http://`` or ``ws://`` URL.
        """
        self._trusted.add(_origin(origin))

    @property
    def treat_as_secure_origin(self) -> frozenset[URL]:
        """Every origin treated as secure over cleartext (aiohttp's own and trusted)."""
        # aiohttp releases before the property keep the origins only privately.
        own: Iterable[URL] = getattr(super(), "treat_as_secure_origin", ())
        return frozenset({*own, *self._trusted})

    def filter_cookies(self, request_url: URL = _NO_URL) -> BaseCookie[str]:
        """Return the cookies to send to ``request_url`` (``Secure`` ones for trusted origins)."""
        secure_scheme = _SECURE_SCHEMES.get(request_url.scheme)
        if (
            secure_scheme is not None
            and request_url.absolute
            and request_url.origin() in self._trusted
        ):
            # The same decision aiohttp makes for treat_as_secure_origin: match the
            # request as if it were made over TLS to the same host and port.
            request_url = request_url.with_scheme(secure_scheme)
        return super().filter_cookies(request_url)

    # -- reading cookies ------------------------------------------------------------------

    def get(
        self, name: str, *, domain: str | None = None, path: str | None = None
    ) -> StoredCookie | None:
        """Return the live cookie ``name`` (optionally of ``domain``/``path``), or ``None``.

        Expired cookies are gone. Raises ``AmbiguousCookieError`` when several cookies
        share the name and ``domain``/``path`` do not single one out.
        """
        found = [
            cookie
            for cookie in self.stored()
            if cookie.name == name
            and (domain is None or cookie.domain == domain)
            and (path is None or cookie.path == path)
        ]
        if len(found) > 1:
            where = ", ".join(f"{c.domain}{c.path}" for c in found)
            raise AmbiguousCookieError(
                f"{len(found)} cookies are named {name!r} ({where}): pass domain= or path="
            )
        return found[0] if found else None

    def stored(self) -> list[StoredCookie]:
        """Every live cookie, in storage order."""
        # aiohttp keeps deadlines and host-only flags per (domain, path without its
        # trailing "/", name); read defensively, as older releases name them differently.
        expirations: dict[tuple[str, str, str], float] = getattr(self, "_expirations", {})
        host_only: frozenset[tuple[str, str, str]] = getattr(
            self, "host_only_cookies", frozenset(getattr(self, "_host_only_cookies", ()))
        )
        result = []
        for morsel in self:  # iterating expires what has run out first
            domain, path = morsel["domain"], morsel["path"]
            key = (domain, path.rstrip("/"), morsel.key)
            result.append(_stored(morsel, expirations.get(key), key in host_only))
        return result

    def values(self) -> dict[str, str]:
        """``{name: value}`` of every live cookie (the last one wins on duplicate names)."""
        return {cookie.name: cookie.value for cookie in self.stored()}

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(c.name == name for c in self.stored())

    def __repr__(self) -> str:
        return f"EmulatorCookieJar({self.values()!r})"


def _stored(morsel: Morsel[str], deadline: float | None, host_only: bool) -> StoredCookie:
    max_age: int | None = None
    raw_max_age: Any = morsel["max-age"]
    if raw_max_age not in ("", None):
        with contextlib.suppress(TypeError, ValueError):
            max_age = int(raw_max_age)
    same_site = morsel["samesite"]
    return StoredCookie(
        name=morsel.key,
        value=morsel.value,
        domain=morsel["domain"],
        path=morsel["path"],
        secure=bool(morsel["secure"]),
        http_only=bool(morsel["httponly"]),
        same_site=str(same_site) if same_site else None,
        max_age=max_age,
        expires=morsel["expires"] or None,
        expires_at=deadline,
        host_only=host_only,
    )
