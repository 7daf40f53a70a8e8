"""The seed's ``cf::`` helpers, for the request being handled.

Call them from a handler (or a task it spawned) running under ``Handler(env).middleware``;
outside one they raise ``CfError``::

    from emulator import cf

    async def profile(request):
        session = await cf.session()
        user = session.get("user_id", type=str)
        theme = cf.cookie("theme")
        cf.set_cookie("seen", "1", 3600)
        db = cf.d1("DB")
        ...

Cookies set here are sent with the response, after the session middleware has flushed
the session, byte-exact as the seed formats them.
"""

from __future__ import annotations

from typing import Any

from emulator.session import constants as c
from emulator.session.context import current_context, lookup_binding
from emulator.session.cookies import clear_cookie_header, set_cookie_header
from emulator.session.errors import CfArgumentError, CfError, SessionError
from emulator.session.lifecycle import load_session
from emulator.session.state import Session

__all__ = [
    "CfArgumentError",
    "CfError",
    "SessionError",
    "clear_cookie",
    "cookie",
    "d1",
    "env",
    "kv",
    "session",
    "set_cookie",
]


async def session() -> Session:
    """Return the current request's session, loading it from KV or D1 on the first call.

    Later calls in the same request return the same session without touching the
    backend. Raises ``SessionError`` when the handler has no session config (with the
    seed's hint), when the backend read fails (``session load failed: ...``), or after the
    session was flushed; ``CfError`` outside a request.
    """
    return await load_session(current_context("session"))


def cookie(name: str) -> str | None:
    """Return the value of request cookie ``name`` (the first, if sent more than once).

    Returns ``None`` when the request has no such cookie. Raises ``CfError`` outside a
    request.
    """
    values = current_context("cookie").cookie_values(name)
    return values[0] if values else None


def set_cookie(name: str, value: str, max_age: int) -> None:
    """Send ``Set-Cookie: <name>=<value>; HttpOnly; Secure; SameSite=Strict; Path=/;
    Max-Age=<max_age>`` with the response.

    Raises ``CfArgumentError`` for a name or value RFC 6265 forbids (nothing can inject
    attributes or headers) or a ``max_age`` that is not an int >= 0; ``CfError`` outside a
    request or once the response's headers are sent.
    """
    context = current_context("set_cookie")
    line = set_cookie_header(name, value, max_age)
    if context.finished:
        raise CfError(c.COOKIE_AFTER_PREPARE.format(helper="set_cookie"))
    context.set_cookies.append(line)


def clear_cookie(name: str) -> None:
    """Send ``Set-Cookie: <name>=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0``.

    Raises ``CfArgumentError`` for a name that is not a token; ``CfError`` outside a
    request or once the response's headers are sent.
    """
    context = current_context("clear_cookie")
    line = clear_cookie_header(name)
    if context.finished:
        raise CfError(c.COOKIE_AFTER_PREPARE.format(helper="clear_cookie"))
    context.set_cookies.append(line)


def env() -> Any:
    """Return the env of the current request's ``Handler``; raise ``CfError`` outside one."""
    return current_context("env").env


def kv(binding: str) -> Any:
    """Return the KV namespace bound as ``binding`` in the current env.

    Raises ``CfError`` outside a request or when ``env`` has no such binding.
    """
    return lookup_binding(current_context("kv").env, binding)


def d1(binding: str) -> Any:
    """Return the D1 database bound as ``binding`` in the current env.

    Raises ``CfError`` outside a request or when ``env`` has no such binding.
    """
    return lookup_binding(current_context("d1").env, binding)
