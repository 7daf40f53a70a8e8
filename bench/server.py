"""Requests per second of ``python -m emulator serve``, next to the in-process cost.

The server runs as its own process (``python -m emulator serve --port 0 --quiet``); this
process is the load generator: an aiohttp client with 32 concurrent connections sending KV
GETs, KV PUTs (raw body) and D1 ``query`` calls. In the same run, the same operations are
timed in-process, twice: through the transport-free core (``RestApi.handle``: routing,
validation, JSON) and straight on the bindings (``kv.get``, ``kv.put``, ``db.query``).
Printed figures are throughput and per-operation costs, with ratios; no verdicts.

    python bench/server.py [--requests 4000] [--persist]

``--persist`` serves from a temporary folder (every write fsynced) instead of memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from emulator import Emulator
from emulator.server import ApiRequest, RestApi
from emulator.server.cli import READY_PREFIX

CONCURRENCY = 32
KEYS = 1000
ROWS = 1000
ACCOUNT = "bench"
VALUE = b"v" * 100
REPEATS = 3


def start_server(persist: Path | None) -> tuple[subprocess.Popen[str], str]:
    args = [sys.executable, "-m", "emulator", "serve", "--port", "0", "--quiet"]
    if persist is not None:
        args += ["--persist-to", str(persist)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:  # readiness: the first line names the URL
        if line.startswith(READY_PREFIX):
            return process, line.strip().removeprefix(READY_PREFIX)
    raise RuntimeError("the server exited before it was ready")


async def setup(session: aiohttp.ClientSession, base: str) -> tuple[str, str]:
    """Create a namespace with KEYS keys and a database with ROWS rows; return their ids."""
    async with session.post(f"{base}/storage/kv/namespaces", json={"title": "bench"}) as r:
        namespace = (await r.json())["result"]["id"]
    pairs = [{"key": f"key-{i:05d}", "value": VALUE.decode()} for i in range(KEYS)]
    async with session.put(f"{base}/storage/kv/namespaces/{namespace}/bulk", json=pairs) as r:
        assert r.status == 200, await r.text()
    async with session.post(f"{base}/d1/database", json={"name": "bench"}) as r:
        database = (await r.json())["result"]["uuid"]
    statements = [
        {"sql": "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)"},
        *(
            {"sql": "INSERT INTO items VALUES (?, ?, ?)", "params": [i, f"item {i}", i * 1.5]}
            for i in range(ROWS)
        ),
    ]
    async with session.post(
        f"{base}/d1/database/{database}/query", json={"batch": statements}
    ) as r:
        assert r.status == 200, await r.text()
    return namespace, database


Request = Callable[[aiohttp.ClientSession, int], Awaitable[None]]


async def load(session: aiohttp.ClientSession, request: Request, total: int) -> float:
    """Send ``total`` requests from CONCURRENCY workers; return requests per second."""
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            await request(session, i)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return total / (time.perf_counter() - started)


async def http_figures(base: str, total: int) -> dict[str, float]:
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        namespace, database = await setup(session, base)
        values = f"{base}/storage/kv/namespaces/{namespace}/values"
        query = f"{base}/d1/database/{database}/query"
        rng = random.Random(7)

        async def kv_get(s: aiohttp.ClientSession, i: int) -> None:
            async with s.get(f"{values}/key-{rng.randrange(KEYS):05d}") as r:
                assert r.status == 200
                await r.read()

        async def kv_put(s: aiohttp.ClientSession, i: int) -> None:
            async with s.put(f"{values}/key-{rng.randrange(KEYS):05d}", data=VALUE) as r:
                assert r.status == 200
                await r.read()

        async def d1_query(s: aiohttp.ClientSession, i: int) -> None:
            body = {"sql": "SELECT * FROM items WHERE id = ?", "params": [rng.randrange(ROWS)]}
            async with s.post(query, json=body) as r:
                assert r.status == 200
                await r.read()

        figures: dict[str, float] = {}
        for name, request in (("KV GET", kv_get), ("KV PUT", kv_put), ("D1 query", d1_query)):
            await load(session, request, min(total, 500))  # warm up
            runs = [await load(session, request, total) for _ in range(REPEATS)]
            figures[name] = statistics.median(runs)
        return figures


def per_op(run: Callable[[int], Awaitable[Any]], total: int) -> float:
    """Median microseconds per awaited operation, on one event loop."""

    async def timed() -> float:
        started = time.perf_counter()
        for i in range(total):
            await run(i)
        return (time.perf_counter() - started) / total * 1e6

    async def all_runs() -> list[float]:
        await timed()
        return [await timed() for _ in range(REPEATS)]

    return statistics.median(asyncio.run(all_runs()))


def in_process_figures(total: int, persist: Path | None) -> dict[str, tuple[float, float]]:
    emu = Emulator(persist_to=persist)
    api = RestApi(emu)
    base = f"/client/v4/accounts/{ACCOUNT}"
    kv = emu.kv("BENCH")
    kv.seed({f"key-{i:05d}": VALUE for i in range(KEYS)})
    db = emu.d1("DB")
    db.sqlite_utils.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
    db.sqlite_utils["items"].insert_all(
        {"id": i, "name": f"item {i}", "price": i * 1.5} for i in range(ROWS)
    )
    rng = random.Random(7)
    values = f"{base}/storage/kv/namespaces/{kv.id}/values"
    query = f"{base}/d1/database/{db.id}/query"
    select = "SELECT * FROM items WHERE id = ?"

    def key() -> str:
        return f"key-{rng.randrange(KEYS):05d}"

    def query_request() -> ApiRequest:
        body = json.dumps({"sql": select, "params": [rng.randrange(ROWS)]}).encode()
        return ApiRequest("POST", query, {"Content-Type": "application/json"}, body)

    figures = {
        "KV GET": (
            per_op(lambda i: api.handle(ApiRequest("GET", f"{values}/{key()}")), total),
            per_op(lambda i: kv.get(key()), total),
        ),
        "KV PUT": (
            per_op(lambda i: api.handle(ApiRequest("PUT", f"{values}/{key()}", {}, VALUE)), total),
            per_op(lambda i: kv.put(key(), VALUE), total),
        ),
        "D1 query": (
            per_op(lambda i: api.handle(query_request()), total),
            per_op(lambda i: db.query(select, [rng.randrange(ROWS)]), total),
        ),
    }
    emu.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per timed run")
    parser.add_argument("--persist", action="store_true", help="serve from a folder, not memory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server_dir = Path(tmp, "server") if args.persist else None
        local_dir = Path(tmp, "local") if args.persist else None
        process, url = start_server(server_dir)
        try:
            http = asyncio.run(http_figures(f"{url}/accounts/{ACCOUNT}", args.requests))
        finally:
            process.terminate()
            process.wait()
        local = in_process_figures(args.requests, local_dir)
    state = "persisted (fsync per write)" if args.persist else "in memory"
    print(
        f"python -m emulator serve, {state}; load generator: separate process, aiohttp, "
        f"{CONCURRENCY} connections, {args.requests} requests x {REPEATS} runs (median)"
    )
    print(
        f"{'operation':<10} {'HTTP req/s':>11} {'HTTP us/req':>12} {'core us/op':>11} "
        f"{'binding us/op':>14} {'HTTP/core':>10} {'core/binding':>13}"
    )
    for name, rps in http.items():
        core_us, binding_us = local[name]
        http_us = 1e6 / rps
        print(
            f"{name:<10} {rps:>11,.0f} {http_us:>12.1f} {core_us:>11.1f} {binding_us:>14.1f} "
            f"{http_us / core_us:>10.1f} {core_us / binding_us:>13.1f}"
        )
    print(
        "HTTP us/req = 1 / throughput (with 32 requests in flight); core = RestApi.handle "
        "in-process (routing, checks, JSON); binding = the KV/D1 call alone."
    )


if __name__ == "__main__":
    main()
