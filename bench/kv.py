"""Benchmark the KV emulator's hot paths against raw SQLite statements on the same data.

For each size (10k and 1M keys by default) it loads the same rows into an in-memory
``KVNamespace`` and into in-memory stdlib ``sqlite3`` and ``apsw`` databases with the same
schema and settings, then times:

- ``get``: a random existing key (emulator: ``await kv.get(key)``; raw: the primary-key
  ``SELECT`` and fetch);
- ``put``: overwrite a random key (emulator: ``await kv.put(key, value)``; raw: the
  ``INSERT OR REPLACE`` in autocommit);
- ``list``: a 1000-key page from a random position (emulator: ``await kv.list(cursor=...)``,
  which also decodes keys and metadata into objects; raw: the range ``SELECT`` of 1001 rows).

Each figure is the median of several repeats of many operations, driven in one event loop.
It prints microseconds per operation and the emulator/raw ratio; it does not judge them.

    python bench/kv.py [--sizes 10000,1000000] [--ops 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from emulator import KVEntry, KVNamespace, ManualClock
from emulator import _apsw as apsw

SCHEMA = """
CREATE TABLE kv_entries (
    key BLOB PRIMARY KEY NOT NULL,
    expiration INTEGER,
    metadata TEXT,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX kv_entries_expiration ON kv_entries (expiration) WHERE expiration IS NOT NULL;
"""
GET = "SELECT expiration, metadata, value FROM kv_entries WHERE key = ?"
PUT = "INSERT OR REPLACE INTO kv_entries (key, expiration, metadata, value) VALUES (?, ?, ?, ?)"
LIST = (
    "SELECT key, expiration, metadata FROM kv_entries"
    " WHERE key > ? AND key < ? ORDER BY key LIMIT ?"
)
VALUE = "v" * 64
PAGE = 1000


def key_of(i: int) -> str:
    return f"key:{i:08d}"


def rows(size: int) -> Iterator[tuple[bytes, None, str | None, bytes]]:
    """Raw rows: every tenth key has metadata ``{"n": i}``, as ``JSON.stringify`` writes it."""
    value = VALUE.encode()
    for i in range(size):
        yield key_of(i).encode(), None, None if i % 10 else f'{{"n":{i}}}', value


def seed_pairs(size: int) -> Iterator[tuple[str, str | KVEntry]]:
    """The same data for ``seed_many``."""
    for i in range(size):
        yield key_of(i), VALUE if i % 10 else KVEntry(VALUE.encode(), {"n": i})


def per_op(seconds: float, ops: int) -> float:
    return seconds / ops * 1e6


def median_of(repeats: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(repeats))


class Bench:
    def __init__(self, size: int, ops: int, repeats: int) -> None:
        self.size, self.ops, self.repeats = size, ops, repeats
        rng = random.Random(size)
        self.keys = [key_of(rng.randrange(size)) for _ in range(ops)]
        self.key_bytes = [key.encode() for key in self.keys]
        # Cursors of random list positions, leaving room for a full page after each.
        starts = [rng.randrange(max(1, size - PAGE - 1)) for _ in range(max(ops // 200, 20))]
        self.cursors = [base64.b64encode(key_of(i).encode()).decode() for i in starts]
        self.cursor_keys = [key_of(i).encode() for i in starts]
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.loop.close()

    def run(self, coroutine: Coroutine[Any, Any, float]) -> float:
        return self.loop.run_until_complete(coroutine)

    # -- loading ------------------------------------------------------------------------

    def load(self) -> tuple[KVNamespace, sqlite3.Connection, apsw.Connection]:
        started = time.perf_counter()
        kv = KVNamespace("BENCH", clock=ManualClock(1_800_000_000))
        # seed_many validates every pair exactly as put does.
        kv.seed_many(seed_pairs(self.size))
        loaded_kv = time.perf_counter()
        raw = sqlite3.connect(":memory:", isolation_level=None)
        raw.executescript(SCHEMA)
        raw.execute("BEGIN")
        raw.executemany(PUT, rows(self.size))
        raw.execute("COMMIT")
        fast = apsw.Connection(":memory:")
        fast.execute(SCHEMA)
        with fast:
            fast.executemany(PUT, rows(self.size))
        print(
            f"  loaded {self.size:,} keys: emulator seed_many {loaded_kv - started:.1f} s"
            f" (validated), sqlite3 + apsw {time.perf_counter() - loaded_kv:.1f} s",
            flush=True,
        )
        return kv, raw, fast

    # -- emulator -----------------------------------------------------------------------

    async def kv_get(self, kv: KVNamespace) -> float:
        get = kv.get
        started = time.perf_counter()
        for key in self.keys:
            await get(key)
        return per_op(time.perf_counter() - started, self.ops)

    async def kv_put(self, kv: KVNamespace) -> float:
        put = kv.put
        started = time.perf_counter()
        for key in self.keys:
            await put(key, VALUE)
        return per_op(time.perf_counter() - started, self.ops)

    async def kv_list(self, kv: KVNamespace) -> float:
        list_ = kv.list
        started = time.perf_counter()
        for cursor in self.cursors:
            page = await list_(cursor=cursor)
            assert len(page.keys) == PAGE
        return per_op(time.perf_counter() - started, len(self.cursors))

    # -- raw stdlib sqlite3 and apsw ------------------------------------------------------

    def raw_get(self, conn: sqlite3.Connection | apsw.Connection) -> float:
        cursor = conn.cursor()
        execute = cursor.execute
        started = time.perf_counter()
        for key in self.key_bytes:
            execute(GET, (key,)).fetchall()
        return per_op(time.perf_counter() - started, self.ops)

    def raw_put(self, conn: sqlite3.Connection | apsw.Connection) -> float:
        cursor = conn.cursor()
        execute = cursor.execute
        value = VALUE.encode()
        started = time.perf_counter()
        for key in self.key_bytes:
            execute(PUT, (key, None, None, value))
        return per_op(time.perf_counter() - started, self.ops)

    def raw_list(self, conn: sqlite3.Connection | apsw.Connection) -> float:
        cursor = conn.cursor()
        started = time.perf_counter()
        for after in self.cursor_keys:
            page = cursor.execute(LIST, (after, b"\xff", PAGE + 1)).fetchall()
            assert len(page) == PAGE + 1
        return per_op(time.perf_counter() - started, len(self.cursor_keys))

    def measure(self) -> dict[str, tuple[float, float, float]]:
        kv, raw, fast = self.load()
        # Warm up caches and statement caches once before timing.
        self.run(self.kv_get(kv))
        self.raw_get(raw)
        self.raw_get(fast)
        results = {
            "get": (
                median_of(self.repeats, lambda: self.run(self.kv_get(kv))),
                median_of(self.repeats, lambda: self.raw_get(raw)),
                median_of(self.repeats, lambda: self.raw_get(fast)),
            ),
            "put": (
                median_of(self.repeats, lambda: self.run(self.kv_put(kv))),
                median_of(self.repeats, lambda: self.raw_put(raw)),
                median_of(self.repeats, lambda: self.raw_put(fast)),
            ),
            "list 1000": (
                median_of(self.repeats, lambda: self.run(self.kv_list(kv))),
                median_of(self.repeats, lambda: self.raw_list(raw)),
                median_of(self.repeats, lambda: self.raw_list(fast)),
            ),
        }
        kv.close()
        raw.close()
        fast.close()
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--ops", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"python {sys.version.split()[0]}, stdlib sqlite3 {sqlite3.sqlite_version}, "
        f"apsw {apsw.apsw_version()} (SQLite {apsw.sqlite_lib_version()}); "
        f"{args.ops:,} ops per timing, median of {args.repeats}"
    )
    pages: dict[int, float] = {}
    for size in sizes:
        print(f"\n{size:,} keys")
        bench = Bench(size, args.ops, args.repeats)
        results = bench.measure()
        bench.close()
        print(
            f"  {'op':<10} {'emulator us':>12} {'sqlite3 us':>11} {'ratio':>6}"
            f" {'apsw us':>9} {'ratio':>6}"
        )
        for name, (emulated, raw, fast) in results.items():
            print(
                f"  {name:<10} {emulated:>12.2f} {raw:>11.2f} {emulated / raw:>6.2f}"
                f" {fast:>9.2f} {emulated / fast:>6.2f}"
            )
        pages[size] = results["list 1000"][0]
    if len(pages) > 1:
        smallest, largest = min(pages), max(pages)
        print(
            f"\nlist page at {largest:,} keys / at {smallest:,} keys: "
            f"{pages[largest] / pages[smallest]:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
