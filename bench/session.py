"""Requests per second of a session app: this port on KV and on D1 against aiohttp-session.

Every app runs the same handler (read one session value, write it back incremented)
through aiohttp's test client, one request at a time, the session cookie sent back on
each request. aiohttp-session runs on a small dict-backed ``AbstractStorage`` (it ships
none in memory), which encodes the session as JSON as its real storages do. Rounds are
interleaved so that load on the machine hits every app alike; the best round counts.

    python bench/session.py [--requests 2000] [--rounds 5]

Prints requests per second for each app and the ratio of each of ours to aiohttp-session's
(the target is >= 0.8).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
import warnings
from typing import Any

import aiohttp_session
from aiohttp import DummyCookieJar, web
from aiohttp.test_utils import TestClient, TestServer

from emulator import Emulator, cf
from emulator.session import Handler, SessionConfig

Client = TestClient[web.Request, web.Application]


class DictStorage(aiohttp_session.AbstractStorage):
    """aiohttp-session storage in a dict: session id -> JSON text."""

    def __init__(self) -> None:
        super().__init__(max_age=86400, secure=True, httponly=True, samesite="Strict")
        self._records: dict[str, str] = {}

    async def load_session(self, request: web.Request) -> aiohttp_session.Session:
        key = self.load_cookie(request)
        text = None if key is None else self._records.get(key)
        if text is None:
            return aiohttp_session.Session(None, data=None, new=True, max_age=self.max_age)
        data = self._decoder(text)
        return aiohttp_session.Session(key, data=data, new=False, max_age=self.max_age)

    async def save_session(
        self, request: web.Request, response: web.StreamResponse, session: aiohttp_session.Session
    ) -> None:
        key = session.identity
        if key is None:
            key = uuid.uuid4().hex
            session.set_new_identity(key)
        self._records[key] = self._encoder(self._get_session_data(session))
        self.save_cookie(response, key, max_age=session.max_age)


async def ours(request: web.Request) -> web.Response:
    session = await cf.session()
    count = (session.get("n", type=int) or 0) + 1
    session.set("n", count)
    return web.Response(text=str(count))


async def theirs(request: web.Request) -> web.Response:
    session = await aiohttp_session.get_session(request)
    count = session.get("n", 0) + 1
    session["n"] = count
    return web.Response(text=str(count))


async def start(app: web.Application, handler: Any) -> Client:
    app.router.add_get("/", handler)
    client: Client = TestClient(TestServer(app), cookie_jar=DummyCookieJar())
    await client.start_server()
    return client


async def run_round(client: Client, cookie_name: str, requests: int) -> float:
    first = await client.get("/")
    cookie = {"Cookie": f"{cookie_name}={first.cookies[cookie_name].value}"}
    started = time.perf_counter()
    for _ in range(requests):
        response = await client.get("/", headers=cookie)
        await response.read()
    elapsed = time.perf_counter() - started
    assert response.status == 200
    return requests / elapsed


async def main(requests: int, rounds: int) -> None:
    emulator = Emulator()
    emulator.kv("SESSIONS")
    d1_config = SessionConfig.d1("DB", "sessions")
    await d1_config.create_table(emulator.d1("DB"))

    apps: dict[str, tuple[Client, str]] = {}
    for label, config in (("ours, KV", SessionConfig.kv("SESSIONS")), ("ours, D1", d1_config)):
        app = web.Application()
        Handler(emulator.env).session(config).setup(app)
        apps[label] = (await start(app, ours), "__session")
    baseline_app = web.Application()
    aiohttp_session.setup(baseline_app, DictStorage())
    apps["aiohttp-session, dict"] = (await start(baseline_app, theirs), "AIOHTTP_SESSION")

    best = dict.fromkeys(apps, 0.0)
    try:
        for client, name in apps.values():  # warm up
            await run_round(client, name, min(200, requests))
        for _ in range(rounds):
            for label, (client, name) in apps.items():
                best[label] = max(best[label], await run_round(client, name, requests))
    finally:
        for client, _ in apps.values():
            await client.close()
        emulator.close()

    baseline = best["aiohttp-session, dict"]
    print(f"requests per second, best of {rounds} rounds of {requests} sequential requests")
    for label, rate in best.items():
        print(f"  {label:<24} {rate:9.0f} req/s")
    for label in ("ours, KV", "ours, D1"):
        print(f"  ratio {label} / aiohttp-session: {best[label] / baseline:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    # aiohttp-session keeps its state under string request keys, which aiohttp warns about.
    warnings.simplefilter("ignore", web.NotAppKeyWarning)
    asyncio.run(main(arguments.requests, arguments.rounds))
