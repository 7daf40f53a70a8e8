"""Per-request isolation: interleaved requests never see each other's session or cookies.

The seed keeps the session in thread-locals; on one asyncio thread, 200 interleaved
requests would share them. Every handler here reads, then waits until all 200 have read,
then writes: the worst interleaving, made deterministic by a barrier (no sleeping).
"""

from __future__ import annotations

import asyncio

from aiohttp import TCPConnector, web

from emulator import cf
from tests.session.conftest import ClientFactory
from tests.session.helpers import Backend, RecordingEnv, cookie_header, parsed_cookie, session_id_of

N = 200


async def test_200_interleaved_requests_never_see_each_others_session_or_cookies(
    make_client: ClientFactory, backend: Backend
) -> None:
    async def login(request: web.Request) -> web.Response:
        (await cf.session()).set("user", request.query["user"])
        return web.Response()

    creator = await make_client(login)
    ids = [session_id_of(await creator.get(f"/?user=u{i}")) for i in range(N)]
    assert len(set(ids)) == N

    barrier = asyncio.Barrier(N)

    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        user = session.get("user", type=str)
        who = cf.cookie("who")
        async with asyncio.timeout(30):
            await barrier.wait()  # every request has read before any writes
        session.set("seen", f"{user}/{who}")
        cf.set_cookie("echo", f"{user}.{cf.cookie('who')}", 60)
        return web.json_response({"user": user, "who": who, "again": session.get("user")})

    client = await make_client(handler, connector=TCPConnector(limit=0))

    async def visit(i: int) -> None:
        headers = {"Cookie": f"__session={ids[i]}; who=w{i}"}
        response = await client.get("/", headers=headers)
        assert await response.json() == {"user": f"u{i}", "who": f"w{i}", "again": f"u{i}"}
        echo = parsed_cookie(response, "echo")
        assert echo is not None
        assert echo.value == f"u{i}.w{i}"
        assert session_id_of(response) == ids[i]

    async with asyncio.timeout(60):
        await asyncio.gather(*(visit(i) for i in range(N)))
    for i, session_id in enumerate(ids):
        assert await backend.stored_json(session_id) == {"user": f"u{i}", "seen": f"u{i}/w{i}"}


async def test_200_interleaved_new_sessions_get_distinct_ids(make_client: ClientFactory) -> None:
    barrier = asyncio.Barrier(N)

    async def handler(request: web.Request) -> web.Response:
        session = await cf.session()
        async with asyncio.timeout(30):
            await barrier.wait()
        session.set("n", int(request.query["n"]))
        return web.Response()

    client = await make_client(handler, connector=TCPConnector(limit=0))
    responses = await asyncio.gather(*(client.get(f"/?n={i}") for i in range(N)))
    assert len({session_id_of(response) for response in responses}) == N


async def test_tasks_spawned_by_a_handler_share_its_session_and_load_it_once(
    make_client: ClientFactory, recording_env: RecordingEnv
) -> None:
    creator = await make_client(_set_user)
    session_id = session_id_of(await creator.get("/"))

    async def handler(request: web.Request) -> web.Response:
        async def worker(key: str) -> str | None:
            session = await cf.session()
            session.set(key, True)
            return session.get("user", type=str)

        users = await asyncio.gather(worker("a"), worker("b"), worker("c"))
        session = await cf.session()
        return web.json_response(
            {"users": users, "keys": sorted(k for k in "abc" if session.get(k))}
        )

    client = await make_client(handler, env=recording_env)
    response = await client.get("/", headers=cookie_header(session_id))
    assert await response.json() == {"users": ["ada"] * 3, "keys": ["a", "b", "c"]}
    loads = [
        call
        for call in recording_env.recorder.calls
        if call[0] == "get" or (call[0] == "first" and call[1][0].startswith("SELECT"))
    ]
    # One load; on KV the save reads the record once more, just before its put.
    assert len(loads) == (2 if recording_env.name == "SESSIONS" else 1)


async def _set_user(request: web.Request) -> web.Response:
    (await cf.session()).set("user", "ada")
    return web.Response()
