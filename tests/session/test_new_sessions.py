"""Not persisting new sessions until something is set (``save_new_empty(False)``), and
``get_session(request)`` / ``new_session(request)`` with aiohttp-session's meaning.
"""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from emulator import cf
from emulator.session import CfArgumentError, CfError, SessionConfig, get_session, new_session
from tests.session.conftest import ClientFactory
from tests.session.helpers import (
    Backend,
    RecordingEnv,
    cookie_header,
    session_id_of,
    set_cookies,
)


async def record_count(backend: Backend) -> int:
    if backend.kind == "kv":
        return len((await backend.binding.list(prefix="session:")).keys)
    row = await backend.binding.prepare("SELECT count(*) AS n FROM sessions").first()
    return int(row["n"])


async def visit(request: web.Request) -> web.Response:
    session = await cf.session()
    if "user" in request.query:
        session["user"] = request.query["user"]
    return web.json_response({"user": session.get("user"), "new": session.is_new()})


# -- save_new_empty -------------------------------------------------------------------------------


async def test_by_default_a_visitor_who_stores_nothing_gets_a_record_as_in_the_seed(
    make_client: ClientFactory, backend: Backend
) -> None:
    response = await (await make_client(visit)).get("/")
    assert await backend.stored_json(session_id_of(response)) == {}
    assert await record_count(backend) == 1


async def test_without_saving_new_empty_sessions_a_visitor_who_stores_nothing_costs_nothing(
    make_client: ClientFactory, backend: Backend, recording_env: RecordingEnv
) -> None:
    config = backend.config.save_new_empty(False)
    client = await make_client(visit, config=config, env=recording_env)
    for _ in range(3):
        response = await client.get("/")
        assert await response.json() == {"user": None, "new": True}
        assert set_cookies(response) == []
    writes = [name for name, _ in recording_env.recorder.calls if name in ("put", "run")]
    assert writes == []
    assert await record_count(backend) == 0

    stored = await client.get("/?user=ada")
    session_id = session_id_of(stored)
    assert set_cookies(stored) == [
        f"__session={session_id}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=86400"
    ]
    assert await backend.stored_json(session_id) == {"user": "ada"}
    again = await client.get("/", headers=cookie_header(session_id))
    assert await again.json() == {"user": "ada", "new": False}


def test_save_new_empty_is_on_by_default_and_takes_only_a_bool() -> None:
    assert SessionConfig.kv("SESSIONS").saves_new_empty is True
    assert SessionConfig.kv("SESSIONS").save_new_empty(False).saves_new_empty is False
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.kv("SESSIONS").save_new_empty(0)  # type: ignore[arg-type]
    assert str(caught.value) == "save_new_empty() takes True or False, got 0"


# -- get_session / new_session ------------------------------------------------------------------


async def test_get_session_is_the_session_cf_session_returns(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def handler(request: web.Request) -> web.Response:
        session = await get_session(request)
        session["user"] = "ada"
        return web.json_response({"same": session is await cf.session()})

    response = await (await make_client(handler)).get("/")
    assert await response.json() == {"same": True}
    assert await backend.stored_json(session_id_of(response)) == {"user": "ada"}


async def test_new_session_gives_a_fresh_id_empty_data_and_deletes_the_old_record(
    make_client: ClientFactory, backend: Backend
) -> None:
    old_id = session_id_of(await (await make_client(visit)).get("/?user=mallory"))

    async def login(request: web.Request) -> web.Response:
        before = await get_session(request)
        session = await new_session(request)
        fresh = {
            "empty": session.is_empty(),
            "new": session.is_new(),
            "same_handle": session is before is await cf.session(),
        }
        session["user"] = "ada"
        return web.json_response(fresh)

    response = await (await make_client(login)).get("/", headers=cookie_header(old_id))
    assert await response.json() == {"empty": True, "new": True, "same_handle": True}
    new_id = session_id_of(response)
    assert new_id != old_id
    assert await backend.stored(old_id) is None
    assert await backend.stored_json(new_id) == {"user": "ada"}


async def test_new_session_with_nothing_set_and_no_new_empty_saves_clears_the_cookie(
    make_client: ClientFactory, backend: Backend
) -> None:
    old_id = session_id_of(await (await make_client(visit)).get("/?user=ada"))

    async def reset(request: web.Request) -> web.Response:
        await new_session(request)
        return web.Response()

    config = backend.config.save_new_empty(False)
    response = await (await make_client(reset, config=config)).get(
        "/", headers=cookie_header(old_id)
    )
    assert set_cookies(response) == [
        "__session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"
    ]
    assert await backend.stored(old_id) is None
    assert await record_count(backend) == 0


@pytest.mark.parametrize("function", [get_session, new_session])
async def test_get_and_new_session_need_the_session_middleware(function: object) -> None:
    request = make_mocked_request("GET", "/")
    with pytest.raises(CfError) as caught:
        await function(request)  # type: ignore[operator]
    name = function.__name__  # type: ignore[attr-defined]
    assert str(caught.value) == (
        f"{name}() needs a request handled by the session middleware — install "
        "Handler(env).session(config) on your aiohttp application"
    )
