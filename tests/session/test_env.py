"""``env`` is any object giving item or attribute access to bindings; items come first, so
a plain dict may bind names that are also dict methods (``items``, ``get``, ``keys``).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web

from emulator import cf
from emulator.session import CfError, SessionConfig
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
