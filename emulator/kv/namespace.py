"""Placeholder replaced by the KV implementation (issue 2)."""

from __future__ import annotations

from pathlib import Path

from emulator.clock import Clock


class KVNamespace:
    def __init__(
        self,
        name: str,
        *,
        clock: Clock,
        path: Path | None,
        namespace_id: str,
        write_rate_limit: bool = False,
        eventual_consistency_seed: int | None = None,
    ) -> None:
        self.name = name
        self.id = namespace_id

    def reset(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass
