"""``connect()``: an env of remote bindings from a wrangler config or a mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.remote import RemoteD1Database, RemoteEnv, RemoteKVNamespace, connect
from emulator.wrangler import WranglerConfigError

CONFIG = """
name = "app"

[[kv_namespaces]]
binding = "SESSIONS"
id = "kv-production"
preview_id = "kv-preview"

[[d1_databases]]
binding = "DB"
database_name = "app"
database_id = "d1-production"
preview_database_id = "d1-preview"

[env.staging]
kv_namespaces = [{ binding = "CACHE", id = "kv-staging" }]
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "wrangler.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "account-from-env")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "token-from-env")
    monkeypatch.delenv("CLOUDFLARE_BASE_URL", raising=False)


@pytest.mark.usefixtures("credentials")
async def test_a_config_binds_production_ids_with_credentials_from_the_environment(
    config: Path,
) -> None:
    async with connect(config) as env:
        assert isinstance(env, RemoteEnv)
        assert isinstance(env.SESSIONS, RemoteKVNamespace)
        assert env.SESSIONS.id == "kv-production"
        assert env["DB"].id == "d1-production"
        assert env.kv("SESSIONS") is env.SESSIONS
        assert env.d1("DB") is env["DB"]
        assert "DB" in env
        assert "NOPE" not in env
        assert list(env) == ["DB", "SESSIONS"]
        assert env.get("NOPE") is None
        assert repr(env) == "RemoteEnv(DB, SESSIONS; https://api.cloudflare.com/client/v4)"


@pytest.mark.usefixtures("credentials")
async def test_an_environment_section_has_its_own_bindings(config: Path) -> None:
    async with connect(config, env="staging", base_url="http://127.0.0.1:1/client/v4/") as env:
        assert list(env) == ["CACHE"]
        assert env.CACHE.id == "kv-staging"
        assert repr(env) == "RemoteEnv(CACHE; http://127.0.0.1:1/client/v4)"


@pytest.mark.usefixtures("credentials")
async def test_explicit_bindings_add_to_the_config(config: Path) -> None:
    async with connect(config, bindings={"EXTRA": ("d1", "other")}) as env:
        assert isinstance(env.EXTRA, RemoteD1Database)
        assert list(env) == ["DB", "EXTRA", "SESSIONS"]


async def test_typed_accessors_refuse_the_other_kind_and_unknown_names() -> None:
    env = connect(bindings={"KV": ("kv", "a"), "DB": ("d1", "b")}, account_id="x", api_token="t")
    with pytest.raises(TypeError) as wrong:
        env.kv("DB")
    assert str(wrong.value) == "binding 'DB' is a D1 binding, not KV"
    with pytest.raises(TypeError) as other:
        env.d1("KV")
    assert str(other.value) == "binding 'KV' is a KV binding, not D1"
    with pytest.raises(KeyError) as missing:
        env.kv("NOPE")
    assert missing.value.args[0] == "no binding named 'NOPE' (bindings: DB, KV)"
    with pytest.raises(AttributeError, match="no binding named 'NOPE'"):
        _ = env.NOPE
    with pytest.raises(AttributeError):
        env.KV = "x"  # type: ignore[assignment]
    await env.aclose()


def test_missing_credentials_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID", raising=False)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "t")
    with pytest.raises(ValueError, match="account id") as caught:
        connect(bindings={"KV": ("kv", "a")})
    assert str(caught.value) == "no account id: pass it to connect() or set CLOUDFLARE_ACCOUNT_ID"


@pytest.mark.usefixtures("credentials")
def test_a_bad_binding_spec_is_refused() -> None:
    with pytest.raises(ValueError, match="must be") as caught:
        connect(bindings={"KV": ("r2", "a")})  # type: ignore[dict-item]
    assert str(caught.value) == "binding 'KV' must be ('kv' | 'd1', id), not ('r2', 'a')"


@pytest.mark.usefixtures("credentials")
def test_without_config_or_bindings_the_working_directory_config_is_used(
    config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    env = connect()
    assert list(env) == ["DB", "SESSIONS"]  # no request was made: nothing to close


@pytest.mark.usefixtures("credentials")
def test_a_bad_config_raises_wranglers_error(tmp_path: Path) -> None:
    with pytest.raises(WranglerConfigError):
        connect(tmp_path / "missing.toml")
