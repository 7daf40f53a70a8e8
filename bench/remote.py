"""The cost of ``emulator.remote``'s binding layer, next to bare HTTP clients, on ``serve``.

A ``python -m emulator serve`` runs as its own process. In the same run, and interleaved
round by round so the shared machine's noise falls on every contender alike, this times:

- KV ``get``, KV ``put`` (100 bytes) and D1 ``first()`` through ``RemoteKVNamespace`` /
  ``RemoteD1Database``;
- the same requests sent by a bare ``aiohttp`` client (the library the bindings use):
  same URLs, bodies and headers, no validation, no error mapping, no result objects;
- the same requests sent by a bare ``httpx.AsyncClient``: the measurement behind the
  choice of aiohttp for the transport.

One request at a time (latency, as an app awaiting its binding sees it), the contenders
taking turns every ``--batch`` requests so that bursts of load from other processes fall
on all of them alike. Printed: mean time per operation over all turns, and
``binding / bare aiohttp`` as a throughput ratio (1.0 means the layer costs nothing; the
target is at least 0.8), and ``httpx / aiohttp``.

    python bench/remote.py [--batch 20] [--turns 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import httpx

from emulator.remote import RemoteD1Database, RemoteKVNamespace
from emulator.remote.transport import Response
from emulator.server.cli import READY_PREFIX

ACCOUNT = "bench"
TOKEN = "bench-token"
VALUE = b"v" * 100
KEY = "user:42"
QUERY = "SELECT id, name FROM users WHERE id = ?"

Operation = Callable[[], Awaitable[Any]]


def start_server() -> tuple[subprocess.Popen[str], str]:
    args = [sys.executable, "-m", "emulator", "serve", "--port", "0", "--quiet"]
    process = subprocess.Popen([*args, "--api-token", TOKEN], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:  # readiness: the first line names the URL
        if line.startswith(READY_PREFIX):
            return process, line.strip().removeprefix(READY_PREFIX)
    raise RuntimeError("the server exited before it was ready")


async def setup(base: str) -> tuple[str, str]:
    """Create a namespace holding KEY and a database with a users table; return their ids."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=f"{base}/accounts/{ACCOUNT}", headers=headers) as c:
        namespace = (await c.post("/storage/kv/namespaces", json={"title": "b"})).json()
        database = (await c.post("/d1/database", json={"name": "b"})).json()
        namespace_id, database_id = namespace["result"]["id"], database["result"]["uuid"]
        await c.put(f"/storage/kv/namespaces/{namespace_id}/values/{KEY}", content=VALUE)
        schema = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"
        insert = "INSERT INTO users VALUES (42, 'ada')"
        await c.post(f"/d1/database/{database_id}/query", json={"sql": f"{schema}; {insert}"})
    return namespace_id, database_id


def bare_aiohttp(session: aiohttp.ClientSession, kv_url: str, raw_url: str) -> dict[str, Operation]:
    key_url = f"{kv_url}/values/user%3A42"
    body = json.dumps({"batch": [{"sql": QUERY, "params": [42]}]}).encode()
    octets = {"Content-Type": "application/octet-stream"}
    as_json = {"Content-Type": "application/json"}

    async def get() -> bytes:
        async with session.get(key_url) as answer:
            return await answer.read()

    async def put() -> bytes:
        async with session.put(key_url, data=VALUE, headers=octets) as answer:
            return await answer.read()

    async def first() -> Any:
        async with session.post(raw_url, data=body, headers=as_json) as answer:
            return json.loads(await answer.read())

    return {"KV get": get, "KV put": put, "D1 first()": first}


def bare_httpx(client: httpx.AsyncClient, kv_url: str, raw_url: str) -> dict[str, Operation]:
    key_url = f"{kv_url}/values/user%3A42"
    body = json.dumps({"batch": [{"sql": QUERY, "params": [42]}]}).encode()

    async def get() -> bytes:
        return (await client.get(key_url)).content

    async def put() -> bytes:
        answer = await client.put(
            key_url, content=VALUE, headers={"Content-Type": "application/octet-stream"}
        )
        return answer.content

    async def first() -> Any:
        answer = await client.post(
            raw_url, content=body, headers={"Content-Type": "application/json"}
        )
        return json.loads(answer.content)

    return {"KV get": get, "KV put": put, "D1 first()": first}


def through_bindings(kv: RemoteKVNamespace, db: RemoteD1Database) -> dict[str, Operation]:
    statement = db.prepare(QUERY)

    async def get() -> Any:
        return await kv.get(KEY)

    async def put() -> None:
        await kv.put(KEY, VALUE)

    async def first() -> Any:
        return await statement.bind(42).first()

    return {"KV get": get, "KV put": put, "D1 first()": first}


