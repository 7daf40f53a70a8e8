"""``Handler``: the seed's handler builder, as an aiohttp middleware.

``Handler(env).session(config).middleware`` sets up the request context (env, cookies,
session config), runs the handler, flushes the session before the response is finalised
and adds the pending ``Set-Cookie`` lines, as the seed's ``Handler::handle`` does around
``flush_session()`` and ``finalize()``.

aiohttp specifics, following aiohttp-session where it is right:

- A handler that raises ``web.HTTPException`` (a redirect after log-in, say) still has its
  session flushed and its cookies added to the exception's response. Any other exception
  discards the session's changes: the request failed, nothing half-done is saved.
- A response the handler prepares itself (streamed, WebSocket) takes no headers after
  ``prepare()``. ``handler.setup(app)`` also registers an ``on_response_prepare`` hook
  that saves the session inside ``prepare()``, before the headers are written: if that
  save fails, ``prepare()`` raises, the client gets a well-formed 500 on a closed
  connection and the error is logged (never a half-written response on a kept-alive
  connection). aiohttp gives a bare middleware no such hook: with it, changes to an
  existing session are still saved after the handler returns (the cookie's ``Max-Age``
  is not refreshed), while what needs a header (a new session with data, ``regenerate``,
  ``destroy``, ``cf.set_cookie``) raises ``SessionError`` advising ``handler.setup(app)``
  and writes nothing (aiohttp-session raises for a prepared ``web.Response`` but silently
  skips other stream responses).
- State kept on the application and the request uses ``web.AppKey`` / ``web.RequestKey``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import hdrs, web
from aiohttp.log import server_logger
from aiohttp.typedefs import Handler as AiohttpHandler
from aiohttp.typedefs import Middleware

from emulator.session import constants as c
from emulator.session.config import SessionConfig
from emulator.session.context import CONTEXTS, RequestContext
from emulator.session.errors import CfError, SessionError
from emulator.session.lifecycle import flush_session, needs_flush, needs_headers

__all__ = ["Handler"]

_HANDLER = web.AppKey("handler", object)


async def _finish(context: RequestContext, response: web.StreamResponse) -> None:
    if context.finished:
        return  # flushed by the on_response_prepare hook
    if response.prepared:
        # Bare middleware, streamed response: its headers are gone.
        context.finished = True
        if needs_headers(context):
            raise SessionError(c.RESPONSE_PREPARED)
        if needs_flush(context):
            # Only an existing session saved under its own id (or a new one nothing was
            # stored in, which is not worth a record without its cookie) gets here.
            await flush_session(context, headers_sent=True)
        return
    await _flush_into(context, response)


async def _flush_into(context: RequestContext, response: web.StreamResponse) -> None:
    await flush_session(context)
    context.finished = True
    for line in context.set_cookies:
        response.headers.add(hdrs.SET_COOKIE, line)


async def _flush_on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    # aiohttp calls this inside prepare(), after the response counts as prepared but
    # before its headers are written, so they can still be added.
    for context in reversed(request.get(CONTEXTS, ())):
        if not context.finished:
            try:
                await _flush_into(context, response)
            except Exception as exc:
                context.finished = True
                context.prepare_failure = (exc, response)
                raise


def _prepare_failed(
    request: web.Request, failure: tuple[BaseException, web.StreamResponse]
) -> web.Response:
    error, failed = failure
    server_logger.error("Error handling request from %s", request.remote, exc_info=error)
    response = web.Response(status=500, text=c.PREPARE_FAILED_TEXT)
    response.force_close()
    # aiohttp framed the failed response on the connection's writer (chunked, compressed)
    # before the hook ran: the error response is framed the same way, so its bytes stay
    # well-formed.
    if failed.headers.get(hdrs.TRANSFER_ENCODING) == "chunked":
        response.enable_chunked_encoding()
    coding = failed.headers.get(hdrs.CONTENT_ENCODING)
    if coding is not None and failed.compression:
        response.enable_compression(web.ContentCoding(coding))
    return response


class Handler:
    """The seed's ``Handler``: ``Handler(env).session(config)``, then ``.middleware``.

    ``env`` is any object giving attribute (or item) access to bindings, such as
    ``Emulator().env`` or a dict. Handlers are immutable: ``session`` returns a new one.
    """

    __slots__ = ("config", "env", "middleware")

    def __init__(self, env: Any, config: SessionConfig | None = None) -> None:
        if config is not None and not isinstance(config, SessionConfig):
            raise TypeError(f"expected a SessionConfig, got {type(config).__name__}")
        self.env = env
        self.config = config
        self.middleware: Middleware = _build_middleware(env, config)

    def session(self, config: SessionConfig) -> Handler:
        """Return a handler that gives each request a session configured by ``config``.

        Raises ``TypeError`` if ``config`` is not a ``SessionConfig``.
        """
        return Handler(self.env, config)

    def setup(self, app: web.Application) -> None:
        """Install the middleware on ``app`` and flush sessions when responses are prepared.

        The ``on_response_prepare`` hook lets streamed and WebSocket responses carry the
        session cookie. Raises ``CfError`` if ``app`` already has a session handler.
        """
        if _HANDLER in app:
            raise CfError(c.ALREADY_SET_UP)
        app[_HANDLER] = self
        app.middlewares.append(self.middleware)
        app.on_response_prepare.append(_flush_on_prepare)

    def __repr__(self) -> str:
        return f"Handler({self.env!r}, {self.config!r})"


def _build_middleware(env: Any, config: SessionConfig | None) -> Middleware:
    @web.middleware
    async def session_middleware(
        request: web.Request, handler: AiohttpHandler
    ) -> web.StreamResponse:
        context = RequestContext(request.headers, env, config)
        contexts = request.get(CONTEXTS)
        if contexts is None:
            contexts = request[CONTEXTS] = []
        contexts.append(context)
        token = context.enter()
        try:
            try:
                response = await handler(request)
            except Exception as exc:
                if context.prepare_failure is not None:
                    return _prepare_failed(request, context.prepare_failure)
                if isinstance(exc, web.HTTPException):
                    await _finish(context, exc)
                raise
            if context.prepare_failure is not None:
                return _prepare_failed(request, context.prepare_failure)
            await _finish(context, response)
            return response
        finally:
            RequestContext.leave(token)
            contexts.remove(context)

    return session_middleware
