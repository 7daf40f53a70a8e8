"""The transport-free core: ``RestApi.handle(ApiRequest) -> ApiResponse``.

The aiohttp server and the respx router are thin adapters over this one implementation:
they hand over (method, raw target, headers, body bytes) and send back (status, headers,
body). Order of checks, as on Cloudflare: body size, then authentication, then the route.
"""

from __future__ import annotations

import hmac
from collections.abc import Coroutine
from typing import Any
from urllib.parse import parse_qsl

from emulator.core import Emulator
from emulator.server import admin, d1_api, d1_transfer, kv_api
from emulator.server import constants as c
from emulator.server.envelope import ApiRequest, ApiResponse
from emulator.server.errors import ApiError, error_response
from emulator.server.routing import Call, Router, decode_segment

__all__ = [
    "RestApi",
    "body_not_decodable",
    "body_not_readable",
    "body_too_large",
    "run_without_loop",
]


class RestApi:
    """Cloudflare's REST API v4 for KV and D1, plus admin routes, over one ``Emulator``.

    ``api_token``: when set, every request needs ``Authorization: Bearer <token>``;
    anything else is answered 401 with code 10000. ``max_body_size``: larger bodies are
    refused with 413 before anything is parsed.
    """

    def __init__(
        self,
        emulator: Emulator,
        *,
        api_token: str | None = None,
        max_body_size: int = c.MAX_BODY_SIZE,
    ) -> None:
        self.emulator = emulator
        self.api_token = api_token
        self.max_body_size = max_body_size
        self.router = Router()
        kv_api.register(self.router)
        d1_api.register(self.router)
        d1_transfer.register(self.router)
        self.d1_transfers = d1_transfer.D1Transfers()
        admin.register(self.router)

    async def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer one request; every error becomes an envelope, never an exception."""
        try:
            response = await self._dispatch(request)
        except Exception as exc:
            response = error_response(exc)
        if request.method == "HEAD":
            return ApiResponse(response.status, response.headers, b"")
        return response

    def handle_sync(self, request: ApiRequest) -> ApiResponse:
        """Answer one request without an event loop (the emulator never suspends)."""
        return run_without_loop(self.handle(request))

    def authorised(self, request: ApiRequest) -> bool:
        """Tell whether the request carries the configured token (always, without one).

        The scheme is case-insensitive (``bearer``, ``BEARER``), as RFC 9110 says.
        """
        if self.api_token is None:
            return True
        scheme, _, given = (request.header("Authorization") or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(
            given.strip().encode("utf-8", "surrogateescape"), self.api_token.encode("utf-8")
        )

    async def _dispatch(self, request: ApiRequest) -> ApiResponse:
        if len(request.body) > self.max_body_size:
            raise body_too_large(self.max_body_size)
        path, _, query_string = request.target.partition("?")
        # Export/import URLs are pre-signed: their random token is the credential.
        presigned = path.startswith(f"/{d1_transfer.TRANSFERS}/")
        if not presigned and not self.authorised(request):
            raise ApiError(401, c.CODE_AUTHENTICATION, c.MSG_AUTHENTICATION)
        try:
            query = parse_qsl(query_string, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise ApiError(400, c.CODE_BAD_REQUEST, c.MSG_BAD_ENCODING) from None
        segments = [decode_segment(segment) for segment in path.split("/")[1:]]
        method = "GET" if request.method == "HEAD" else request.method
        handler, params = self.router.resolve(method, segments)
        return await handler(Call(self, request, params, query))


def body_not_decodable(encoding: str) -> ApiError:
    """The 400 for a body its ``Content-Encoding`` does not describe (not gzip, say)."""
    return ApiError(400, c.CODE_BAD_REQUEST, c.MSG_BAD_CONTENT_ENCODING.format(encoding))


def body_not_readable(error: BaseException) -> ApiError:
    """The 400 for a body the transport could not read (a broken chunked encoding)."""
    return ApiError(400, c.CODE_BAD_REQUEST, c.MSG_BAD_HTTP.format(" ".join(str(error).split())))


def body_too_large(limit: int) -> ApiError:
    """The 413 answered for a body over the cap (by the core or by a transport)."""
    return ApiError(413, c.CODE_BODY_TOO_LARGE, c.MSG_BODY_TOO_LARGE.format(limit))


def run_without_loop(coro: Coroutine[Any, Any, ApiResponse]) -> ApiResponse:
    """Drive ``coro`` to completion synchronously.

    The emulator's coroutines never suspend (SQLite calls are synchronous), so no event
    loop is needed. Raises ``RuntimeError`` if the coroutine does suspend, rather than
    blocking or answering wrongly.
    """
    try:
        coro.send(None)
    except StopIteration as done:
        result: ApiResponse = done.value
        return result
    coro.close()
    raise RuntimeError(
        "an emulator coroutine suspended while answering a request without an event loop; "
        "use RestApi.handle from async code instead"
    )
