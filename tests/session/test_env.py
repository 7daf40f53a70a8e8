"""``env`` is any object giving item or attribute access to bindings; items come first, so
a plain dict may bind names that are also dict methods (``items``, ``get``, ``keys``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web

from emulator import cf
from emulator.session import CfArgumentError, CfError, SessionBackend, SessionConfig
from emulator.session.backend import LoadedRecord, SessionWrite, decode_record
from emulator.session.context import lookup_binding
from tests.session.conftest import ClientFactory
from tests.session.helpers import TABLE, Backend, cookie_header, session_id_of


@pytest.mark.parametrize("name", ["items", "get", "keys", "values", "pop"])
async def test_a_dict_env_may_bind_names_of_dict_methods(
    make_client: ClientFactory, backend: Backend, name: str
) -> None:
    config = SessionConfig.kv(name) if backend.kind == "kv" else SessionConfig.d1(name, TABLE)

    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        count = session.get("n", 0) + 1
        session["n"] = count
        binding = cf.kv(name) if backend.kind == "kv" else cf.d1(name)
        return web.json_response({"n": count, "same": binding is backend.binding})

    client = await make_client(handler, env={name: backend.binding}, config=config)
    first = await client.get("/")
    assert await first.json() == {"n": 1, "same": True}
    again = await client.get("/", headers=cookie_header(session_id_of(first)))
    assert await again.json() == {"n": 2, "same": True}


def test_a_dict_env_without_the_binding_names_it_instead_of_returning_a_method() -> None:
    with pytest.raises(CfError) as caught:
        lookup_binding({}, "items")
    assert str(caught.value) == "no binding named 'items' in env"


def test_an_object_env_is_read_by_attribute() -> None:
    binding = object()
    assert lookup_binding(SimpleNamespace(SESSIONS=binding), "SESSIONS") is binding
    with pytest.raises(CfError) as caught:
        lookup_binding(SimpleNamespace(), "SESSIONS")
    assert str(caught.value) == "no binding named 'SESSIONS' in env"


def test_an_env_with_items_and_attributes_is_read_by_item_first() -> None:
    class Both:
        def __init__(self) -> None:
            self.DB = "attribute"
            self.KV = "attribute only"

        def __getitem__(self, name: str) -> Any:
            if name == "DB":
                return "item"
            raise KeyError(name)

    assert lookup_binding(Both(), "DB") == "item"
    assert lookup_binding(Both(), "KV") == "attribute only"  # falls back to attributes


@dataclass(frozen=True)
class DictBackend(SessionBackend):
    """A backend of your own: records in a dict bound in env, as AbstractStorage allows."""

    binding: str

    def check_max_age(self, secs: int) -> None:
        """Any max age works."""

    def check_conflict_detection(self) -> None:
        """Not offered."""
        raise CfArgumentError("no conflict detection here")

    async def load(self, env: Any, session_id: str) -> LoadedRecord | None:
        return decode_record(env[self.binding].get(session_id))

    async def save(self, env: Any, write: SessionWrite) -> bool:
        records = env[self.binding]
        if write.source_id is not None and records.pop(write.source_id, None) is None:
            return False
        records[write.session_id] = write.text
        return True

    async def delete(self, env: Any, session_id: str) -> None:
        env[self.binding].pop(session_id, None)


async def test_a_backend_of_your_own_runs_the_same_flow(make_client: ClientFactory) -> None:
    records: dict[str, str] = {}
    config = SessionConfig(DictBackend("RECORDS"))

    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        session["n"] = session.get("n", 0) + 1
        if "login" in request.query:
            session.regenerate()
        return web.json_response(session["n"])

    client = await make_client(handler, env={"RECORDS": records}, config=config)
    first_id = session_id_of(await client.get("/"))
    assert records == {first_id: '{"n":1}'}
    moved = await client.get("/?login", headers=cookie_header(first_id))
    assert records == {session_id_of(moved): '{"n":2}'}
    with pytest.raises(CfArgumentError):
        config.detect_conflicts()
