"""The aiohttp adapter: ``create_app(emulator)`` serves ``RestApi`` over HTTP.

All it does is read the body (capped by ``client_max_size`` and an early Content-Length
check), hand (method, raw target, headers, body) to the transport-free core and write its
answer back. One middleware turns what aiohttp itself raises (an over-long chunked body)
into the same envelope, through the same ``error_response``.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict

from emulator.core import Emulator
from emulator.server import constants as c
from emulator.server.envelope import ApiRequest, ApiResponse
from emulator.server.errors import error_response
from emulator.server.rest import RestApi, body_too_large

__all__ = ["REST_API", "create_app", "to_web_response"]

REST_API = web.AppKey("rest_api", RestApi)


def create_app(
    emulator: Emulator,
    *,
    api_token: str | None = None,
    max_body_size: int = c.MAX_BODY_SIZE,
) -> web.Application:
    """Return an aiohttp application answering Cloudflare's REST API v4 from ``emulator``.

    ``api_token``: require ``Authorization: Bearer <token>`` on every request.
    ``max_body_size``: bodies above it are answered 413 without being stored.
    """
    app = web.Application(client_max_size=max_body_size, middlewares=[_error_middleware])
    app[REST_API] = RestApi(emulator, api_token=api_token, max_body_size=max_body_size)
    app.router.add_route("*", r"/{tail:[\s\S]*}", _handle)  # newlines too (%0A in keys)
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
    body = await request.read()
    answer = await api.handle(ApiRequest(request.method, request.raw_path, request.headers, body))
    return to_web_response(answer)


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
