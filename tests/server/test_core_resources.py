"""The Emulator's resources (what the REST API manages) and bindings (names for them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emulator import Emulator, ManualClock
from emulator.core import DuplicateTitleError, EmulatorLayout, default_binding_id
from tests.server.helpers import START


def test_created_resources_get_cloudflare_shaped_random_ids(emu: Emulator) -> None:
    kv = emu.create_resource("kv", "cache")
    d1 = emu.create_resource("d1", "main-db")
    assert re.fullmatch(r"[0-9a-f]{32}", kv.id)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", d1.id)
    assert (kv.title, kv.created_at) == ("cache", START)
    assert emu.create_resource("kv", "other").id != kv.id


def test_titles_are_unique_per_kind(emu: Emulator) -> None:
    emu.create_resource("kv", "shared-title")
    emu.create_resource("d1", "shared-title")
    with pytest.raises(DuplicateTitleError, match="'shared-title' already exists"):
        emu.create_resource("kv", "shared-title")


@pytest.mark.parametrize("title", ["", "   ", "a\nb", "x" * 513])
def test_bad_titles_are_refused(emu: Emulator, title: str) -> None:
    with pytest.raises(ValueError, match="invalid title"):
        emu.create_resource("kv", title)


def test_a_binding_created_in_process_is_titled_after_its_name_even_if_taken(
    emu: Emulator,
) -> None:
    emu.create_resource("kv", "SESSIONS")
    kv = emu.kv("SESSIONS")
    titles = [(r.title, r.id) for r in emu.resources("kv")]
    assert titles[1] == ("SESSIONS", kv.id)
    assert len(titles) == 2


def test_rename_changes_the_title_only(emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    emu.create_resource("kv", "taken")
    renamed = emu.rename_resource("kv", kv.id, "sessions-prod")
    assert (renamed.id, renamed.title) == (kv.id, "sessions-prod")
    assert emu.kv("SESSIONS") is kv
    with pytest.raises(DuplicateTitleError):
        emu.rename_resource("kv", kv.id, "taken")
    with pytest.raises(KeyError, match="no KV resource with id 'nope'"):
        emu.rename_resource("kv", "nope", "x")


def test_a_resource_is_one_object_whichever_way_it_is_reached(emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    assert emu.kv_namespace(kv.id) is kv
    again = emu.bind("kv", "ALIAS", kv.id)
    assert again is kv
    assert emu.bindings_of("kv", kv.id) == ["ALIAS", "SESSIONS"]


def test_unknown_ids_raise_key_error(emu: Emulator) -> None:
    with pytest.raises(KeyError):
        emu.kv_namespace("0" * 32)
    with pytest.raises(KeyError):
        emu.d1_database("0" * 32)
    assert emu.resource("kv", "0" * 32) is None


def test_bind_repoints_a_binding_and_keeps_the_old_data(emu: Emulator) -> None:
    old = emu.kv("SESSIONS")
    old.seed({"k": "old"})
    new = emu.bind("kv", "SESSIONS", "new-id", title="sessions v2")
    assert new is not old
    assert emu.kv("SESSIONS") is new
    assert emu.kv_namespace(old.id).entry("k") is not None
    assert emu.resource("kv", "new-id").title == "sessions v2"
    with pytest.raises(ValueError, match="'SESSIONS' is a KV binding, not D1"):
        emu.bind("d1", "SESSIONS", "x")
    with pytest.raises(ValueError, match="invalid binding id"):
        emu.bind("kv", "SESSIONS", "../x")


def test_delete_removes_data_bindings_and_files(tmp_path: Path) -> None:
    with Emulator(persist_to=tmp_path, clock=ManualClock(start=START)) as emu:
        kv = emu.kv("SESSIONS")
        kv.seed({"k": "v"})
        path = tmp_path / "kv" / f"{kv.id}.sqlite"
        assert path.exists()
        emu.delete_resource("kv", kv.id)
        assert not any(tmp_path.glob(f"kv/{kv.id}*"))
        assert emu.binding_names() == []
        assert emu.resource("kv", kv.id) is None
        with pytest.raises(KeyError):
            emu.delete_resource("kv", kv.id)
        fresh = emu.kv("SESSIONS")
        assert fresh.snapshot() == {}


def test_resources_titles_and_creation_order_survive_a_restart(tmp_path: Path) -> None:
    clock = ManualClock(start=START)
    with Emulator(persist_to=tmp_path, clock=clock) as emu:
        emu.kv("SESSIONS")
        made = [emu.create_resource("kv", title) for title in ("zeta", "alpha", "mid")]
        emu.kv_namespace(made[0].id).seed({"k": "v"})
    with Emulator(persist_to=tmp_path, clock=clock) as reopened:
        assert [r.title for r in reopened.resources("kv")] == ["SESSIONS", "zeta", "alpha", "mid"]
        assert reopened.resources("kv")[1].created_at == START
        assert reopened.kv_namespace(made[0].id).entry("k") is not None
        assert reopened.binding_names() == ["SESSIONS"]


def test_a_registry_without_resources_still_loads(tmp_path: Path) -> None:
    (tmp_path / "emulator.json").write_text(
        json.dumps({"version": 1, "bindings": [{"kind": "kv", "name": "OLD", "id": "abc"}]})
    )
    with Emulator(persist_to=tmp_path) as emu:
        [record] = emu.resources("kv")
        assert (record.id, record.title) == ("abc", "OLD")
        assert emu.kv("OLD").id == "abc"


def test_reset_also_empties_namespaces_without_a_binding(emu: Emulator) -> None:
    unbound = emu.create_resource("kv", "made-over-rest")
    emu.kv_namespace(unbound.id).seed({"k": "v"})
    emu.reset()
    assert emu.kv_namespace(unbound.id).snapshot() == {}


def test_a_layout_sets_the_persistence_folder(tmp_path: Path) -> None:
    layout = EmulatorLayout(tmp_path)
    with Emulator(layout=layout) as emu:
        assert emu.persist_to == tmp_path
        emu.kv("SESSIONS")
    assert (tmp_path / "kv" / f"{default_binding_id('kv', 'SESSIONS')}.sqlite").exists()
    with pytest.raises(ValueError, match="differs from the layout"):
        Emulator(persist_to=tmp_path / "other", layout=layout)
    assert repr(layout) == f"EmulatorLayout({str(tmp_path)!r})"
