"""``cf_client``: aiohttp test clients of an app wired to ``cf_env`` and sessions.

``await cf_client(app)`` installs the session middleware on ``app`` with
``Handler(cf_env).session(cf_session_config).setup(app)`` (so ``cf.session()``, ``cf.env()``
and the other ``cf`` helpers work in its handlers), starts it on ``127.0.0.1`` on a free
port, and returns an ``aiohttp.test_utils.TestClient`` whose cookies live in ``cf_cookies``.
Each call with ``jar=cf_cookie_jar_factory()`` is another user with cookies of their own.
A bare handler function is served on every path and method.

Every client and server is closed when the test ends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from pytest_plugin.cookies import EmulatorCookieJar

if TYPE_CHECKING:
    from emulator.session import SessionConfig

__all__ = ["ClientFactory", "HandlerFunction"]

HandlerFunction = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ClientFactory:
    """Create test clients sharing one environment; ``close`` closes them all.

    ``env`` is what handlers see as ``cf.env()``, ``config`` the default session config,
    and ``jar`` the default cookie jar.
    """

    def __init__(self, env: Any, config: SessionConfig, jar: EmulatorCookieJar) -> None:
        self.env = env
        self.config = config
        self.jar = jar
        self._clients: list[TestClient[web.Request, web.Application]] = []

    async def __call__(
        self,
        app: web.Application | HandlerFunction,
        *,
        jar: EmulatorCookieJar | None = None,
        session: SessionConfig | None = None,
        server_kwargs: Mapping[str, Any] | None = None,
        **client_kwargs: Any,
    ) -> TestClient[web.Request, web.Application]:
        """Serve ``app`` (or a bare handler) and return a started test client.

        ``jar`` defaults to ``cf_cookies``; ``session`` to ``cf_session_config`` (pass
        ``cf_session_config.max_age(60)`` for short sessions). ``server_kwargs`` go to
        ``TestServer`` and other keywords to ``TestClient`` (an ``aiohttp.ClientSession``).
        An app whose own code already installed a session ``Handler`` is served as it is
        (build it with ``cf_env``). Raises ``TypeError`` for anything but an application
        or a handler function, and ``emulator.session.CfError`` when ``session`` is given
        for such an app.
        """
        application = _application(app)
        _install_sessions(application, self.env, session, self.config)
        cookie_jar = self.jar if jar is None else jar
        server = TestServer(application, **{"host": "127.0.0.1", **(server_kwargs or {})})
        client = TestClient(server, cookie_jar=cookie_jar, **client_kwargs)
        await client.start_server()
        self._clients.append(client)
        # The middleware sends Secure cookies, as the Worker does; the jar sends them back
        # to this http:// server because its origin is trusted (by IP and by name).
        origin = client.make_url("/").origin()
        cookie_jar.trust_origin(origin)
        cookie_jar.trust_origin(origin.with_host("localhost"))
        return client

    async def close(self) -> None:
        """Close every client (and its server) this factory made, newest first."""
        while self._clients:
            await self._clients.pop().close()


def _install_sessions(
    app: web.Application, env: Any, session: SessionConfig | None, default: SessionConfig
) -> None:
    from emulator.session import CfError, Handler
    from emulator.session.constants import ALREADY_SET_UP

    try:
        Handler(env).session(session if session is not None else default).setup(app)
    except CfError as exc:
        if str(exc) != ALREADY_SET_UP:
            raise
        # The app's own code installed a session Handler (a create_app(env, config)
        # factory, say): serve it as it is, unless the test asked for another config.
        if session is not None:
            raise CfError(
                f"{exc}: cf_client(session=...) cannot replace it; build the app without "
                "Handler.setup() and let cf_client install the session middleware"
            ) from None


def _application(app: web.Application | HandlerFunction) -> web.Application:
    if isinstance(app, web.Application):
        return app
    if callable(app):
        application = web.Application()
        application.router.add_route("*", "/{tail:.*}", app)
        return application
    raise TypeError(
        "cf_client() takes an aiohttp web.Application or an async handler function "
        f"(request -> response), got {type(app).__name__}"
    )