async def timed(operation: Operation, requests: int) -> float:
    """Seconds per operation over ``requests`` sequential calls."""
    started = time.perf_counter()
    for _ in range(requests):
        await operation()
    return (time.perf_counter() - started) / requests


async def run(base: str, batch: int, turns: int) -> None:
    namespace_id, database_id = await setup(base)
    kv_url = f"{base}/accounts/{ACCOUNT}/storage/kv/namespaces/{namespace_id}"
    raw_url = f"{base}/accounts/{ACCOUNT}/d1/database/{database_id}/raw"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    options = {"account_id": ACCOUNT, "api_token": TOKEN, "base_url": base}
    kv = RemoteKVNamespace(namespace_id, **options)
    db = RemoteD1Database(database_id, **options)
    async with (
        aiohttp.ClientSession(headers=auth) as session,
        httpx.AsyncClient(headers=auth) as client,
    ):
        contenders = {
            "binding": through_bindings(kv, db),
            "aiohttp": bare_aiohttp(session, kv_url, raw_url),
            "httpx": bare_httpx(client, kv_url, raw_url),
        }
        samples: dict[tuple[str, str], list[float]] = {}
        for name, operations in contenders.items():  # warm up: connections, caches
            for label, operation in operations.items():
                await timed(operation, 20)
                samples[(name, label)] = []
        names = list(contenders)
        for label in contenders["binding"]:
            for turn in range(turns):
                # Each contender follows each other one as often: whatever one leaves
                # behind (garbage to collect, a busy server) is shared out evenly.
                shift = turn % len(names)
                for name in names[shift:] + names[:shift]:
                    operation = contenders[name][label]
                    samples[(name, label)].append(await timed(operation, batch))
    await kv.aclose()
    await db.aclose()

    print(f"{batch * turns} sequential requests per figure, in turns of {batch}")
    print(
        f"{'operation':<12}{'binding':>11}{'aiohttp':>11}{'httpx':>11}"
        f"{'binding/aiohttp':>17}{'httpx/aiohttp':>15}"
    )
    for label in contenders["binding"]:
        binding, bare, other = (
            statistics.fmean(samples[(name, label)]) for name in ("binding", "aiohttp", "httpx")
        )
        print(
            f"{label:<12}{binding * 1e6:>9.0f}us{bare * 1e6:>9.0f}us{other * 1e6:>9.0f}us"
            f"{bare / binding:>17.2f}{bare / other:>15.2f}"
        )
    print("binding/aiohttp: the binding's throughput as a share of a bare aiohttp client's")
    print("httpx/aiohttp: a bare httpx client's throughput as a share of bare aiohttp's")
    await layer_cost(samples, kv_url, raw_url, options)


async def layer_cost(
    samples: dict[tuple[str, str], list[float]], kv_url: str, raw_url: str, options: Any
) -> None:
    """The binding layer's own CPU time per call, with the network taken out.

    The same binding calls, answered from a canned response of the server's (recorded
    first) instead of the socket: what is left is validation, request building, error
    mapping and result objects. Noise-free, unlike the wall-clock figures above.
    """
    recorded: dict[str, Response] = {}
    kv = RemoteKVNamespace(kv_url.rsplit("/", 1)[1], **options)
    db = RemoteD1Database(raw_url.rsplit("/", 2)[1], **options)
    for binding in (kv, db):
        transport = binding._transport
        real_send = transport._send

        async def record(*args: Any, real: Any = real_send) -> Response:
            answer: Response = await real(*args)
            recorded[str(args[0]) + str(args[1]).rsplit("/", 1)[1]] = answer
            return answer

        transport._send = record  # type: ignore[method-assign]
    operations = through_bindings(kv, db)
    for operation in operations.values():
        await operation()
    await kv.aclose()
    await db.aclose()
    for binding in (kv, db):

        async def canned(method: str, url: str, *args: Any) -> Response:
            return recorded[method + url.rsplit("/", 1)[1]]

        binding._transport._send = canned  # type: ignore[method-assign]
    print("binding layer alone (canned answers, no network), per call:")
    for label, operation in operations.items():
        calls = 20_000
        started = time.perf_counter()
        for _ in range(calls):
            await operation()
        cost = (time.perf_counter() - started) / calls
        bare = statistics.fmean(samples[("aiohttp", label)])
        print(
            f"  {label:<12}{cost * 1e6:>7.1f}us  -> binding/aiohttp at the bare time measured "
            f"above: {bare / (bare + cost):.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--turns", type=int, default=60)
    args = parser.parse_args()
    process, base = start_server()
    try:
        asyncio.run(run(base, args.batch, args.turns))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
