"""Bad input never breaks a request and never reaches the backend as a key.

Garbage, oversized, non-ASCII, missing or duplicated cookies and session records that
stopped being JSON objects each give a working response (a new session where the data is
unusable). The binding is wrapped to record every key the port passes it.
"""

from __future__ import annotations

import uuid

import pytest
from aiohttp import web

from emulator import cf
from tests.session.conftest import ClientFactory
from tests.session.helpers import UUID4, Backend, RecordingEnv, cookie_header, session_id_of

VALID = "3f1d2c4b-5a6e-4f70-8a9b-0c1d2e3f4a5b"


async def describe(request: web.Request) -> web.Response:
    session = await cf.session()
    if "write" in request.query:
        session.set("user", "ada")
    return web.json_response({"new": session.is_new(), "user": session.get("user")})


def assert_only_valid_keys(recording_env: RecordingEnv) -> None:
    for key in recording_env.recorder.keys:
        assert key.startswith("session:")
        assert UUID4.fullmatch(key.removeprefix("session:")), key


@pytest.mark.parametrize(
    "cookie",
    [
        "__session=garbage",
        "__session=" + "a" * 8000,
        "__session=é€😀-ünïcødé",
        "__session=" + VALID.upper(),
        "__session=6ba7b810-9dad-11d1-80b4-00c04fd430c8",  # a version-1 UUID, not a v4
        "__session=" + VALID + " x",
        "__session=session:" + VALID,
        "__session=../../etc/passwd",
        "__session=' OR 1=1 --",
        "__session=" + VALID + "%00",
        '__session="' + VALID[:-1] + '"',
        "__session",
        "__session=;",
        "=;;;=",
        "",
    ],
)
async def test_a_malformed_session_cookie_means_no_session_and_never_reaches_the_backend(
    make_client: ClientFactory, recording_env: RecordingEnv, cookie: str
) -> None:
    client = await make_client(describe, env=recording_env)
    response = await client.get("/", headers={"Cookie": cookie})
    assert response.status == 200
    assert await response.json() == {"new": True, "user": None}
    assert UUID4.fullmatch(session_id_of(response))
    assert [name for name, _ in recording_env.recorder.calls] in (["put"], ["run"])
    assert_only_valid_keys(recording_env)


async def test_no_cookie_header_at_all_starts_a_new_session(
    make_client: ClientFactory, recording_env: RecordingEnv
) -> None:
    client = await make_client(describe, env=recording_env)
    response = await client.get("/")
    assert await response.json() == {"new": True, "user": None}
    assert_only_valid_keys(recording_env)


async def test_a_garbage_duplicate_does_not_hide_the_valid_cookie(
    make_client: ClientFactory, recording_env: RecordingEnv
) -> None:
    session_id = session_id_of(await (await make_client(describe)).get("/?write"))
    client = await make_client(describe, env=recording_env)
    for headers in (
        [("Cookie", f"__session=junk; __session={session_id}")],
        [("Cookie", "__session=junk"), ("Cookie", f"__session={session_id}")],
        [("Cookie", f"__session={session_id}"), ("Cookie", "__session=junk")],
    ):
        response = await client.get("/", headers=headers)
        assert await response.json() == {"new": False, "user": "ada"}
    assert_only_valid_keys(recording_env)


async def test_a_stale_first_duplicate_falls_back_to_the_second(
    make_client: ClientFactory, recording_env: RecordingEnv
) -> None:
    session_id = session_id_of(await (await make_client(describe)).get("/?write"))
    client = await make_client(describe, env=recording_env)
    response = await client.get(
        "/", headers={"Cookie": f"__session={VALID}; __session={session_id}"}
    )
    assert await response.json() == {"new": False, "user": "ada"}


async def test_a_request_stuffed_with_ids_costs_at_most_two_backend_reads(
    make_client: ClientFactory, recording_env: RecordingEnv
) -> None:
    stuffed = "; ".join(f"__session={uuid.uuid4()}" for _ in range(50))
    client = await make_client(describe, env=recording_env)
    response = await client.get("/", headers={"Cookie": stuffed})
    assert (await response.json())["new"] is True
    reads = [name for name, _ in recording_env.recorder.calls if name in ("get", "first")]
    assert len(reads) == 2


@pytest.mark.parametrize(
    "record",
    ["not json", "", "{", "[1, 2]", '"text"', "null", "123", "true", '{"a": 1} trailing', "NaN"],
)
async def test_a_record_that_is_not_a_json_object_starts_a_new_session(
    make_client: ClientFactory, backend: Backend, record: str
) -> None:
    await backend.write_raw(VALID, record)
    client = await make_client(describe)
    response = await client.get("/?write", headers=cookie_header(VALID))
    assert response.status == 200
    assert await response.json() == {"new": True, "user": "ada"}
    new_id = session_id_of(response)
    assert new_id != VALID
    assert await backend.stored_json(new_id) == {"user": "ada"}


@pytest.mark.parametrize("backend", ["d1"], indirect=True)
async def test_a_d1_row_whose_data_is_not_text_starts_a_new_session(
    make_client: ClientFactory, backend: Backend
) -> None:
    insert = "INSERT INTO sessions (id, data, expires_at) VALUES (?, ?, unixepoch() + 60)"
    await backend.binding.prepare(insert).bind(f"session:{VALID}", b"\x00\xff").run()
    client = await make_client(describe)
    response = await client.get("/", headers=cookie_header(VALID))
    assert await response.json() == {"new": True, "user": None}


async def test_unicode_values_round_trip_through_the_backend(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        if session.is_new():
            session.set("name", 'Zoë 😀 \u2028 "quoted" \\ end')
        return web.json_response({"name": session.get("name")})

    client = await make_client(handler)
    session_id = session_id_of(await client.get("/"))
    response = await client.get("/", headers=cookie_header(session_id))
    assert await response.json() == {"name": 'Zoë 😀 \u2028 "quoted" \\ end'}
    assert "Zoë 😀" in (await backend.stored(session_id) or "")
