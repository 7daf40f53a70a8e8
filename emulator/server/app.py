"""The aiohttp adapter: ``create_app(emulator)`` serves ``RestApi`` over HTTP.

All it does is read the body (capped by ``client_max_size`` and an early Content-Length
check), hand (method, raw target, headers, body) to the transport-free core and write its
answer back. One middleware turns what aiohttp itself raises (an over-long chunked body)
into the same envelope, through the same ``error_response``; another, first of all, refuses
what a browser sends on another site's behalf (``emulator.server.browser_guard``): those
checks belong to the HTTP door, not to the core that the respx adapter shares.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web
from aiohttp.http_exceptions import ContentEncodingError
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestPayloadError
from multidict import CIMultiDict

from emulator.core import Emulator
from emulator.server import constants as c
from emulator.server.browser_guard import BrowserGuard
from emulator.server.envelope import ApiRequest, ApiResponse
from emulator.server.errors import error_response
from emulator.server.rest import RestApi, body_not_decodable, body_not_readable, body_too_large
from emulator.server.ui import add_inspector

__all__ = ["BROWSER_GUARD", "REST_API", "create_app", "to_web_response"]

REST_API = web.AppKey("rest_api", RestApi)
BROWSER_GUARD = web.AppKey("browser_guard", BrowserGuard)


def create_app(
    emulator: Emulator,
    *,
    api_token: str | None = None,
    max_body_size: int = c.MAX_BODY_SIZE,
    host: str = c.DEFAULT_HOST,
    allowed_hosts: Iterable[str] = (),
) -> web.Application:
    """Return an aiohttp application answering Cloudflare's REST API v4 from ``emulator``.

    ``api_token``: require ``Authorization: Bearer <token>`` on every request.
    ``max_body_size``: bodies above it are answered 413 without being stored.
    ``host``: the address the app is served on (``serve --host``); with ``allowed_hosts``
    (``serve --allow-host``) it says which ``Host`` headers are answered. A request from
    another origin, or for another host, is answered 403 (``BrowserGuard``).
    """
    app = web.Application(
        client_max_size=max_body_size, middlewares=[_browser_guard, _error_middleware]
    )
    app[BROWSER_GUARD] = BrowserGuard(host, allowed_hosts)
    app[REST_API] = RestApi(emulator, api_token=api_token, max_body_size=max_body_size)
    add_inspector(app, app[REST_API])  # the state inspector page, at / and /__emulator/ui
    # [\s\S]: a percent-encoded CR or LF in a key decodes to a line break, which "." skips.
    app.router.add_route("*", r"/{tail:[\s\S]*}", _handle)
    return app


def to_web_response(response: ApiResponse) -> web.Response:
    """Convert the core's answer into an aiohttp response."""
    return web.Response(
        status=response.status, headers=CIMultiDict(response.headers), body=response.body
    )


async def _handle(request: web.Request) -> web.Response:
    api = request.app[REST_API]
    declared = request.content_length
    if declared is not None and declared > api.max_body_size:
        # Refuse before reading: nothing of an oversized body is buffered or stored.
        return to_web_response(error_response(body_too_large(api.max_body_size)))
    try:
        body = await request.read()
    except (ContentEncodingError, RequestPayloadError) as exc:
        # aiohttp decompresses Content-Encoding: gzip and deflate bodies itself.
        encoding = request.headers.get("Content-Encoding")
        refusal = body_not_decodable(encoding) if encoding else body_not_readable(exc)
        return to_web_response(error_response(refusal))
    answer = await api.handle(ApiRequest(request.method, request.raw_path, request.headers, body))
    return to_web_response(answer)


@web.middleware
async def _browser_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    # Before anything else runs: the body is not even read.
    refusal = request.app[BROWSER_GUARD].refusal(request.headers, request.scheme)
    if refusal is not None:
        return to_web_response(error_response(refusal))
    return await handler(request)


@web.middleware
async def _error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[REST_API].max_body_size
        return to_web_response(error_response(body_too_large(limit)))
    except web.HTTPException:
        raise
    except Exception as exc:
        return to_web_response(error_response(exc))
    return response
