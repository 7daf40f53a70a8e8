"""``OffsetClock``: wall time that a test in another process can move and freeze.

The server always runs on one: it starts at wall time, so data looks recent and time flows
as usual, and ``/__emulator/clock`` moves it (``move_to``, ``shift``) or stops it
(``freeze``) for a browser test or a JS client. After a move, time keeps flowing from the
new instant; a frozen clock stands still until unfrozen or moved. It reads ``time.time()``
at call time, so freezegun and time-machine move it as well.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from emulator.clock import Duration, Instant, to_epoch_seconds, to_seconds

__all__ = ["OffsetClock"]


class OffsetClock:
    """``time.time()`` plus an offset, optionally frozen: an ``emulator.FreezableClock``."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._frozen_at: float | None = None
        self._lock = threading.Lock()

    def now(self) -> float:
        frozen = self._frozen_at
        return frozen if frozen is not None else time.time() + self._offset

    @property
    def offset(self) -> float:
        """Seconds between this clock and the wall clock (``now() - time.time()``)."""
        return self.now() - time.time()

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        return self._frozen_at is not None

    def move_to(self, when: Instant) -> None:
        """Jump to an instant (any form ``emulator.clock.to_datetime`` reads)."""
        target = to_epoch_seconds(when)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = target
            else:
                self._offset = target - time.time()

    def shift(self, delta: Duration) -> None:
        """Move by ``delta`` seconds (or a ``timedelta``); negative moves back."""
        seconds = to_seconds(delta)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def freeze(self) -> None:
        """Stop the clock at the current instant."""
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = time.time() + self._offset

    def unfreeze(self) -> None:
        """Let time flow again, from the instant it was frozen at."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None

    def reset(self) -> None:
        """Back to the wall clock, flowing."""
        with self._lock:
            self._offset = 0.0
            self._frozen_at = None

    def __repr__(self) -> str:
        iso = datetime.fromtimestamp(self.now(), UTC).isoformat()
        state = "frozen" if self.frozen else f"offset={self._offset:+.3f}s"
        return f"OffsetClock({iso!r}, {state})"
