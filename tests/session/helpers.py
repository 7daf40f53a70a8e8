"""Helpers for the session tests: backend access, call recording, cookie parsing."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.cookies import Morsel, SimpleCookie
from typing import Any

from aiohttp import ClientResponse

from emulator import Emulator, ManualClock
from emulator.session import SessionConfig

START = 1_800_000_000
TABLE = "sessions"
# The ids the port issues: version 4 UUIDs, lower case, as crypto.randomUUID() gives them.
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@dataclass
class Backend:
    """One session backend on a fresh emulator, with direct access to what it stores."""

    kind: str
    emulator: Emulator
    clock: ManualClock
    config: SessionConfig

    @property
    def binding(self) -> Any:
        return self.emulator.kv("SESSIONS") if self.kind == "kv" else self.emulator.d1("DB")

    async def stored(self, session_id: str) -> str | None:
        """The raw record of a session as the binding returns it, expired or not (D1)."""
        key = f"session:{session_id}"
        if self.kind == "kv":
            value: str | None = await self.binding.get(key)
            return value
        row = await self.binding.prepare(f"SELECT data FROM {TABLE} WHERE id = ?").bind(key).first()
        return None if row is None else str(row["data"])

    async def stored_json(self, session_id: str) -> Any:
        text = await self.stored(session_id)
        return None if text is None else json.loads(text)

    async def write_raw(self, session_id: str, text: str, ttl: int = 3600) -> None:
        """Store ``text`` as a session's record, bypassing the port."""
        key = f"session:{session_id}"
        if self.kind == "kv":
            await self.binding.put(key, text, expiration_ttl=ttl)
            return
        await (
            self.binding.prepare(
                f"INSERT OR REPLACE INTO {TABLE} (id, data, expires_at) "
                "VALUES (?, ?, unixepoch() + ?)"
            )
            .bind(key, text, ttl)
            .run()
        )


@dataclass
class Recorder:
    """Wrap a real binding and record every call made through it."""

    target: Any
    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.target, name)
        if name == "prepare":
            return lambda sql: _RecordingStatement(attribute(sql), sql, self.calls)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, (*args, *sorted(kwargs.items()))))
            return attribute(*args, **kwargs)

        return call

    @property
    def keys(self) -> list[str]:
        """Every storage key the port passed to the binding."""
        found: list[str] = []
        for name, args in self.calls:
            if name in ("get", "put", "delete"):
                found.append(args[0])
            elif name in ("first", "run") and args[1]:
                found.append(args[1][0])
        return found


class _RecordingStatement:
    def __init__(self, statement: Any, sql: str, calls: list[tuple[str, tuple[Any, ...]]]):
        self._statement, self._sql, self._calls, self._params = statement, sql, calls, ()

    def bind(self, *values: Any) -> _RecordingStatement:
        bound = _RecordingStatement(self._statement.bind(*values), self._sql, self._calls)
        bound._params = values
        return bound

    async def first(self) -> Any:
        self._calls.append(("first", (self._sql, self._params)))
        return await self._statement.first()

    async def run(self) -> Any:
        self._calls.append(("run", (self._sql, self._params)))
        return await self._statement.run()


@dataclass
class RecordingEnv:
    """An env whose session binding records the calls the port makes."""

    recorder: Recorder
    name: str

    def __getattr__(self, name: str) -> Any:
        if name == self.name:
            return self.recorder
        raise AttributeError(name)


def set_cookies(response: ClientResponse) -> list[str]:
    """The raw ``Set-Cookie`` lines of a response, in order."""
    return response.headers.getall("Set-Cookie", [])


def parsed_cookie(response: ClientResponse, name: str = "__session") -> Morsel[str] | None:
    """The last ``Set-Cookie`` for ``name``, parsed with its attributes."""
    found = None
    for line in set_cookies(response):
        jar: SimpleCookie = SimpleCookie()
        jar.load(line)
        if name in jar:
            found = jar[name]
    return found


def session_id_of(response: ClientResponse, name: str = "__session") -> str:
    morsel = parsed_cookie(response, name)
    assert morsel is not None, f"no {name} cookie in {set_cookies(response)}"
    return morsel.value


def cookie_header(session_id: str, name: str = "__session") -> dict[str, str]:
    return {"Cookie": f"{name}={session_id}"}


Hook = Callable[[str], Awaitable[None]]


@dataclass
class ControlledBinding:
    """Wrap a real binding; await ``hook(operation)`` before each session call reaches it.

    ``operation`` is ``"load"`` (KV ``get``, D1 ``SELECT``), ``"save"`` (KV ``put``, D1
    ``INSERT``/``UPDATE``) or ``"delete"``; after a load returns, the hook is awaited once
    more with ``"loaded"``. A hook that waits on an ``asyncio.Event`` holds that request
    there, so a test decides the interleaving of concurrent requests; a hook that raises
    makes the backend fail.
    """

    target: Any
    hook: Hook

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.target, name)
        if name == "prepare":
            return lambda sql: _ControlledStatement(attribute(sql), _operation(sql), self.hook)
        operation = {"get": "load", "put": "save", "delete": "delete"}.get(name)
        if operation is None:
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            await self.hook(operation)
            result = await attribute(*args, **kwargs)
            if operation == "load":
                await self.hook("loaded")
            return result

        return call


def _operation(sql: str) -> str:
    verb = sql.split(None, 1)[0].upper()
    return {"SELECT": "load", "INSERT": "save", "UPDATE": "save"}.get(verb, "delete")


class _ControlledStatement:
    def __init__(self, statement: Any, operation: str, hook: Hook) -> None:
        self._statement, self._operation, self._hook = statement, operation, hook

    def bind(self, *values: Any) -> _ControlledStatement:
        return _ControlledStatement(self._statement.bind(*values), self._operation, self._hook)

    async def first(self) -> Any:
        await self._hook(self._operation)
        result = await self._statement.first()
        if self._operation == "load":
            await self._hook("loaded")
        return result

    async def run(self) -> Any:
        await self._hook(self._operation)
        return await self._statement.run()


def controlled_env(backend: Backend, hook: Hook) -> dict[str, Any]:
    """A plain dict env whose session binding is ``backend``'s, behind ``hook``."""
    name = "SESSIONS" if backend.kind == "kv" else "DB"
    return {name: ControlledBinding(backend.binding, hook)}


async def no_hook(operation: str) -> None:
    """A hook that lets every call through."""
