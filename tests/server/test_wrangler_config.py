"""wrangler.toml / wrangler.json / wrangler.jsonc: the KV and D1 bindings, by local id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator import Emulator
from emulator.wrangler import (
    D1DatabaseConfig,
    KVNamespaceConfig,
    WranglerConfigError,
    find_wrangler_config,
    load_wrangler_config,
    parse_jsonc,
)

TOML = """
name = "my-worker"

[[kv_namespaces]]
binding = "SESSIONS"
id = "0123456789abcdef0123456789abcdef"
preview_id = "preview-kv"

[[kv_namespaces]]
binding = "CACHE"

[[d1_databases]]
binding = "DB"
database_name = "my-db"
database_id = "11111111-2222-3333-4444-555555555555"
migrations_dir = "sql/migrations"

[[d1_databases]]
binding = "PREVIEWED"
database_name = "other"
database_id = "aaaaaaaa-0000-0000-0000-000000000000"
preview_database_id = "bbbbbbbb-0000-0000-0000-000000000000"
migrations_table = "schema_history"

[env.staging]
kv_namespaces = [{ binding = "SESSIONS", id = "staging-kv" }]
"""

JSONC = """{
  // the worker
  "name": "my-worker", /* inline */
  "kv_namespaces": [
    { "binding": "SESSIONS", "id": "0123456789abcdef0123456789abcdef", },
  ],
  "d1_databases": [
    { "binding": "DB", "database_name": "my-db",
      "database_id": "11111111-2222-3333-4444-555555555555" },
  ],
  "vars": { "URL": "https://x.test/*not a comment*/", "SLASHES": "a//b", "Q": "say \\"hi\\", ok" },
}"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_reads_kv_and_d1_bindings_from_toml(tmp_path: Path) -> None:
    config = load_wrangler_config(write(tmp_path, "wrangler.toml", TOML))
    assert config.name == "my-worker"
    assert config.env is None
    assert config.kv_namespaces == (
        KVNamespaceConfig("SESSIONS", "0123456789abcdef0123456789abcdef", "preview-kv"),
        KVNamespaceConfig("CACHE", "CACHE", None),
    )
    db, previewed = config.d1_databases
    assert db == D1DatabaseConfig(
        binding="DB",
        database_id="11111111-2222-3333-4444-555555555555",
        database_name="my-db",
        migrations_dir=tmp_path / "sql/migrations",
    )
    assert previewed.migrations_dir == tmp_path / "migrations"
    assert (db.migrations_table, previewed.migrations_table) == (None, "schema_history")


def test_local_ids_are_wranglers(tmp_path: Path) -> None:
    config = load_wrangler_config(write(tmp_path, "wrangler.toml", TOML))
    # wrangler dev / --local: KV uses id (else the binding); D1 the preview id, else its id.
    assert [kv.local_id for kv in config.kv_namespaces] == [
        "0123456789abcdef0123456789abcdef",
        "CACHE",
    ]
    assert [db.local_id for db in config.d1_databases] == [
        "11111111-2222-3333-4444-555555555555",
        "bbbbbbbb-0000-0000-0000-000000000000",
    ]


def test_an_environment_has_only_its_own_bindings(tmp_path: Path) -> None:
    config = load_wrangler_config(write(tmp_path, "wrangler.toml", TOML), env="staging")
    assert config.env == "staging"
    assert config.kv_namespaces == (KVNamespaceConfig("SESSIONS", "staging-kv"),)
    assert config.d1_databases == ()


def test_reads_jsonc_with_comments_and_trailing_commas(tmp_path: Path) -> None:
    config = load_wrangler_config(write(tmp_path, "wrangler.jsonc", JSONC))
    assert [kv.binding for kv in config.kv_namespaces] == ["SESSIONS"]
    assert config.d1_databases[0].database_name == "my-db"


def test_jsonc_keeps_comment_lookalikes_inside_strings() -> None:
    text = JSONC.replace("// the worker", "")
    assert parse_jsonc(text)["vars"] == {
        "URL": "https://x.test/*not a comment*/",
        "SLASHES": "a//b",
        "Q": 'say "hi", ok',
    }


def test_jsonc_errors_point_at_the_original_line() -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        parse_jsonc('{\n  // comment\n  "a": oops\n}')
    assert caught.value.lineno == 3
    with pytest.raises(json.JSONDecodeError, match="unterminated /\\* comment"):
        parse_jsonc("{ /* never closed")


def test_reads_plain_json(tmp_path: Path) -> None:
    path = write(tmp_path, "wrangler.json", json.dumps({"kv_namespaces": [{"binding": "A"}]}))
    assert load_wrangler_config(path).kv_namespaces == (KVNamespaceConfig("A", "A"),)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("wrangler.toml", "kv_namespaces = [", "is not valid"),
        ("wrangler.jsonc", "{,}", "is not valid"),
        ("wrangler.json", "[1]", "the top level must be a table/object"),
        ("wrangler.toml", 'kv_namespaces = "x"', "kv_namespaces must be an array of tables"),
        (
            "wrangler.toml",
            "[[kv_namespaces]]\nid = 'x'",
            r"kv_namespaces\[0\] needs a non-empty string 'binding'",
        ),
        (
            "wrangler.toml",
            "[[d1_databases]]\nbinding = 'DB'\ndatabase_id = 5",
            r"d1_databases\[0\] needs a non-empty string 'database_id'",
        ),
        ("wrangler.toml", "[env.prod]\n", r"no environment 'staging' \(environments: prod\)"),
    ],
)
def test_malformed_configs_say_what_to_fix(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = write(tmp_path, name, text)
    env = "staging" if "env." in text else None
    with pytest.raises(WranglerConfigError, match=message) as caught:
        load_wrangler_config(path, env=env)
    assert str(path) in str(caught.value)


def test_a_missing_config_is_reported(tmp_path: Path) -> None:
    with pytest.raises(WranglerConfigError, match="cannot read wrangler config"):
        load_wrangler_config(tmp_path / "wrangler.toml")


def test_find_picks_what_wrangler_picks(tmp_path: Path) -> None:
    assert find_wrangler_config(tmp_path) is None
    write(tmp_path, "wrangler.toml", "")
    assert find_wrangler_config(tmp_path) == tmp_path / "wrangler.toml"
    write(tmp_path, "wrangler.jsonc", "{}")
    assert find_wrangler_config(tmp_path) == tmp_path / "wrangler.jsonc"
    write(tmp_path, "wrangler.json", "{}")
    assert find_wrangler_config(tmp_path) == tmp_path / "wrangler.json"


def test_apply_binds_every_namespace_and_database_by_local_id(tmp_path: Path) -> None:
    config = load_wrangler_config(write(tmp_path, "wrangler.toml", TOML))
    with Emulator() as emu:
        config.apply(emu)
        assert emu.kv("SESSIONS").id == "0123456789abcdef0123456789abcdef"
        assert emu.d1("PREVIEWED").id == "bbbbbbbb-0000-0000-0000-000000000000"
        titles = {r.id: r.title for r in emu.resources("d1")}
        assert titles["11111111-2222-3333-4444-555555555555"] == "my-db"
        config.apply(emu)  # idempotent
        assert emu.binding_names() == ["CACHE", "DB", "PREVIEWED", "SESSIONS"]


def test_apply_reports_ids_the_emulator_cannot_use(tmp_path: Path) -> None:
    path = write(tmp_path, "wrangler.toml", '[[kv_namespaces]]\nbinding = "KV"\nid = "../x"\n')
    with Emulator() as emu, pytest.raises(WranglerConfigError, match="invalid binding id"):
        load_wrangler_config(path).apply(emu)
