"""Placeholder replaced by the D1 implementation (issue 3)."""

from __future__ import annotations

from pathlib import Path

from emulator.clock import Clock


class D1Database:
    def __init__(self, name: str, *, clock: Clock, path: Path | None, database_id: str) -> None:
        self.name = name
        self.id = database_id

    def reset(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass
