"""The inspector page and its static files, served by the same aiohttp app as the API.

``GET /`` and ``GET /__emulator/ui`` answer the page: server-rendered HTML that holds no
state at all (so it can be served without the token), plus plain JavaScript modules and
CSS from this package, with no build step and nothing fetched from elsewhere. The page then
reads the state over the API with the token in the ``Authorization`` header.

A strict Content-Security-Policy backs the page's own rule (data only ever reaches the DOM
as text): no inline script, no script or connection to any other origin.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler

from emulator.server import constants as c
from emulator.server.rest import RestApi
from emulator.server.ui.api import InspectorApi

__all__ = ["INSPECTOR", "PAGE_PATHS", "STATIC_PREFIX", "add_inspector", "is_pulse"]

INSPECTOR: Final = web.AppKey("inspector", InspectorApi)
PAGE_PATHS: Final = ("/", c.ADMIN_PREFIX + "/ui", c.ADMIN_PREFIX + "/ui/")
STATIC_PREFIX: Final = c.ADMIN_PREFIX + "/ui/static/"
_CONTENT_TYPES: Final = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
_SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_READ_ONLY_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def add_inspector(app: web.Application, api: RestApi) -> None:
    """Serve the inspector page from ``app``; its data routes join ``api``'s router.

    Call it before the app's catch-all route, so that ``/`` reaches the page.
    """
    inspector = InspectorApi()
    inspector.register(api.router)
    app[INSPECTOR] = inspector
    app.middlewares.append(_count_changes)
    for path in PAGE_PATHS:
        app.router.add_get(path, _page)
    app.router.add_get(STATIC_PREFIX + "{name}", _static)


@cache
def _assets() -> dict[str, tuple[bytes, str]]:
    """Every shipped static file: name -> (bytes, ETag). Read once; nothing else is served."""
    found = {}
    for entry in resources.files("emulator.server.ui").joinpath("static").iterdir():
        suffix = entry.name[entry.name.rfind(".") :]
        if entry.is_file() and suffix in _CONTENT_TYPES and not entry.name.startswith("."):
            data = entry.read_bytes()
            found[entry.name] = (data, '"' + hashlib.sha256(data).hexdigest()[:16] + '"')
    return found


def _answer(request: web.Request, name: str) -> web.Response:
    found = _assets().get(name)
    if found is None:
        raise web.HTTPNotFound(text="no such file")
    data, etag = found
    headers = {**_SECURITY_HEADERS, "ETag": etag}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    content_type = _CONTENT_TYPES[name[name.rindex(".") :]]
    return web.Response(body=data, headers={**headers, "Content-Type": content_type})


async def _page(request: web.Request) -> web.Response:
    return _answer(request, "index.html")


async def _static(request: web.Request) -> web.Response:
    return _answer(request, request.match_info["name"])


def is_pulse(method: str, path: str) -> bool:
    """Whether a request is the page's pulse, which the access log leaves out: an open page
    polls it every second, which would bury every other request of the server's log."""
    return method == "GET" and path == _PULSE_PATH


_PULSE_PATH: Final = f"{c.ADMIN_PREFIX}/ui/api/pulse"


@web.middleware
async def _count_changes(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every state-changing request answered without error, for the page to poll."""
    response = await handler(request)
    if request.method not in _READ_ONLY_METHODS and response.status < 400:
        request.app[INSPECTOR].changes += 1
    return response
