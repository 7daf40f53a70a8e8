from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator import D1Database, Emulator, KVNamespace, ManualClock
from emulator.core import default_binding_id


def test_kv_returns_the_same_namespace_for_the_same_name() -> None:
    emu = Emulator()
    assert emu.kv("SESSIONS") is emu.kv("SESSIONS")
    assert isinstance(emu.kv("SESSIONS"), KVNamespace)
    assert emu.kv("SESSIONS") is not emu.kv("OTHER")


def test_d1_returns_the_same_database_for_the_same_name() -> None:
    emu = Emulator()
    assert emu.d1("DB") is emu.d1("DB")
    assert isinstance(emu.d1("DB"), D1Database)


def test_env_gives_attribute_and_item_access_to_bindings() -> None:
    emu = Emulator()
    kv, db = emu.kv("SESSIONS"), emu.d1("DB")
    assert emu.env.SESSIONS is kv
    assert emu.env["DB"] is db
    assert "DB" in emu.env
    assert "NOPE" not in emu.env
    assert list(emu.env) == ["DB", "SESSIONS"]
    assert emu.env.get("NOPE") is None


def test_env_names_the_known_bindings_when_one_is_missing() -> None:
    emu = Emulator()
    emu.kv("SESSIONS")
    with pytest.raises(AttributeError, match=r"no binding named 'NOPE' \(bindings: SESSIONS\)"):
        _ = emu.env.NOPE
    with pytest.raises(KeyError, match="no binding named 'NOPE'"):
        _ = emu.env["NOPE"]


def test_env_is_read_only() -> None:
    emu = Emulator()
    with pytest.raises(AttributeError, match=r"Emulator\.kv\(name\)"):
        emu.env.SESSIONS = object()


def test_a_name_is_either_kv_or_d1() -> None:
    emu = Emulator()
    emu.kv("SHARED")
    with pytest.raises(ValueError, match="'SHARED' is a KV binding, not D1"):
        emu.d1("SHARED")


@pytest.mark.parametrize("name", ["", "1abc", "a-b", "../etc", "a b", "x" * 129])
def test_binding_names_are_identifiers(name: str) -> None:
    with pytest.raises(ValueError, match="invalid binding name"):
        Emulator().kv(name)


@pytest.mark.parametrize("binding_id", ["", "../../etc", "a/b", "-x", "é", "x" * 65])
def test_binding_ids_are_safe_file_names(binding_id: str) -> None:
    with pytest.raises(ValueError, match="invalid binding id"):
        Emulator().kv("NS", id=binding_id)


def test_default_ids_are_stable_per_kind_and_name() -> None:
    assert default_binding_id("kv", "A") == default_binding_id("kv", "A")
    assert default_binding_id("kv", "A") != default_binding_id("d1", "A")
    assert len(default_binding_id("kv", "A")) == 32


def test_explicit_id_must_agree_with_the_registered_one() -> None:
    emu = Emulator()
    emu.kv("NS", id="abc")
    assert emu.kv("NS", id="abc") is emu.kv("NS")
    with pytest.raises(ValueError, match="already has id 'abc'"):
        emu.kv("NS", id="def")


def test_registry_remembers_bindings_across_reopen(tmp_path: Path) -> None:
    with Emulator(persist_to=tmp_path) as emu:
        emu.kv("SESSIONS", id="0f" * 16)
        emu.d1("DB")
    registry = json.loads((tmp_path / "emulator.json").read_text())
    assert registry["bindings"] == [
        {"kind": "d1", "name": "DB", "id": default_binding_id("d1", "DB")},
        {"kind": "kv", "name": "SESSIONS", "id": "0f" * 16},
    ]
    with Emulator(persist_to=tmp_path) as reopened:
        assert reopened.binding_names() == ["DB", "SESSIONS"]
        assert reopened.env.SESSIONS.id == "0f" * 16


def test_a_corrupt_registry_is_reported_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "emulator.json").write_text('{"bindings": [{"kind": "redis"}]}')
    with pytest.raises(ValueError, match=r"emulator\.json is not a valid emulator registry"):
        Emulator(persist_to=tmp_path)


def test_closed_emulator_refuses_new_bindings() -> None:
    emu = Emulator()
    emu.close()
    with pytest.raises(RuntimeError, match="closed"):
        emu.kv("SESSIONS")


def test_emulator_owns_the_clock_it_was_given() -> None:
    clock = ManualClock(start=0)
    assert Emulator(clock=clock).clock is clock
