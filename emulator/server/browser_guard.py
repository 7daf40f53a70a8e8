"""What a browser may not do to a local server: ``BrowserGuard``, checked at the HTTP door.

``serve`` accepts any request without ``--api-token``, and its JSON endpoints take bodies
sent as ``text/plain`` (as curl sends them), which a web page can POST to any address
without asking. Two checks, run before anything else (body, token, route), close that:

- **Origin** (cross-site request forgery): a request carrying an ``Origin`` header must
  come from the server's own origin, the scheme (``X-Forwarded-Proto`` when a proxy or an
  HTTPS tunnel set it) with the host and port of the request's ``Host``. Browsers send
  ``Origin`` on every cross-origin request and on same-origin writes; ``Origin: null``
  (a sandboxed frame, a ``data:`` page, a file) is refused too. Requests without it (the
  SDK, curl, scripts) are not browsers' and pass.
- **Host** (DNS rebinding: ``evil.example`` made to resolve to 127.0.0.1, whose pages are
  then same-origin with the server): the ``Host`` must name the server. Always allowed:
  ``localhost``, ``*.localhost``, 127.0.0.0/8 and ``::1``, the address the server is bound
  to, and the names given to ``--allow-host`` (``.example.com`` allows that domain and its
  subdomains, ``*`` any name). Bound to a non-loopback address (``--host 0.0.0.0``), any IP
  address is allowed too: an address names no DNS record to rebind, and the machine's
  addresses are not known in advance; other names still need ``--allow-host``. A request
  without ``Host`` (HTTP/1.0) passes: browsers always send one.

These guard only the HTTP door (``create_app``): the respx adapter answers in-process
requests for ``api.cloudflare.com`` from the same core without them, and no browser can
reach it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Final

from multidict import MultiMapping
from yarl import URL

from emulator.server import constants as c
from emulator.server.errors import ApiError

__all__ = ["ANY_HOST", "BrowserGuard", "is_loopback"]

ANY_HOST: Final = "*"
_SCHEMES: Final = ("http", "https")
_LOOPBACK_NAME: Final = "localhost"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address, any case, IPv6 with or without brackets) is
    this machine only: ``localhost``, ``*.localhost`` (RFC 6761), 127.0.0.0/8 or ``::1``."""
    name = _normal(host)
    if name == _LOOPBACK_NAME or name.endswith("." + _LOOPBACK_NAME):
        return True
    address = _address(name)
    return address is not None and address.is_loopback


class BrowserGuard:
    """The Origin and Host checks for an app served on ``host`` (see the module docstring).

    ``allowed_hosts``: more names the ``Host`` header may carry (``--allow-host``).
    """

    def __init__(self, host: str = c.DEFAULT_HOST, allowed_hosts: Iterable[str] = ()) -> None:
        self.host = _normal(host)
        allowed = {_normal(name) for name in allowed_hosts}
        self.any_host = ANY_HOST in allowed
        self.domains = tuple(name for name in allowed if name.startswith("."))
        self.names = frozenset(allowed - {ANY_HOST} - set(self.domains)) | {self.host}
        # Bound to loopback only a local program or a proxy of the user's can connect.
        self.any_address = not is_loopback(self.host)

    def host_allowed(self, name: str) -> bool:
        """Whether a ``Host`` naming ``name`` (without the port) may be answered."""
        name = _normal(name)
        return (
            self.any_host
            or name in self.names
            or is_loopback(name)
            or (self.any_address and _address(name) is not None)
            or any(name == domain[1:] or name.endswith(domain) for domain in self.domains)
        )

    def refusal(self, headers: MultiMapping[str], scheme: str = "http") -> ApiError | None:
        """The 403 for a request a browser sent on another site's behalf, or ``None``.

        ``headers``: the request's; ``scheme``: the one it arrived over.
        """
        authority = headers.get("Host")
        if authority is None:  # no browser leaves it out (HTTP/1.0 clients may)
            return None
        # X-Forwarded-Proto: set by a proxy or tunnel terminating HTTPS. No page can add it
        # to a cross-site request without a CORS preflight, which carries Origin: refused.
        forwarded = headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        own = _origin(forwarded if forwarded in _SCHEMES else scheme, authority)
        if own is None or not self.host_allowed(own[1]):
            shown = authority if own is None else own[1]
            return ApiError(403, c.CODE_AUTHENTICATION, c.MSG_HOST_NOT_ALLOWED.format(shown))
        for origin in headers.getall("Origin", []):
            if _origin_of(origin) != own:
                text = c.MSG_CROSS_ORIGIN.format(origin, f"{own[0]}://{authority}")
                return ApiError(403, c.CODE_AUTHENTICATION, text)
        return None


def _normal(host: str) -> str:
    # "LOCALHOST." and "[::1]" name what "localhost" and "::1" name.
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return name[:-1] if name.endswith(".") and name != "." else name


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return None
    # ::ffff:127.0.0.1 is 127.0.0.1 (Python 3.13 says so itself; 3.11 does not).
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return mapped or address


def _origin(scheme: str, authority: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of ``scheme://authority``, or ``None`` if that is no origin."""
    try:
        url = URL(f"{scheme}://{authority}")
    except ValueError:
        return None
    if not url.raw_host or url.raw_path not in ("", "/") or url.user:
        return None
    if url.raw_query_string or url.raw_fragment:
        return None
    return url.scheme, _normal(url.raw_host), url.port


def _origin_of(header: str) -> tuple[str, str, int | None] | None:
    scheme, separator, authority = header.partition("://")
    if not separator or scheme.lower() not in _SCHEMES:
        return None  # "null", a file: or extension origin: never this server
    return _origin(scheme.lower(), authority)
