"""``Handler``: the seed's handler builder, as an aiohttp middleware.

``Handler(env).session(config).middleware`` sets up the request context (env, cookies,
session config), runs the handler, flushes the session before the response is finalised
and adds the pending ``Set-Cookie`` lines, as the seed's ``Handler::handle`` does around
``flush_session()`` and ``finalize()``.

aiohttp specifics, following aiohttp-session where it is right:

- A handler that raises ``web.HTTPException`` (a redirect after log-in, say) still has its
  session flushed and its cookies added to the exception's response. Any other exception
  discards the session's changes: the request failed, nothing half-done is saved.
- A response the handler has already prepared (streamed, WebSocket) can take no more
  headers. ``handler.setup(app)`` also registers an ``on_response_prepare`` hook that
  flushes at ``prepare()`` time, so streaming works; with the bare middleware, a prepared
  response whose session or cookies still needed sending raises ``SessionError`` instead
  of dropping them silently (aiohttp-session raises for a prepared ``web.Response`` but
  silently skips other stream responses).
- State kept on the application and the request uses ``web.AppKey`` / ``web.RequestKey``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler as AiohttpHandler
from aiohttp.typedefs import Middleware

from emulator.session import constants as c
from emulator.session.config import SessionConfig
from emulator.session.context import RequestContext
from emulator.session.errors import CfError, SessionError
from emulator.session.lifecycle import flush_session, needs_flush

__all__ = ["Handler"]

# The contexts of the session middlewares a request is inside (sub-applications may add
# their own), innermost last; read by the on_response_prepare hook.
_CONTEXTS = web.RequestKey("contexts", list[RequestContext])
_HANDLER = web.AppKey("handler", object)


async def _finish(context: RequestContext, response: web.StreamResponse) -> None:
    if context.finished:
        return  # flushed by the on_response_prepare hook
    if response.prepared:
        context.finished = True
        if needs_flush(context):
            raise SessionError(c.RESPONSE_PREPARED)
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
    for context in reversed(request.get(_CONTEXTS, ())):
        if not context.finished:
            await _flush_into(context, response)


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
        contexts = request.get(_CONTEXTS)
        if contexts is None:
            contexts = request[_CONTEXTS] = []
        contexts.append(context)
        token = context.enter()
        try:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                await _finish(context, exc)
                raise
            await _finish(context, response)
            return response
        finally:
            RequestContext.leave(token)
            contexts.remove(context)

    return session_middleware
