"""``get_session(request)`` and ``new_session(request)``, as aiohttp-session names them.

They reach the same session as ``cf.session()``, through the request instead of the
request's context, so code written for aiohttp-session reads the same here::

    async def login(request):
        session = await new_session(request)  # fresh id, empty, the old record deleted
        session["user_id"] = user.id
"""

from __future__ import annotations

from aiohttp import web

from emulator.session import constants as c
from emulator.session.context import CONTEXTS, RequestContext
from emulator.session.errors import CfError
from emulator.session.lifecycle import load_session
from emulator.session.state import Session

__all__ = ["get_session", "new_session"]


def _context(request: web.Request, function: str) -> RequestContext:
    contexts: list[RequestContext] = request.get(CONTEXTS, [])
    if not contexts:
        raise CfError(c.NO_SESSION_MIDDLEWARE.format(function=function))
    return contexts[-1]  # the innermost session middleware (a sub-application's)


async def get_session(request: web.Request) -> Session:
    """Return ``request``'s session, loading it on the first call (``cf.session()``).

    Raises ``CfError`` if the session middleware did not handle ``request``, and
    ``SessionError`` as ``cf.session()`` does.
    """
    return await load_session(_context(request, "get_session"))


async def new_session(request: web.Request) -> Session:
    """Replace ``request``'s session with a new, empty one under a fresh id; return it.

    The record the request came with is deleted when the response goes out, after the
    new session is saved: call it at log-in, so an id planted or seen before is worthless
    (session fixation). ``cf.session()`` returns the new session afterwards. Raises as
    ``get_session`` does.
    """
    session = await load_session(_context(request, "new_session"))
    session._live().start_over()
    return session
