"""``Env``'s typed accessors, and the names a wrangler config declares."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator import D1Database, Emulator, KVNamespace
from emulator.wrangler import load_wrangler_config
from tests.plugin.test_environment import WRANGLER_TOML  # KV SESSIONS, D1 DB


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        emulator.kv("CACHE")
        emulator.d1("DB")
        yield emulator


def test_kv_and_d1_return_the_bindings_typed(emu: Emulator) -> None:
    cache: KVNamespace = emu.env.kv("CACHE")
    db: D1Database = emu.env.d1("DB")
    assert cache is emu.kv("CACHE")
    assert db is emu.d1("DB")


def test_kv_refuses_a_d1_binding_and_d1_a_kv_binding(emu: Emulator) -> None:
    with pytest.raises(TypeError) as kv_caught:
        emu.env.kv("DB")
    assert str(kv_caught.value) == "binding 'DB' is a D1 binding, not KV: use env.d1('DB')"
    with pytest.raises(TypeError) as d1_caught:
        emu.env.d1("CACHE")
    assert str(d1_caught.value) == "binding 'CACHE' is a KV binding, not D1: use env.kv('CACHE')"


def test_a_missing_name_suggests_the_closest_binding(emu: Emulator) -> None:
    with pytest.raises(KeyError) as caught:
        emu.env.kv("CAHCE")
    assert caught.value.args[0] == (
        "no binding named 'CAHCE' (bindings: CACHE, DB); did you mean 'CACHE'?; "
        "create it with Emulator.kv(name) or Emulator.d1(name)"
    )
    with pytest.raises(AttributeError) as attribute:
        _ = emu.env.SESSIONS
    assert str(attribute.value) == (
        "no binding named 'SESSIONS' (bindings: CACHE, DB); "
        "create it with Emulator.kv(name) or Emulator.d1(name)"
    )


def test_the_accessors_do_not_create_bindings(emu: Emulator) -> None:
    with pytest.raises(KeyError):
        emu.env.d1("OTHER")
    assert emu.binding_names() == ["CACHE", "DB"]


@pytest.fixture
def configured(tmp_path: Path) -> Iterator[Emulator]:
    tmp_path.joinpath("wrangler.toml").write_text(WRANGLER_TOML, "utf-8")
    with Emulator() as emulator:
        load_wrangler_config(tmp_path / "wrangler.toml").apply(emulator)
        yield emulator


def test_a_config_refuses_a_binding_it_does_not_declare(configured: Emulator) -> None:
    with pytest.raises(ValueError, match=r"^binding 'SESSION' is not declared") as caught:
        configured.kv("SESSION")
    assert str(caught.value) == (
        "binding 'SESSION' is not declared in wrangler.toml (declared: DB, SESSIONS); "
        "did you mean 'SESSIONS'?"
    )
    with pytest.raises(ValueError, match=r"^binding 'ANALYTICS'") as far:
        configured.d1("ANALYTICS")
    assert str(far.value) == (
        "binding 'ANALYTICS' is not declared in wrangler.toml (declared: DB, SESSIONS)"
    )
    assert configured.binding_names() == ["DB", "SESSIONS"]


def test_a_config_keeps_its_declared_bindings_usable(configured: Emulator) -> None:
    assert configured.kv("SESSIONS").id == "0f2ac74b498b48028cb68387c421e279"
    assert configured.d1("DB") is configured.env.d1("DB")


def test_without_a_config_any_name_is_created_on_first_use() -> None:
    with Emulator() as emulator:
        emulator.kv("CAHCE")
        assert emulator.binding_names() == ["CAHCE"]
