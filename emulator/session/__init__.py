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

Exceptions (see ``emulator.session.errors``): ``CfError`` > ``SessionError``,
``CfArgumentError``.
"""

from emulator.session.config import D1Backend, KVBackend, SessionConfig
from emulator.session.errors import CfArgumentError, CfError, SessionError
from emulator.session.middleware import Handler
from emulator.session.state import Session

__all__ = [
    "CfArgumentError",
    "CfError",
    "D1Backend",
    "Handler",
    "KVBackend",
    "Session",
    "SessionConfig",
    "SessionError",
]
