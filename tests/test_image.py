"""Images: an emulator's state taken once (``image()``) and restored in place (``restore``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from emulator import Emulator, KVEntry, ManualClock

START = 1_800_000_000


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def seeded(clock: ManualClock) -> AsyncIterator[Emulator]:
    emulator = Emulator(clock=clock)
    emulator.kv("SESSIONS").seed({"a": "1", "b": KVEntry(b"2", {"m": 1}, START + 3600)})
    await emulator.d1("DB").exec(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\nINSERT INTO t (v) VALUES ('x');"
    )
    emulator.kv("CACHE")
    emulator.create_resource("d1", "orphan")
    yield emulator
    emulator.close()


@pytest.fixture
def fresh(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock) as emulator:
        yield emulator


async def test_restore_gives_a_fresh_emulator_the_same_bindings_and_data(
    seeded: Emulator, fresh: Emulator
) -> None:
    fresh.restore(seeded.image())
    assert fresh.binding_names() == ["CACHE", "DB", "SESSIONS"]
    assert fresh.kv("SESSIONS").snapshot() == {
        "a": KVEntry(b"1", None, None),
        "b": KVEntry(b"2", {"m": 1}, START + 3600),
    }
    assert await fresh.d1("DB").prepare("SELECT id, v FROM t").raw() == [[1, "x"]]
    assert [r.title for r in fresh.resources("d1")] == ["DB", "orphan"]
    assert fresh.kv("CACHE").snapshot() == {}


async def test_restore_undoes_what_a_test_changed_and_held_objects_keep_working(
    seeded: Emulator,
) -> None:
    image = seeded.image()
    kv, db = seeded.kv("SESSIONS"), seeded.d1("DB")
    count = db.prepare("SELECT count(*) AS n FROM t")
    await kv.put("c", "3")
    await kv.delete("a")
    await db.exec("INSERT INTO t (v) VALUES ('y');\nCREATE TABLE extra (x);")
    seeded.kv("NEW").seed({"k": "v"})

    seeded.restore(image)

    assert sorted(kv.snapshot()) == ["a", "b"]
    assert await count.first("n") == 1
    assert await db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").raw() == []
    assert seeded.kv("NEW").snapshot() == {}  # not in the image: emptied
    assert db.sqlite_utils["t"].count == 1


async def test_restored_d1_time_functions_and_kv_expiry_follow_the_clock(
    seeded: Emulator, fresh: Emulator, clock: ManualClock
) -> None:
    fresh.restore(seeded.image())
    clock.shift(3600)
    assert await fresh.d1("DB").prepare("SELECT unixepoch() AS now").first("now") == (START + 3600)
    assert sorted(fresh.kv("SESSIONS").snapshot()) == ["a"]


async def test_an_image_is_a_copy_not_a_view(seeded: Emulator, fresh: Emulator) -> None:
    image = seeded.image()
    fresh.restore(image)
    await fresh.kv("SESSIONS").put("later", "x")
    await fresh.d1("DB").exec("DELETE FROM t;")
    fresh.restore(image)
    assert sorted(fresh.kv("SESSIONS").snapshot()) == ["a", "b"]
    assert await fresh.d1("DB").prepare("SELECT count(*) AS n FROM t").first("n") == 1


def test_a_binding_pointing_elsewhere_is_refused_before_anything_changes(
    seeded: Emulator, fresh: Emulator
) -> None:
    fresh.d1("SESSIONS")
    with pytest.raises(ValueError, match=r"^binding 'SESSIONS' is D1") as caught:
        fresh.restore(seeded.image())
    assert str(caught.value) == (
        f"binding 'SESSIONS' is D1 {fresh.records()[0].id!r} here but KV "
        f"{seeded.kv('SESSIONS').id!r} in the image"
    )
    assert fresh.binding_names() == ["SESSIONS"]


def test_a_persisted_emulator_cannot_restore_an_image(seeded: Emulator, tmp_path: Path) -> None:
    with (
        Emulator(persist_to=tmp_path) as persisted,
        pytest.raises(ValueError, match="in-memory") as caught,
    ):
        persisted.restore(seeded.image())
    assert str(caught.value) == "an image can only be restored into an in-memory Emulator"


@pytest.mark.parametrize(
    ("image", "error", "message"),
    [
        ("text", TypeError, "a KV namespace image is bytes, not str"),
        (b"", ValueError, "not a KV namespace image: the bytes are not a SQLite database"),
        (b"x" * 4096, ValueError, "not a KV namespace image: the bytes are not a SQLite database"),
    ],
)
def test_kv_refuses_what_is_not_an_image_and_keeps_its_keys(
    seeded: Emulator, image: object, error: type[Exception], message: str
) -> None:
    kv = seeded.kv("SESSIONS")
    with pytest.raises(error) as caught:
        kv.restore(image)  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert sorted(kv.snapshot()) == ["a", "b"]


async def test_kv_refuses_a_d1_image_and_d1_refuses_garbage(seeded: Emulator) -> None:
    kv, db = seeded.kv("SESSIONS"), seeded.d1("DB")
    with pytest.raises(ValueError, match="schema version") as kv_caught:
        kv.restore(db.image())
    assert str(kv_caught.value) == "not a KV namespace image: schema version 0"
    with pytest.raises(ValueError, match="not a SQLite database") as d1_caught:
        db.restore(b"SQLite format 2\x00" + bytes(200))
    assert str(d1_caught.value) == ("not a D1 database image: the bytes are not a SQLite database")
    assert sorted(kv.snapshot()) == ["a", "b"]
    assert await db.prepare("SELECT v FROM t").raw() == [["x"]]


async def test_a_d1_image_restores_into_another_database(seeded: Emulator) -> None:
    other = seeded.d1("OTHER")
    other.restore(await seeded.d1("DB").dump())
    assert await other.prepare("SELECT v FROM t").raw() == [["x"]]


def test_file_backed_bindings_refuse_to_restore(seeded: Emulator, tmp_path: Path) -> None:
    with Emulator(persist_to=tmp_path) as persisted:
        with pytest.raises(ValueError, match="in-memory KV") as kv_caught:
            persisted.kv("SESSIONS").restore(seeded.kv("SESSIONS").image())
        assert str(kv_caught.value) == (
            "only an in-memory KV namespace can be restored from an image"
        )
        with pytest.raises(ValueError, match="in-memory D1") as d1_caught:
            persisted.d1("DB").restore(seeded.d1("DB").image())
        assert str(d1_caught.value) == (
            "only an in-memory D1 database can be restored from an image"
        )
