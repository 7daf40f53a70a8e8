"""The seed's flow, point by point, through a real aiohttp app on KV and on D1."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.typedefs import Handler as AiohttpHandler

from emulator import cf
from emulator.session import Handler, SessionConfig, SessionError
from tests.session.conftest import ClientFactory
from tests.session.helpers import (
    UUID4,
    Backend,
    RecordingEnv,
    cookie_header,
    parsed_cookie,
    session_id_of,
    set_cookies,
)


async def new_session(make_client: ClientFactory, **values: Any) -> str:
    """Create a session holding ``values`` through the app; return its id."""

    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        for key, value in values.items():
            session.set(key, value)
        return web.Response(text="ok")

    client = await make_client(handler)
    return session_id_of(await client.get("/"))


async def describe(request: web.Request) -> web.Response:
    session = await cf.session()
    return web.json_response(
        {"user": session.get("user"), "new": session.is_new(), "empty": session.is_empty()}
    )


@web.middleware
async def report_errors(request: web.Request, handler: AiohttpHandler) -> web.StreamResponse:
    """An outer middleware that shows a failed flush's exact text."""
    try:
        return await handler(request)
    except SessionError as error:
        return web.Response(status=500, text=str(error))


# -- loading ------------------------------------------------------------------------------------


async def test_session_loads_once_per_request_and_is_cached_after(
    make_client: ClientFactory, recording_env: RecordingEnv
) -> None:
    session_id = await new_session(make_client, user="ada")

    async def handler(request: web.Request) -> web.Response:
        first = await cf.session()
        second = await cf.session()
        return web.json_response({"same": first is second, "user": second.get("user")})

    client = await make_client(handler, env=recording_env)
    response = await client.get("/", headers=cookie_header(session_id))
    assert await response.json() == {"same": True, "user": "ada"}
    reads = [name for name, _ in recording_env.recorder.calls if name in ("get", "first")]
    assert reads == [reads[0]]


async def test_session_without_config_raises_the_seeds_hint(make_client: ClientFactory) -> None:
    async def handler(request: web.Request) -> web.Response:
        try:
            await cf.session()
        except SessionError as error:
            return web.Response(text=str(error))
        return web.Response(text="loaded")

    client = await make_client(handler, with_session=False)
    text = await (await client.get("/")).text()
    assert text == (
        "cf.session() called but session middleware is not configured — "
        'add .session(SessionConfig.kv("SESSIONS")) to your Handler'
    )


async def test_a_cookie_with_a_stored_session_loads_it(make_client: ClientFactory) -> None:
    session_id = await new_session(make_client, user="ada")
    client = await make_client(describe)
    response = await client.get("/", headers=cookie_header(session_id))
    assert await response.json() == {"user": "ada", "new": False, "empty": False}


async def test_no_cookie_starts_a_new_empty_session(make_client: ClientFactory) -> None:
    client = await make_client(describe)
    response = await client.get("/")
    assert await response.json() == {"user": None, "new": True, "empty": True}
    assert UUID4.fullmatch(session_id_of(response))


async def test_an_empty_cookie_starts_a_new_session(make_client: ClientFactory) -> None:
    client = await make_client(describe)
    response = await client.get("/", headers={"Cookie": "__session="})
    assert (await response.json())["new"] is True
    assert session_id_of(response) != ""


