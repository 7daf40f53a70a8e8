"""Values that could not be read back are refused at ``set()``, the same on both backends:
deep nesting (the seed's serde_json stops at 128 levels per record; Python's recursion
limit near 1000) and lone surrogates (UTF-8 cannot encode them; ``await request.json()``
produces them from ``"\\ud800"``). Nothing unreadable is ever stored.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from emulator import cf
from emulator.session import Session, SessionError
from emulator.session.state import SessionState
from tests.session.conftest import ClientFactory
from tests.session.helpers import Backend, cookie_header, session_id_of

EXISTING = "3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b"


def nested(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = [value]
    return value


def fresh() -> Session:
    return Session(SessionState(EXISTING, {}, is_new=True))


async def store_body(request: web.Request) -> web.Response:
    """Store the request's JSON body under "v"; answer 400 with the refusal."""
    session = await cf.session()
    body = await request.json()
    try:
        session.set(body["key"], body["value"])
    except SessionError as error:
        return web.Response(status=400, text=str(error))
    return web.json_response({"stored": True})


async def read_back(request: web.Request) -> web.Response:
    session = await cf.session()
    return web.json_response({key: session.get(key) for key in session})


@pytest.mark.parametrize("levels", [127, 600, 100_000])
def test_set_refuses_values_nested_more_than_126_levels(levels: int) -> None:
    session = fresh()
    with pytest.raises(SessionError) as caught:
        session.set("deep", nested(levels))
    assert str(caught.value) == (
        "session value 'deep' is nested more than 126 levels deep: it could not be read back"
    )
    assert "deep" not in session


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "name",
            "\ud800",
            "session value 'name' holds a lone surrogate (U+D800), which UTF-8 cannot "
            "encode: decode the text that produced it with errors='replace' or refuse it",
        ),
        (
            "name",
            {"nested": ["ok", "x\udfff"]},
            "session value 'name' holds a lone surrogate (U+DFFF), which UTF-8 cannot "
            "encode: decode the text that produced it with errors='replace' or refuse it",
        ),
        (
            "name",
            {"\udc80": 1},
            "session value 'name' holds a lone surrogate (U+DC80), which UTF-8 cannot "
            "encode: decode the text that produced it with errors='replace' or refuse it",
        ),
        (
            "k\ud800",
            1,
            "session key 'k\\ud800' holds a lone surrogate (U+D800), which UTF-8 cannot "
            "encode: decode the text that produced it with errors='replace' or refuse it",
        ),
    ],
)
def test_set_refuses_lone_surrogates_in_values_and_keys(key: str, value: Any, message: str) -> None:
    session = fresh()
    with pytest.raises(SessionError) as caught:
        session.set(key, value)
    assert str(caught.value) == message
    assert len(session) == 0


def test_a_surrogate_pair_is_one_character_and_is_accepted() -> None:
    session = fresh()
    session.set("emoji", "\U0001f600")
    assert session.get("emoji") == "😀"


async def test_126_levels_round_trip_through_the_backend_and_127_are_refused(
    make_client: ClientFactory, backend: Backend
) -> None:
    client = await make_client(store_body)
    stored = await client.post("/", json={"key": "deep", "value": nested(126)})
    assert await stored.json() == {"stored": True}
    session_id = session_id_of(stored)
    reader = await make_client(read_back)
    back = await reader.get("/", headers=cookie_header(session_id))
    assert await back.json() == {"deep": nested(126)}

    refused = await client.post(
        "/", json={"key": "deep", "value": nested(127)}, headers=cookie_header(session_id)
    )
    assert (refused.status, await refused.text()) == (
        400,
        "session value 'deep' is nested more than 126 levels deep: it could not be read back",
    )
    assert await backend.stored_json(session_id) == {"deep": nested(126)}


async def test_a_value_nested_600_levels_is_refused_and_later_requests_still_read(
    make_client: ClientFactory, backend: Backend
) -> None:
    client = await make_client(store_body)
    first = await client.post("/", json={"key": "user", "value": "ada"})
    session_id = session_id_of(first)
    body = '{"key": "deep", "value": ' + "[" * 600 + "]" * 600 + "}"
    refused = await client.post(
        "/", data=body, headers={**cookie_header(session_id), "Content-Type": "application/json"}
    )
    assert refused.status == 400
    back = await (await make_client(read_back)).get("/", headers=cookie_header(session_id))
    assert (back.status, await back.json()) == (200, {"user": "ada"})


async def test_a_lone_surrogate_from_request_json_is_refused_on_both_backends(
    make_client: ClientFactory, backend: Backend
) -> None:
    client = await make_client(store_body)
    first = await client.post("/", json={"key": "user", "value": "ada"})
    session_id = session_id_of(first)
    refused = await client.post(
        "/",
        data='{"key": "user", "value": "\\ud800"}',
        headers={**cookie_header(session_id), "Content-Type": "application/json"},
    )
    assert (refused.status, await refused.text()) == (
        400,
        "session value 'user' holds a lone surrogate (U+D800), which UTF-8 cannot encode: "
        "decode the text that produced it with errors='replace' or refuse it",
    )
    assert await backend.stored_json(session_id) == {"user": "ada"}


async def test_a_stored_record_nested_too_deep_starts_a_new_session(
    make_client: ClientFactory, backend: Backend
) -> None:
    await backend.write_raw(EXISTING, json.dumps({"deep": nested(127)}))
    response = await (await make_client(read_back)).get("/", headers=cookie_header(EXISTING))
    assert (response.status, await response.json()) == (200, {})
    assert session_id_of(response) != EXISTING
