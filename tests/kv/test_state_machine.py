"""``KVNamespace`` against a plain dict model, under random operations and clock moves."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from emulator import KVListKey, KVNamespace, KVValueWithMetadata, ManualClock
from tests.kv.helpers import START

T = TypeVar("T")

# A small alphabet with 1-, 3- and 4-byte characters: keys collide, share prefixes, and
# their byte order differs from code point order only where UTF-8 says so.
KEYS = st.text(alphabet="ab/€😀\x00", min_size=1, max_size=3)
VALUES = st.text(alphabet="xy€", max_size=5) | st.binary(max_size=5)
METADATA = st.none() | st.integers(-5, 5) | st.dictionaries(st.sampled_from("mn"), st.booleans())

# key -> (value bytes, metadata, absolute expiration or None)
Model = dict[str, tuple[bytes, Any, int | None]]


class KVModelComparison(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock(start=START)
        self.kv = KVNamespace("MODEL", clock=self.clock)
        self.model: Model = {}

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def live(self) -> Model:
        now = self.clock.now()
        return {
            key: entry for key, entry in self.model.items() if entry[2] is None or now < entry[2]
        }

    @rule(key=KEYS, value=VALUES, metadata=METADATA, ttl=st.none() | st.integers(60, 400))
    def put(self, key: str, value: str | bytes, metadata: Any, ttl: int | None) -> None:
        self.run(self.kv.put(key, value, expiration_ttl=ttl, metadata=metadata))
        data = value.encode() if isinstance(value, str) else value
        expiration = None if ttl is None else int(self.clock.now()) + ttl
        self.model[key] = (data, metadata, expiration)

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        self.run(self.kv.delete(key))
        self.model.pop(key, None)

    # Whole seconds land exactly on expirations (the boundary); fractions land between.
    @rule(seconds=st.integers(0, 250) | st.floats(0, 250, allow_nan=False))
    def move_clock(self, seconds: float) -> None:
        self.clock.shift(seconds)

    def upcoming_expirations(self) -> list[int]:
        now = self.clock.now()
        return sorted({e[2] for e in self.model.values() if e[2] is not None and e[2] > now})

    @precondition(lambda self: bool(self.upcoming_expirations()))
    @rule(data=st.data(), just_before=st.booleans())
    def move_to_an_expiration(self, data: st.DataObject, just_before: bool) -> None:
        target = data.draw(st.sampled_from(self.upcoming_expirations()))
        self.clock.move_to(target - 0.001 if just_before else target)

    @rule(key=KEYS)
    def get(self, key: str) -> None:
        expected = self.live().get(key)
        assert self.run(self.kv.get(key, "bytes")) == (None if expected is None else expected[0])

    @rule(key=KEYS)
    def get_with_metadata(self, key: str) -> None:
        expected = self.live().get(key)
        found = self.run(self.kv.get_with_metadata(key, "bytes"))
        if expected is None:
            assert found == KVValueWithMetadata(None, None)
        else:
            assert found == KVValueWithMetadata(expected[0], expected[1])

    @rule(keys=st.lists(KEYS, min_size=1, max_size=6))
    def bulk_get(self, keys: list[str]) -> None:
        live = self.live()
        expected = {
            key: None if key not in live else live[key][0].decode("utf-8", "replace")
            for key in keys
        }
        result = self.run(self.kv.get(keys))
        assert result == expected
        assert list(result) == list(expected)

    @precondition(lambda self: bool(self.model))
    @rule(prefix=st.sampled_from(["", "a", "b", "€", "😀", "a/", "\x00"]), limit=st.integers(1, 4))
    def list_every_page(self, prefix: str, limit: int) -> None:
        live = self.live()
        expected = [
            KVListKey(key, live[key][2], live[key][1])
            for key in sorted(live, key=lambda key: key.encode())
            if key.startswith(prefix)
        ]
        seen: list[KVListKey] = []
        cursor = None
        for _ in range(len(expected) // limit + 2):  # bounded: a paging bug cannot spin
            page = self.run(self.kv.list(prefix=prefix, limit=limit, cursor=cursor))
            assert len(page.keys) <= limit
            seen.extend(page.keys)
            if page.list_complete:
                assert page.cursor is None
                break
            assert page.keys  # never an empty page that is not the last
            cursor = page.cursor
        else:
            raise AssertionError(f"list did not complete after {len(seen)} keys")
        assert seen == expected

    @invariant()
    def snapshot_matches_the_model(self) -> None:
        live = self.live()
        assert {
            key: (e.value, e.metadata, e.expiration) for key, e in self.kv.snapshot().items()
        } == live

    def teardown(self) -> None:
        self.kv.close()
        self.loop.close()


KVModelComparison.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestKVModelComparison = KVModelComparison.TestCase