async def test_get_returns_none_once_max_age_has_passed(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = await new_session(make_client, user="ada")
    client = await make_client(describe)
    backend.clock.shift(86399)
    assert (await (await client.get("/", headers=cookie_header(session_id))).json())[
        "user"
    ] == "ada"
    backend.clock.shift(1)
    response = await client.get("/", headers=cookie_header(session_id))
    assert await response.json() == {"user": None, "new": True, "empty": True}
    assert session_id_of(response) != session_id


async def test_a_cookie_whose_record_was_deleted_starts_a_new_session_with_a_new_id(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = await new_session(make_client, user="ada")
    if backend.kind == "kv":
        await backend.binding.delete(f"session:{session_id}")
    else:
        await backend.binding.prepare("DELETE FROM sessions").run()
    client = await make_client(describe)
    response = await client.get("/", headers=cookie_header(session_id))
    assert (await response.json())["new"] is True
    assert session_id_of(response) not in ("", session_id)


async def test_a_short_max_age_expires_at_its_own_boundary(
    make_client: ClientFactory, backend: Backend
) -> None:
    config = backend.config.max_age(60)
    session_id = await new_session_with(make_client, config)
    client = await make_client(describe, config=config)
    backend.clock.shift(59.999)
    assert (await (await client.get("/", headers=cookie_header(session_id))).json())["new"] is False
    backend.clock.shift(0.001)
    assert (await (await client.get("/", headers=cookie_header(session_id))).json())["new"] is True


async def new_session_with(make_client: ClientFactory, config: SessionConfig) -> str:
    async def handler(request: web.Request) -> web.Response:
        (await cf.session()).set("user", "ada")
        return web.Response()

    return session_id_of(await (await make_client(handler, config=config)).get("/"))


# -- flushing -----------------------------------------------------------------------------------


async def test_a_dirty_session_is_saved_and_sends_the_seeds_cookie_byte_exact(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = await new_session(make_client, user="ada")
    assert await backend.stored_json(session_id) == {"user": "ada"}

    async def handler(request: web.Request) -> web.Response:
        (await cf.session()).set("theme", "dark")
        return web.Response()

    client = await make_client(handler)
    response = await client.get("/", headers=cookie_header(session_id))
    assert set_cookies(response) == [
        f"__session={session_id}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=86400"
    ]
    assert await backend.stored_json(session_id) == {"user": "ada", "theme": "dark"}


async def test_session_cookie_attributes_parse_from_the_real_response(
    make_client: ClientFactory, backend: Backend
) -> None:
    config = backend.config.cookie_name("__Host-sid").max_age(3600)
    client = await make_client(describe, config=config)
    morsel = parsed_cookie(await client.get("/"), "__Host-sid")
    assert morsel is not None
    assert UUID4.fullmatch(morsel.value)
    assert morsel["httponly"] is True
    assert morsel["secure"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/"
    assert morsel["max-age"] == "3600"
    assert morsel["domain"] == ""
    assert morsel["expires"] == ""


async def test_a_new_empty_session_is_saved_as_the_seeds_code_does(
    make_client: ClientFactory, backend: Backend
) -> None:
    # The seed's comment says "only write if there's data", its code writes new sessions.
    async def handler(request: web.Request) -> web.Response:
        await cf.session()
        return web.Response()

    client = await make_client(handler)
    session_id = session_id_of(await client.get("/"))
    assert await backend.stored(session_id) == "{}"


async def test_a_clean_existing_session_writes_nothing_and_sends_no_cookie(
    make_client: ClientFactory, recording_env: RecordingEnv
) -> None:
    session_id = await new_session(make_client, user="ada")
    client = await make_client(describe, env=recording_env)
    response = await client.get("/", headers=cookie_header(session_id))
    assert (await response.json())["user"] == "ada"
    assert set_cookies(response) == []
    assert [name for name, _ in recording_env.recorder.calls] in (["get"], ["first"])


async def test_flush_is_a_no_op_when_the_session_was_never_loaded(
    make_client: ClientFactory, recording_env: RecordingEnv
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="no session here")

    client = await make_client(handler, env=recording_env)
    response = await client.get("/", headers=cookie_header("3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b"))
    assert await response.text() == "no session here"
    assert set_cookies(response) == []
    assert recording_env.recorder.calls == []


async def test_remove_of_a_missing_key_writes_nothing(
    make_client: ClientFactory, backend: Backend, recording_env: RecordingEnv
) -> None:
    session_id = await new_session(make_client, user="ada")

    async def handler(request: web.Request) -> web.Response:
        (await cf.session()).remove(request.query["key"])
        return web.Response()

    client = await make_client(handler, env=recording_env)
    missing = await client.get("/?key=nope", headers=cookie_header(session_id))
    assert set_cookies(missing) == []
    assert len(recording_env.recorder.calls) == 1  # the read only
    present = await client.get("/?key=user", headers=cookie_header(session_id))
    assert session_id_of(present) == session_id
    assert await backend.stored(session_id) == "{}"


async def test_destroy_deletes_the_record_and_clears_the_cookie(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = await new_session(make_client, user="ada")

    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        session.set("ignored", 1)  # destroy wins over changes, as in the seed
        session.destroy()
        return web.Response()

    client = await make_client(handler)
    response = await client.get("/", headers=cookie_header(session_id))
    assert set_cookies(response) == [
        "__session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"
    ]
    assert await backend.stored(session_id) is None


async def test_regenerate_moves_the_data_to_a_new_id_and_deletes_the_old_record(
    make_client: ClientFactory, backend: Backend
) -> None:
    old_id = await new_session(make_client, user="guest")

    async def login(request: web.Request) -> web.Response:
        session = await cf.session()
        session.regenerate()
        session.set("user", "ada")
        return web.Response()

    client = await make_client(login)
    new_id = session_id_of(await client.get("/", headers=cookie_header(old_id)))
    assert new_id != old_id
    assert await backend.stored(old_id) is None
    assert await backend.stored_json(new_id) == {"user": "ada"}
    reader = await make_client(describe)
    stale = await reader.get("/", headers=cookie_header(old_id))
    assert (await stale.json())["new"] is True


async def test_destroy_after_regenerate_deletes_both_records(
    make_client: ClientFactory, backend: Backend
) -> None:
    old_id = await new_session(make_client, user="ada")

    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        session.regenerate()
        session.destroy()
        return web.Response()

    response = await (await make_client(handler)).get("/", headers=cookie_header(old_id))
    assert parsed_cookie(response) is not None
    assert await backend.stored(old_id) is None


async def test_save_failures_surface_as_session_save_failed(
    make_client: ClientFactory, backend: Backend
) -> None:
    env = {"SESSIONS": backend.binding} if backend.kind == "kv" else {"DB": backend.binding}

    async def handler(request: web.Request) -> web.Response:
        (await cf.session()).set("user", "ada")
        env.clear()  # the binding disappears before the flush
        return web.Response()

    client = await make_client(handler, env=env, before=[report_errors])
    response = await client.get("/")
    name = "SESSIONS" if backend.kind == "kv" else "DB"
    assert response.status == 500
    assert await response.text() == f"session save failed: no binding named '{name}' in env"
    assert set_cookies(response) == []


async def test_a_binding_error_on_save_is_reported_with_its_text(
    make_client: ClientFactory, backend: Backend
) -> None:
    if backend.kind == "kv":
        config = backend.config
        big = "x" * (25 * 1024 * 1024)  # the record is 8 bytes longer: {"v":"..."}
        expected = (
            "session save failed: KV PUT failed: 413 Value length of 26214408 exceeds "
            "limit of 26214400."
        )
    else:
        config = SessionConfig.d1("DB", "missing_table")
        big = "x"
        expected = "session save failed: D1_ERROR: no such table: missing_table: SQLITE_ERROR"

    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        session.set("v", big)
        return web.Response()

    client = await make_client(handler, config=config, before=[report_errors])
    response = await client.get("/")
    assert (response.status, await response.text()) == (500, expected)


async def test_delete_failures_surface_as_session_delete_failed(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = await new_session(make_client, user="ada")
    env = {"SESSIONS": backend.binding} if backend.kind == "kv" else {"DB": backend.binding}

    async def handler(request: web.Request) -> web.Response:
        (await cf.session()).destroy()
        if backend.kind == "kv":
            env.clear()
        else:
            await backend.binding.prepare("DROP TABLE sessions").run()
        return web.Response()

    client = await make_client(handler, env=env, before=[report_errors])
    response = await client.get("/", headers=cookie_header(session_id))
    expected = (
        "session delete failed: no binding named 'SESSIONS' in env"
        if backend.kind == "kv"
        else "session delete failed: D1_ERROR: no such table: sessions: SQLITE_ERROR"
    )
    assert (response.status, await response.text()) == (500, expected)
    assert set_cookies(response) == []


async def test_load_failures_surface_as_session_load_failed(make_client: ClientFactory) -> None:
    async def handler(request: web.Request) -> web.Response:
        try:
            await cf.session()
        except SessionError as error:
            return web.Response(text=str(error))
        return web.Response(text="loaded")

    config = SessionConfig.d1("DB", "missing_table")
    client = await make_client(handler, config=config, env={})
    response = await client.get("/", headers=cookie_header("3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b"))
    assert await response.text() == "session load failed: no binding named 'DB' in env"


async def test_config_does_not_leak_into_the_next_request_after_destroy(
    make_client: ClientFactory, backend: Backend
) -> None:
    # The seed clears its thread-local config on the save path only, not after destroy.
    session_id = await new_session(make_client, user="ada")

    async def destroy(request: web.Request) -> web.Response:
        (await cf.session()).destroy()
        return web.Response()

    async def probe(request: web.Request) -> web.Response:
        try:
            await cf.session()
        except SessionError as error:
            return web.Response(text=str(error))
        return web.Response(text="configured")

    await (await make_client(destroy)).get("/", headers=cookie_header(session_id))
    text = await (await (await make_client(probe, with_session=False)).get("/")).text()
    assert text == (
        "cf.session() called but session middleware is not configured — "
        'add .session(SessionConfig.kv("SESSIONS")) to your Handler'
    )


@pytest.mark.parametrize("backend", ["kv"], indirect=True)
async def test_kv_records_live_under_the_session_prefix_with_ttl_max_age(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = await new_session(make_client, user="ada", n=1)
    listed = await backend.binding.list(prefix="session:")
    assert [(key.name, key.expiration) for key in listed.keys] == [
        (f"session:{session_id}", 1_800_000_000 + 86400)
    ]
    assert json.loads(await backend.binding.get(f"session:{session_id}")) == {"user": "ada", "n": 1}


@pytest.mark.parametrize("backend", ["d1"], indirect=True)
async def test_d1_rows_hold_the_prefixed_id_json_and_expiry(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = await new_session(make_client, user="ada")
    rows = (await backend.binding.prepare("SELECT * FROM sessions").all()).results
    assert rows == [
        {
            "id": f"session:{session_id}",
            "data": '{"user":"ada"}',
            "expires_at": 1_800_000_000 + 86400,
        }
    ]


async def write_then_update_then_destroy(request: web.Request) -> web.Response:
    session = await cf.session()
    if "destroy" in request.query:
        session.destroy()
    else:
        session.set("user", request.query.get("user", "ada"))
    return web.Response()


@pytest.mark.parametrize("backend", ["d1"], indirect=True)
async def test_d1_uses_the_seeds_statements_and_a_conditional_update(
    make_client: ClientFactory, backend: Backend, recording_env: RecordingEnv
) -> None:
    client = await make_client(write_then_update_then_destroy, env=recording_env)
    session_id = session_id_of(await client.get("/"))
    await client.get("/?user=bob", headers=cookie_header(session_id))
    await client.get("/?destroy", headers=cookie_header(session_id))
    key = f"session:{session_id}"
    select = "SELECT data FROM sessions WHERE id = ? AND expires_at > unixepoch()"
    assert recording_env.recorder.calls == [
        (
            "run",
            (
                "INSERT OR REPLACE INTO sessions (id, data, expires_at) "
                "VALUES (?, ?, unixepoch() + ?)",
                (key, '{"user":"ada"}', 86400),
            ),
        ),
        ("first", (select, (key,))),
        (
            "first",
            (
                "UPDATE sessions SET id = ?, data = ?, expires_at = unixepoch() + ? WHERE id = ? "
                "RETURNING id",
                (key, '{"user":"bob"}', 86400, key),
            ),
        ),
        ("first", (select, (key,))),
        ("run", ("DELETE FROM sessions WHERE id = ?", (key,))),
    ]


@pytest.mark.parametrize("backend", ["d1"], indirect=True)
async def test_d1_with_conflict_detection_the_update_also_checks_the_data_loaded(
    make_client: ClientFactory, backend: Backend, recording_env: RecordingEnv
) -> None:
    config = backend.config.detect_conflicts()
    client = await make_client(write_then_update_then_destroy, env=recording_env, config=config)
    session_id = session_id_of(await client.get("/"))
    await client.get("/?user=bob", headers=cookie_header(session_id))
    key = f"session:{session_id}"
    assert recording_env.recorder.calls[-1] == (
        "first",
        (
            "UPDATE sessions SET id = ?, data = ?, expires_at = unixepoch() + ? WHERE id = ? "
            "AND data = ? RETURNING id",
            (key, '{"user":"bob"}', 86400, key, '{"user":"ada"}'),
        ),
    )


@pytest.mark.parametrize("backend", ["kv"], indirect=True)
async def test_kv_uses_get_put_with_ttl_and_delete_and_re_reads_before_a_put(
    make_client: ClientFactory, backend: Backend, recording_env: RecordingEnv
) -> None:
    client = await make_client(write_then_update_then_destroy, env=recording_env)
    session_id = session_id_of(await client.get("/"))
    await client.get("/?user=bob", headers=cookie_header(session_id))
    await client.get("/?destroy", headers=cookie_header(session_id))
    key = f"session:{session_id}"
    assert recording_env.recorder.calls == [
        ("put", (key, '{"user":"ada"}', ("expiration_ttl", 86400))),
        ("get", (key,)),
        ("get", (key,)),  # the save's re-read: a record deleted meanwhile is not put back
        ("put", (key, '{"user":"bob"}', ("expiration_ttl", 86400))),
        ("get", (key,)),
        ("delete", (key,)),
    ]


async def test_a_saved_session_expires_max_age_after_its_last_save_not_its_last_read(
    make_client: ClientFactory, backend: Backend
) -> None:
    session_id = await new_session(make_client, user="ada")
    reader = await make_client(describe)
    backend.clock.shift(80000)
    await reader.get("/", headers=cookie_header(session_id))  # a clean read: no refresh
    backend.clock.shift(6400)
    response = await reader.get("/", headers=cookie_header(session_id))
    assert (await response.json())["new"] is True


async def test_handler_env_is_what_cf_env_and_bindings_return(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def handler(request: web.Request) -> web.Response:
        binding = cf.kv("SESSIONS") if backend.kind == "kv" else cf.d1("DB")
        return web.json_response(
            {"env": cf.env() is backend.emulator.env, "binding": binding is backend.binding}
        )

    client = await make_client(handler)
    assert await (await client.get("/")).json() == {"env": True, "binding": True}


def test_handler_session_returns_a_new_handler() -> None:
    env = object()
    plain = Handler(env)
    configured = plain.session(SessionConfig.kv("SESSIONS"))
    assert plain.config is None
    assert configured.config == SessionConfig.kv("SESSIONS")
    assert configured.env is env
    assert configured.middleware is configured.middleware
    assert configured.middleware is not plain.middleware
