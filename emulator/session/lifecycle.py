"""The seed's ``session()`` and ``flush_session()``: load once per request, flush at the end.

``load_session`` reads the cookie, and the backend when the cookie holds an id this port
could have issued; ``flush_session`` deletes, or saves and queues the cookie, exactly in
the cases the seed's code does.
"""

from __future__ import annotations

import asyncio

from emulator.session import backends
from emulator.session import constants as c
from emulator.session.config import SessionConfig
from emulator.session.context import RequestContext
from emulator.session.errors import SessionError
from emulator.session.state import Session, SessionState, new_session_id

__all__ = ["flush_session", "load_session", "needs_flush"]


def _usable_ids(context: RequestContext, cookie_name: str) -> list[str]:
    # The seed loads any non-empty cookie value. Here only values in the format this port
    # issues reach the backend: garbage, oversized or non-ASCII cookies mean "no session".
    return [
        value
        for value in context.cookie_values(cookie_name)
        if c.SESSION_ID_PATTERN.fullmatch(value)
    ]


async def load_session(context: RequestContext) -> Session:
    """Return the request's session, loading it from the backend on the first call.

    Raises ``SessionError``: not configured (the seed's hint), already flushed, or
    ``session load failed: ...`` when the binding fails.
    """
    if context.session is not None:
        return context.session
    config = context.config
    if config is None:
        raise SessionError(c.NOT_CONFIGURED)
    if context.finished:
        raise SessionError(c.NOT_LOADED)
    if context.load_lock is None:
        context.load_lock = asyncio.Lock()
    # Tasks of one request share its context: the first loads, the others wait for it.
    async with context.load_lock:
        if context.session is None:
            context.session = Session(await _load_state(context, config))
        return context.session


async def _load_state(context: RequestContext, config: SessionConfig) -> SessionState:
    state = None
    for session_id in _usable_ids(context, config.cookie)[: c.MAX_SESSION_COOKIES_TRIED]:
        try:
            data = await backends.load(context.env, config, session_id)
        except Exception as exc:
            raise SessionError(c.LOAD_FAILED.format(error=exc)) from exc
        if data is not None:
            state = SessionState(session_id, data, is_new=False)
            break
    if context.finished:
        # The response went out while this load was waiting: changes could not be saved.
        raise SessionError(c.NOT_LOADED)
    if state is None:
        # No cookie, or its record expired, was deleted or is unusable: a new id.
        state = SessionState(new_session_id(), {}, is_new=True)
    return state


def needs_flush(context: RequestContext) -> bool:
    """Whether finishing this request has to write to the backend or send cookies."""
    session = context.session
    pending_session = session is not None and session._state.needs_flush
    return pending_session or bool(context.set_cookies)


async def flush_session(context: RequestContext) -> None:
    """Write the session back and queue its cookie; a no-op if it was never loaded.

    A destroyed session is deleted and its cookie cleared (``Max-Age=0``); a dirty or new
    one is saved (the seed saves new, empty sessions too) and its cookie sent with
    ``Max-Age=<max_age>``; a clean, existing one writes nothing and sends no cookie.
    Raises ``SessionError`` (``session save failed: ...`` / ``session delete failed:
    ...``) when the binding fails.
    """
    # The seed keeps its config in a thread-local and clears it at the end of the save
    # path only, so after a destroy it leaks into the thread's next request; here the
    # config belongs to this request's context and goes away with it.
    session, config = context.session, context.config
    if session is None or config is None:
        return
    state = session._state
    if state.flushed:
        return
    # Taken, as the seed takes its thread-local: the handle refuses changes from now on.
    state.flushed = True
    if state.destroyed:
        for session_id in dict.fromkeys(filter(None, (state.id, state.previous_id))):
            try:
                await backends.delete(context.env, config, session_id)
            except Exception as exc:
                raise SessionError(c.DELETE_FAILED.format(error=exc)) from exc
        context.set_cookies.append(c.CLEAR_COOKIE.format(name=config.cookie))
        return
    # The seed's comment says "only write if there's data"; its code (followed here) also
    # writes a new, empty session, so the client gets a cookie for it.
    if state.dirty or state.is_new:
        try:
            await backends.save(context.env, config, state.id, state.data)
        except Exception as exc:
            raise SessionError(c.SAVE_FAILED.format(error=exc)) from exc
        if state.previous_id is not None:
            # After the save, so a failure here never loses the session.
            try:
                await backends.delete(context.env, config, state.previous_id)
            except Exception as exc:
                raise SessionError(c.DELETE_FAILED.format(error=exc)) from exc
        context.set_cookies.append(
            c.SET_COOKIE.format(name=config.cookie, value=state.id, max_age=config.max_age_secs)
        )
