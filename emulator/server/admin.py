"""The emulator's own routes under ``/__emulator/``, for tests in other processes.

==========================  =====================================================
``GET  /__emulator/health``   ``{"ok": true}``: readiness probe
``POST /__emulator/reset``    empty every KV namespace and D1 database (they stay)
``GET  /__emulator/clock``    ``{"now", "iso", "offset", "frozen"}``
``POST /__emulator/clock``    JSON with any of ``"real": true`` (back to wall time),
                              ``"move_to"`` (epoch seconds or ISO-8601; naive is UTC),
                              ``"shift"`` (seconds), ``"freeze"`` (bool), applied in
                              that order
``GET  /__emulator/state``    every namespace's keys and every database's tables, as
                              JSON (``?limit=N`` rows per table/keys per namespace)
==========================  =====================================================

Answers use the Cloudflare envelope too, so one client handles both kinds of routes. With
``--api-token`` these routes need the token like the API does.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from emulator.clock import Clock, FreezableClock, MovableClock, to_epoch_seconds
from emulator.d1.authorizer import is_user_table
from emulator.server import constants as c
from emulator.server.d1_api import database_json
from emulator.server.envelope import ApiResponse, jsonable, ok
from emulator.server.errors import ApiError
from emulator.server.routing import Call, Router

__all__ = ["clock_state", "register"]

ADMIN = c.ADMIN_PREFIX.strip("/")
_DEFAULT_DUMP_LIMIT = 1000


def register(router: Router) -> None:
    """Add the admin routes to ``router``."""
    router.add("GET", ADMIN + "/health", health)
    router.add("POST", ADMIN + "/reset", reset)
    router.add("GET", ADMIN + "/clock", get_clock)
    router.add("POST", ADMIN + "/clock", move_clock)
    router.add("GET", ADMIN + "/state", state)


def clock_state(clock: Clock) -> dict[str, Any]:
    """What ``GET /__emulator/clock`` shows (``offset`` and ``frozen`` are ``None`` for a
    clock that does not follow wall time)."""
    now = clock.now()
    freezable = clock if isinstance(clock, FreezableClock) else None
    return {
        "now": now,
        "iso": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
        "offset": None if freezable is None else freezable.offset,
        "frozen": None if freezable is None else freezable.frozen,
        "clock": type(clock).__name__,
    }


async def health(call: Call) -> ApiResponse:
    """Answer a readiness probe."""
    return ok({"ok": True})


async def reset(call: Call) -> ApiResponse:
    """Empty every namespace and database in place."""
    call.emulator.reset()
    return ok({"reset": True})


async def get_clock(call: Call) -> ApiResponse:
    """Show the emulator clock."""
    return ok(clock_state(call.emulator.clock))


def _instant(value: Any) -> float:
    # JSON gives numbers and strings; anything else (or text that is not ISO 8601) is a 400.
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return to_epoch_seconds(value)
        except ValueError:
            pass
    raise ApiError(400, c.CODE_ADMIN, f"move_to must be epoch seconds or ISO-8601, not {value!r}")


def _freezable(clock: MovableClock, request: str) -> FreezableClock:
    if not isinstance(clock, FreezableClock):
        raise ApiError(
            400, c.CODE_ADMIN, c.MSG_CLOCK_NOT_FREEZABLE.format(type(clock).__name__, request)
        )
    return clock


async def move_clock(call: Call) -> ApiResponse:
    """Move, freeze or release the emulator clock; answers with its new state."""
    body = call.json_body(code=c.CODE_ADMIN)
    known = {"real", "move_to", "shift", "freeze"}
    if not isinstance(body, dict) or not body or not set(body) <= known:
        raise ApiError(400, c.CODE_ADMIN, f"send a JSON object with some of {sorted(known)}")
    clock = call.emulator.clock
    if not isinstance(clock, MovableClock):
        raise ApiError(400, c.CODE_ADMIN, c.MSG_CLOCK_FIXED)
    shift = body.get("shift")
    if shift is not None and (isinstance(shift, bool) or not isinstance(shift, int | float)):
        raise ApiError(400, c.CODE_ADMIN, f"shift must be a number of seconds, not {shift!r}")
    freeze = body.get("freeze")
    if freeze is not None and not isinstance(freeze, bool):
        raise ApiError(400, c.CODE_ADMIN, f"freeze must be true or false, not {freeze!r}")
    target = None if body.get("move_to") is None else _instant(body["move_to"])
    real = body.get("real") is True
    # Refuse what this clock cannot do before changing anything.
    freezable = None
    if real or freeze is not None:
        freezable = _freezable(clock, "real" if real else "freeze")
    if real and freezable is not None:
        freezable.reset()
    if target is not None:
        clock.move_to(target)
    if shift is not None:
        clock.shift(float(shift))
    if freeze is not None and freezable is not None:
        if freeze:
            freezable.freeze()
        else:
            freezable.unfreeze()
    return ok(clock_state(clock))


def _kv_dump(call: Call, namespace_id: str, limit: int) -> list[dict[str, Any]]:
    kv = call.emulator.kv_namespace(namespace_id)
    keys: list[dict[str, Any]] = []
    for name, entry in kv.snapshot().items():
        if len(keys) >= limit:
            break
        shown: dict[str, Any] = {"name": name}
        try:
            shown["value"] = entry.value.decode("utf-8")
        except UnicodeDecodeError:
            shown["value_base64"] = base64.b64encode(entry.value).decode("ascii")
        shown["metadata"] = entry.metadata
        shown["expiration"] = entry.expiration
        keys.append(shown)
    return keys


def _d1_dump(call: Call, database_id: str, limit: int) -> dict[str, Any]:
    conn = call.emulator.d1_database(database_id).sqlite_utils
    tables: dict[str, Any] = {}
    for name in conn.table_names():
        if not is_user_table(name):
            continue
        table = conn.table(name)
        tables[name] = {
            "columns": [column.name for column in table.columns],
            "count": table.count,
            "rows": jsonable([list(row.values()) for row in table.rows_where(limit=limit)]),
        }
    return tables


async def state(call: Call) -> ApiResponse:
    """Dump every namespace's keys and every database's tables, for inspection."""
    limit = call.query_int("limit", _DEFAULT_DUMP_LIMIT)
    if limit < 1:
        raise ApiError(400, c.CODE_ADMIN, c.MSG_INVALID_QUERY.format("limit", limit))
    emu = call.emulator
    kv = [
        {
            "id": r.id,
            "title": r.title,
            "bindings": emu.bindings_of("kv", r.id),
            "keys": _kv_dump(call, r.id, limit),
        }
        for r in emu.resources("kv")
    ]
    d1 = [
        {
            **database_json(r),
            "bindings": emu.bindings_of("d1", r.id),
            "tables": _d1_dump(call, r.id, limit),
        }
        for r in emu.resources("d1")
    ]
    return ok({"clock": clock_state(emu.clock), "kv": kv, "d1": d1})
