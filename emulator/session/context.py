"""Per-request context in a ``ContextVar``: what the seed keeps in thread-locals.

The seed keeps its config, session and pending cookies in thread-locals, which is sound
only while one request runs per thread at a time. An asyncio server interleaves many
requests on one thread, so here the middleware puts one ``RequestContext`` in a
``ContextVar`` for the duration of each request: aiohttp runs every request in its own
task, each task has its own context, and tasks the handler spawns inherit (a reference
to) the same ``RequestContext``, so they share its session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulator.session import constants as c
from emulator.session.cookies import cookie_values
from emulator.session.errors import CfError

if TYPE_CHECKING:
    from emulator.session.config import SessionConfig
    from emulator.session.state import Session

__all__ = ["CONTEXTS", "RequestContext", "current_context", "lookup_binding"]


@dataclass(eq=False, slots=True)
class RequestContext:
    """One request's env, session config, loaded session and pending ``Set-Cookie`` lines.

    ``headers`` is the request's header mapping (a multidict: ``getall`` is used when it
    has one). ``finished`` turns true once the session is flushed and the cookies are
    handed to the response; nothing can be added after that. ``prepare_failure`` holds
    the error and the response when a flush inside ``prepare()`` failed.
    """

    headers: Mapping[str, str]
    env: Any
    config: SessionConfig | None
    set_cookies: list[str] = field(default_factory=list)
    session: Session | None = None
    load_lock: asyncio.Lock | None = None
    finished: bool = False
    prepare_failure: tuple[BaseException, web.StreamResponse] | None = None

    def cookie_values(self, name: str) -> list[str]:
        """Every value of cookie ``name`` the request sent, in order."""
        getall = getattr(self.headers, "getall", None)
        if getall is not None:
            headers: list[str] = getall("Cookie", [])
        else:
            single = self.headers.get("Cookie")
            headers = [] if single is None else [single]
        return cookie_values(headers, name)

    def enter(self) -> Token[RequestContext]:
        """Make this the current request's context; return the token for ``leave``."""
        return _CURRENT.set(self)

    @staticmethod
    def leave(token: Token[RequestContext]) -> None:
        """Restore the context that was current before ``enter``."""
        _CURRENT.reset(token)


# The contexts of the session middlewares a request is inside (sub-applications may add
# their own), innermost last: read by the on_response_prepare hook and get_session().
CONTEXTS = web.RequestKey("emulator.session.contexts", list[RequestContext])

# A ContextVar is the one module-level object here: it holds no state itself, each task
# sees its own value.
_CURRENT: ContextVar[RequestContext] = ContextVar("emulator.session.request_context")


def current_context(helper: str) -> RequestContext:
    """The current request's context; raise ``CfError`` naming ``cf.<helper>()`` if none."""
    context = _CURRENT.get(None)
    if context is None:
        raise CfError(c.OUTSIDE_REQUEST.format(helper=helper))
    return context


def lookup_binding(env: Any, name: str) -> Any:
    """Return binding ``name`` from ``env``: by item when ``env`` has items, else by attribute.

    Items come first so that a plain dict env can bind names like ``items`` or ``get``
    (an attribute lookup would find the dict's methods). An object with both (this
    project's ``Env``, ``emulator.remote``'s) falls back to attributes. Raises ``CfError``
    when ``env`` has no such binding.
    """
    if hasattr(type(env), "__getitem__"):
        try:
            return env[name]
        except (LookupError, TypeError):
            if isinstance(env, Mapping):
                raise CfError(c.NO_BINDING.format(name=name)) from None
    try:
        return getattr(env, name)
    except AttributeError:
        raise CfError(c.NO_BINDING.format(name=name)) from None
