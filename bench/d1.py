"""D1 emulator versus raw stdlib ``sqlite3``: the session middleware's two statements.

For 10,000 and 1,000,000 sessions, times per operation (microseconds) and the ratio of

- ``prepare(READ).bind(id).first()`` against ``sqlite3`` ``execute(READ, (id,)).fetchone()``;
- ``prepare(WRITE).bind(id, data, ttl).run()`` against ``sqlite3`` ``execute(WRITE, ...)``
  in autocommit mode (each statement its own transaction, as each D1 call is one request);

with ``READ``/``WRITE`` the statements ``session.rs`` uses on D1. Both databases are in
memory and seeded the same way in the same run; ids are visited in a shuffled order.
Run with ``python bench/d1.py`` (about a minute); it prints figures, not verdicts.
"""

from __future__ import annotations

import asyncio
import gc
import random
import sqlite3
import time
from collections.abc import Awaitable, Callable

from emulator import Emulator

SCHEMA = (
    "CREATE TABLE sessions (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL)"
)
SEED = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {count}) "
    "INSERT INTO sessions SELECT 'session-' || x, '{{\"user_id\":' || x || '}}', "
    "unixepoch() + 86400 FROM n"
)
READ = "SELECT data FROM sessions WHERE id = ? AND expires_at > unixepoch()"
WRITE = "INSERT OR REPLACE INTO sessions (id, data, expires_at) VALUES (?, ?, unixepoch() + ?)"
DATA = '{"user_id":"ada","theme":"dark"}'
TTL = 86400
SIZES = (10_000, 1_000_000)
OPERATIONS = 30_000
ROUNDS = 3


def _best_of(run: Callable[[], float]) -> float:
    return min(run() for _ in range(ROUNDS))


async def _best_of_async(run: Callable[[], Awaitable[float]]) -> float:
    results = [await run() for _ in range(ROUNDS)]
    return min(results)


def _ids(count: int) -> list[str]:
    rng = random.Random(count)
    return [f"session-{rng.randrange(1, count + 1)}" for _ in range(OPERATIONS)]


async def bench(count: int) -> list[tuple[str, float, float]]:
    """Return ``(operation, emulator µs, sqlite3 µs)`` for ``count`` seeded sessions."""
    raw = sqlite3.connect(":memory:", isolation_level=None)
    raw.execute(SCHEMA)
    raw.execute(SEED.format(count=count))

    emulator = Emulator()
    db = emulator.d1("DB")
    await db.exec(SCHEMA)
    db.sqlite_utils.executescript(SEED.format(count=count))
    ids = _ids(count)

    def raw_read() -> float:
        started = time.perf_counter()
        for key in ids:
            raw.execute(READ, (key,)).fetchone()
        return (time.perf_counter() - started) / len(ids) * 1e6

    async def emu_read() -> float:
        started = time.perf_counter()
        for key in ids:
            await db.prepare(READ).bind(key).first()
        return (time.perf_counter() - started) / len(ids) * 1e6

    def raw_write() -> float:
        started = time.perf_counter()
        for key in ids:
            raw.execute(WRITE, (key, DATA, TTL))
        return (time.perf_counter() - started) / len(ids) * 1e6

    async def emu_write() -> float:
        started = time.perf_counter()
        for key in ids:
            await db.prepare(WRITE).bind(key, DATA, TTL).run()
        return (time.perf_counter() - started) / len(ids) * 1e6

    gc.collect()
    results = [
        ("first()", await _best_of_async(emu_read), _best_of(raw_read)),
        ("run() INSERT OR REPLACE", await _best_of_async(emu_write), _best_of(raw_write)),
    ]
    raw.close()
    emulator.close()
    return results


async def main() -> None:
    print(f"sqlite3 {sqlite3.sqlite_version} (baseline) vs emulator (apsw); best of {ROUNDS}")
    print(f"{'rows':>9}  {'operation':<24} {'emulator µs':>12} {'sqlite3 µs':>11} {'ratio':>6}")
    for count in SIZES:
        for name, emulated, baseline in await bench(count):
            ratio = emulated / baseline
            print(f"{count:>9}  {name:<24} {emulated:>12.2f} {baseline:>11.2f} {ratio:>6.2f}")


if __name__ == "__main__":
    asyncio.run(main())
