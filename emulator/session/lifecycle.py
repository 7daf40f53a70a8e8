"""The seed's ``session()`` and ``flush_session()``: load once per request, flush at the end.

``load_session`` reads the cookie, and the backend when the cookie holds an id this port
could have issued; ``flush_session`` deletes, or saves and queues the cookie, in the cases
the seed's code does, with the options ``SessionConfig`` adds.
"""

from __future__ import annotations

import asyncio

from emulator.session import constants as c
from emulator.session.backend import SessionWrite
from emulator.session.config import SessionConfig
from emulator.session.context import RequestContext
from emulator.session.errors import SessionConflictError, SessionError
from emulator.session.state import Session, SessionState, new_session_id
from emulator.session.values import encode_record

__all__ = ["flush_session", "load_session", "needs_flush", "needs_headers"]


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
    for session_id in _usable_ids(context, config.session_cookie.name)[
        : c.MAX_SESSION_COOKIES_TRIED
    ]:
        try:
            record = await config.backend.load(context.env, session_id)
        except Exception as exc:
            raise SessionError(c.LOAD_FAILED.format(error=exc)) from exc
        if record is not None:
            state = SessionState.from_record(session_id, record)
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
    session, config = context.session, context.config
    if context.set_cookies:
        return True
    if session is None or config is None or session._state.flushed:
        return False
    return session._state.needs_flush(config.saves_new_empty)


def needs_headers(context: RequestContext) -> bool:
    """Whether finishing this request has something only response headers can carry.

    A new id (new session with data, ``regenerate``, ``new_session``), a cleared cookie
    (``destroy``) or ``cf.set_cookie`` lines do; saving an existing session under its own
    id does not (its cookie is re-sent only to refresh ``Max-Age``), nor does a new
    session nothing was stored in.
    """
    if context.set_cookies:
        return True
    session, config = context.session, context.config
    if session is None or config is None:
        return False
    state = session._state
    if state.flushed or state.destroyed or state.discard_id is not None:
        return not state.flushed
    if state.is_new:
        return state.dirty or bool(state.data)
    return state.dirty and state.id != state.source_id


async def flush_session(context: RequestContext, *, headers_sent: bool = False) -> None:
    """Write the session back and queue its cookie; a no-op if it was never loaded.

    A destroyed session is deleted and its cookie cleared (``Max-Age=0``); a dirty or new
    one is saved (the seed saves new, empty sessions too, unless ``save_new_empty(False)``)
    and its cookie sent with ``Max-Age=<max_age>``; a clean, existing one writes nothing
    and sends no cookie. A loaded session whose record another request deleted or moved
    meanwhile is not brought back: nothing is written and no cookie sent (with
    ``detect_conflicts()``, ``SessionConflictError``, also when the record changed).
    With ``headers_sent`` (a bare middleware after a streamed response), a new session
    is not saved, since its cookie could not reach the client. Raises ``SessionError``
    (``session save failed: ...`` / ``session delete failed: ...``) when the binding fails.
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
    cookie = config.session_cookie
    if state.destroyed:
        for session_id in dict.fromkeys(
            filter(None, (state.id, state.source_id, state.discard_id))
        ):
            await _delete(context, config, session_id)
        context.set_cookies.append(cookie.clear_header())
        return
    # The seed's comment says "only write if there's data"; its code (followed here unless
    # save_new_empty(False)) also writes a new, empty session, so the client gets a cookie.
    save = state.needs_save(config.saves_new_empty) and not (headers_sent and state.is_new)
    if save:
        write = SessionWrite(
            state.id,
            encode_record(state.data),
            config.max_age_secs,
            state.source_id,
            None if state.loaded is None else state.loaded.text,
            config.detects_conflicts,
        )
        try:
            saved = await config.backend.save(context.env, write)
        except Exception as exc:
            raise SessionError(c.SAVE_FAILED.format(error=exc)) from exc
        if not saved:
            if config.detects_conflicts:
                raise SessionConflictError(c.CONFLICT)
            # Ended or moved by another request: no cookie either, so the browser keeps
            # what that request sent it (the cleared cookie, or the regenerated id).
            return
        context.set_cookies.append(cookie.set_header(state.id, config.max_age_secs))
    if state.discard_id is not None:
        # After the save, so a failure here never loses the new session.
        await _delete(context, config, state.discard_id)
        if not save:  # new_session() with nothing set: the old cookie is worthless now
            context.set_cookies.append(cookie.clear_header())


async def _delete(context: RequestContext, config: SessionConfig, session_id: str) -> None:
    try:
        await config.backend.delete(context.env, session_id)
    except Exception as exc:
        raise SessionError(c.DELETE_FAILED.format(error=exc)) from exc
