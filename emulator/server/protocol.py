"""HTTP-level refusals in Cloudflare's envelope too: ``EnvelopeAppRunner``.

Some requests never reach the application: aiohttp's HTTP parser refuses a request line or
header over its limits, a malformed chunked body, or a ``Content-Encoding`` it cannot
decode (``br`` or ``zstd`` without their libraries), and answers them itself in plain text.
Clients of Cloudflare's API expect the JSON envelope on every answer, so the runner's
request handler answers those refusals through ``error_response`` instead (a 400 with code
10001, or the 5xx aiohttp chose), and logs them at debug level rather than as tracebacks.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.http_exceptions import ContentEncodingError, HttpProcessingError
from aiohttp.web_protocol import RequestHandler

from emulator.server import constants as c
from emulator.server.app import to_web_response
from emulator.server.errors import ApiError, error_response

__all__ = ["EnvelopeAppRunner"]

log = logging.getLogger("emulator.server")


class _EnvelopeRequestHandler(RequestHandler):
    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0 or status >= 500:
            return super().handle_error(request, status, exc, message)
        log.debug("refused a malformed request from %s", request.remote, exc_info=exc)
        if isinstance(exc, ContentEncodingError):
            text = c.MSG_UNSUPPORTED_CONTENT_ENCODING
        else:
            reason = exc.message if isinstance(exc, HttpProcessingError) else message
            text = c.MSG_BAD_HTTP.format(" ".join(str(reason or status).split()))
        response = to_web_response(error_response(ApiError(status, c.CODE_BAD_REQUEST, text)))
        response.force_close()
        return response


class _EnvelopeServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _EnvelopeRequestHandler(self, loop=self._loop, **self._kwargs)


class EnvelopeAppRunner(web.AppRunner):
    """An ``AppRunner`` whose HTTP-level refusals are Cloudflare envelopes."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        # The same server, with a request handler that answers refusals in the envelope.
        server.__class__ = _EnvelopeServer
        return server
