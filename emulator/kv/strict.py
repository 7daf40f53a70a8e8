"""Opt-in production strictness that Miniflare does not show (docs/kv.md#strict-modes).

- ``WriteRateLimiter``: Workers KV allows 1 write per second per key; a second ``put`` or
  ``delete`` of the same key within 1 s (clock time) fails with
  ``KV PUT failed: 429 Too Many Requests``.
- ``ConsistencyWindow``: KV is eventually consistent; a read elsewhere may see a key's
  state from up to 60 s before. The window remembers each key's replaced versions for 60 s
  and lets a seeded ``random.Random`` pick what a read sees, so a test can reproduce it.

Both keep only what they need: entries older than their window are pruned as time moves.
"""

from __future__ import annotations

import random

from emulator.kv import constants as c
from emulator.kv.storage import KVStore, StoredRow
from emulator.kv.validation import fail

__all__ = ["ConsistencyWindow", "WriteRateLimiter", "strict_write"]

# Sweep the whole table once it holds this many keys (then at twice the survivors).
_SWEEP_AT = 1024


class WriteRateLimiter:
    """Refuse a second write to one key less than 1 s after the previous one."""

    def __init__(self) -> None:
        self._last_write: dict[bytes, float] = {}
        self._sweep_at = _SWEEP_AT

    def check(self, key: bytes, now: float, operation: str) -> None:
        """Raise ``KVError`` 429 if ``key`` was written in ``(now - 1 s, now]``."""
        last = self._last_write.get(key)
        # A write "in the future" (the clock was moved back) does not count against now.
        if last is not None and 0 <= now - last < c.WRITE_INTERVAL_SECONDS:
            fail(operation, 429, c.TOO_MANY_REQUESTS)

    def record(self, key: bytes, now: float) -> None:
        """Remember that ``key`` was written at ``now``."""
        self._last_write[key] = now
        if len(self._last_write) >= self._sweep_at:
            horizon = now - c.WRITE_INTERVAL_SECONDS
            self._last_write = {k: t for k, t in self._last_write.items() if t > horizon}
            self._sweep_at = max(_SWEEP_AT, 2 * len(self._last_write))


class ConsistencyWindow:
    """Each key's versions of the last 60 s, and a seeded choice among them per read.

    A read at ``now`` sees, with equal probability, the current row or any version that was
    still current at some instant of ``(now - 60 s, now]``: a ``None`` version means the key
    was missing then. Choosing uniformly among versions (rather than among instants) makes
    stale reads frequent enough for a test to meet them.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._random = random.Random(seed)
        # key -> [(replaced_at, version it replaced)], oldest first.
        self._history: dict[bytes, list[tuple[float, StoredRow | None]]] = {}
        self._sweep_at = _SWEEP_AT

    def record(self, key: bytes, now: float, previous: StoredRow | None) -> None:
        """Remember that ``previous`` (``None``: missing) stopped being current at ``now``."""
        versions = self._history.get(key)
        if versions is None:
            self._history[key] = [(now, previous)]
            if len(self._history) >= self._sweep_at:
                self._sweep(now)
            return
        horizon = now - c.CONSISTENCY_WINDOW_SECONDS
        if versions[0][0] <= horizon:
            versions[:] = [entry for entry in versions if entry[0] > horizon]
        versions.append((now, previous))

    def choose(self, key: bytes, now: float, current: StoredRow | None) -> StoredRow | None:
        """Return the version of ``key`` a read at ``now`` sees (``current`` or an older one)."""
        versions = self._history.get(key)
        if versions is None:
            return current
        horizon = now - c.CONSISTENCY_WINDOW_SECONDS
        candidates = [version for replaced_at, version in versions if replaced_at > horizon]
        if not candidates:
            del self._history[key]
            return current
        pick = self._random.randrange(len(candidates) + 1)
        return current if pick == len(candidates) else candidates[pick]

    def clear(self) -> None:
        """Forget every version (the random sequence goes on)."""
        self._history.clear()

    def _sweep(self, now: float) -> None:
        horizon = now - c.CONSISTENCY_WINDOW_SECONDS
        kept: dict[bytes, list[tuple[float, StoredRow | None]]] = {}
        for key, versions in self._history.items():
            recent = [entry for entry in versions if entry[0] > horizon]
            if recent:
                kept[key] = recent
        self._history = kept
        self._sweep_at = max(_SWEEP_AT, 2 * len(kept))


def strict_write(
    store: KVStore,
    limiter: WriteRateLimiter | None,
    window: ConsistencyWindow | None,
    key: bytes,
    now: float,
    operation: str,
    row: StoredRow | None,
) -> None:
    """Write ``row`` (``None``: delete ``key``) under whichever strict modes are on.

    Raises ``KVError`` 429 before touching anything if the rate limit refuses the write;
    records the write and the version it replaced only once the store has taken it.
    """
    if limiter is not None:
        limiter.check(key, now, operation)
    previous = None
    if window is not None:
        previous = store.get(key)
        if previous is not None and previous[0] is not None and now >= previous[0]:
            previous = None  # an expired row was already "missing" to every reader
    if row is None:
        store.delete(key)
    else:
        store.put(key, *row)
    if limiter is not None:
        limiter.record(key, now)
    if window is not None:
        window.record(key, now, previous)
