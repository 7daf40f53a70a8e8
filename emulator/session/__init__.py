"""A port of dioxus-cloudflare's session middleware (``session.rs``) to aiohttp.

Sessions live in Workers KV or D1 behind a cookie, reached only through the binding API,
so the same code runs on this project's emulator and on real bindings::

    handler = Handler(env).session(SessionConfig.kv("SESSIONS"))
    app = web.Application(middlewares=[handler.middleware])   # or handler.setup(app)

    async def login(request):
        session = await cf.session()
        session.regenerate()
        session.set("user_id", "ada")
        ...

``get_session(request)`` / ``new_session(request)`` reach the same session the way
aiohttp-session's functions of those names do. Backends are objects with ``load``,
``save`` and ``delete`` (``SessionBackend``; ``KVBackend``, ``D1Backend``).

Exceptions (see ``emulator.session.errors``): ``CfError`` > ``SessionError`` >
``SessionConflictError``, ``CfError`` > ``CfArgumentError``.
"""

from emulator.session.backend import SessionBackend
from emulator.session.config import SessionConfig
from emulator.session.cookies import SessionCookie
from emulator.session.d1_backend import D1Backend
from emulator.session.errors import CfArgumentError, CfError, SessionConflictError, SessionError
from emulator.session.kv_backend import KVBackend
from emulator.session.middleware import Handler
from emulator.session.requests import get_session, new_session
from emulator.session.state import Session

__all__ = [
    "CfArgumentError",
    "CfError",
    "D1Backend",
    "Handler",
    "KVBackend",
    "Session",
    "SessionBackend",
    "SessionConfig",
    "SessionConflictError",
    "SessionCookie",
    "SessionError",
    "get_session",
    "new_session",
]
