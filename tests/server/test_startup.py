"""Start-up: one-line mistakes with exit status 2, the layout guess, what the banner reports."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from emulator.server.cli import READY_PREFIX
from tests.server.processes import Serve, run_command

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

CONFIG = '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "notes"\ndatabase_id = "db-1"\n'


def refused(tmp_path: Path, *args: str) -> str:
    """Run ``serve ARGS``; check it stopped before listening with status 2; return stderr."""
    result = run_command("serve", "--port", "0", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert READY_PREFIX not in result.stdout
    assert result.stderr.count("\n") == 1, "one line"
    return result.stderr


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_a_port_out_of_range_is_one_line(tmp_path: Path, port: str) -> None:
    result = run_command("serve", "--port", port, cwd=tmp_path)
    assert result.returncode == 2
    expected = {
        "70000": "70000 is out of range: use 1-65535, or 0 for any",
        "-1": "-1 is out of range: use 1-65535, or 0 for any",
        "http": "'http' is not a port number",
    }[port]
    assert result.stderr == (
        f"python -m emulator serve: error: argument --port: {expected} (see --help)\n"
    )


def test_persist_to_naming_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    assert refused(tmp_path, "--persist-to", "notes.txt") == (
        "error: --persist-to notes.txt is a file: give a folder (it is created)\n"
    )


def test_apply_migrations_without_a_config_is_one_line(tmp_path: Path) -> None:
    assert refused(tmp_path, "--apply-migrations") == (
        "error: --apply-migrations needs --config naming the wrangler config\n"
    )


def test_apply_migrations_with_a_missing_migrations_dir_is_refused(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text(CONFIG + 'migrations_dir = "db/migrations"\n')
    assert refused(tmp_path, "--config", "wrangler.toml", "--apply-migrations") == (
        "error: --apply-migrations: D1 binding DB's migrations_dir db/migrations does not "
        "exist (set migrations_dir in wrangler.toml)\n"
    )


def test_a_failing_migration_is_one_line_and_rolled_back(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text(CONFIG)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_init.sql").write_text("CREATE TABLE notes (body TEXT);")
    (migrations / "0002_bad.sql").write_text(
        "INSERT INTO notes VALUES ('half');\nINSERT INTO nope VALUES (1);"
    )
    data = tmp_path / "data"
    assert refused(
        tmp_path, "--config", "wrangler.toml", "--apply-migrations", "--persist-to", "data"
    ) == (
        "error: --apply-migrations: migration 0002_bad.sql of D1 binding DB failed and was "
        "rolled back: D1_ERROR: no such table: nope: SQLITE_ERROR\n"
    )
    # The first migration stayed applied, nothing of the second did; and the folder is free.
    select = "SELECT (SELECT count(*) FROM notes) AS rows, group_concat(name) AS names "
    select += "FROM d1_migrations"
    out = run_command(
        "d1",
        "execute",
        "DB",
        "--command",
        select,
        "--json",
        "--persist-to",
        str(data),
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert '"rows": 0' in out.stdout
    assert '"names": "0001_init.sql"' in out.stdout


def test_the_migrations_applied_are_printed(tmp_path: Path, servers: list[Serve]) -> None:
    (tmp_path / "wrangler.toml").write_text(CONFIG)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_init.sql").write_text("CREATE TABLE notes (body TEXT);")
    (migrations / "0002_more.sql").write_text("ALTER TABLE notes ADD COLUMN at TEXT;")
    server = Serve("--port", "0", "--config", "wrangler.toml", "--apply-migrations", cwd=tmp_path)
    servers.append(server)
    banner = server.banner()
    assert "  migrations applied to DB: 0001_init.sql, 0002_more.sql" in banner


def test_a_folder_holding_both_layouts_is_refused_asking_for_layout(
    tmp_path: Path, servers: list[Serve]
) -> None:
    state = tmp_path / "s"
    for layout in ("wrangler", "emulator"):
        made = run_command(
            "kv",
            "namespace",
            "create",
            layout,
            "--persist-to",
            "s",
            "--layout",
            layout,
            cwd=tmp_path,
        )
        assert made.returncode == 0, made.stderr
    assert (state / "v3").is_dir()
    assert (state / "emulator.json").is_file()
    assert refused(tmp_path, "--persist-to", "s") == (
        "error: s holds both the emulator's files (emulator.json) and wrangler's (v3/): "
        "pass --layout emulator or --layout wrangler\n"
    )
    chosen = Serve("--port", "0", "--persist-to", "s", "--layout", "emulator", cwd=tmp_path)
    servers.append(chosen)
    assert f"  state: {state.resolve()} (emulator layout): 1 KV namespace, 0 D1 databases" in (
        chosen.banner()
    )


def test_the_banner_says_which_layout_was_guessed_and_what_it_found(
    tmp_path: Path, servers: list[Serve]
) -> None:
    (tmp_path / "wrangler.toml").write_text(
        CONFIG + '[[kv_namespaces]]\nbinding = "CACHE"\nid = "0123456789abcdef0123456789abcdef"\n'
    )
    state = tmp_path / ".wrangler" / "state"
    (state / "v3").mkdir(parents=True)
    server = Serve(
        "--port",
        "0",
        "--persist-to",
        ".wrangler/state",
        "--config",
        "wrangler.toml",
        cwd=tmp_path,
    )
    servers.append(server)
    assert (
        f"  state: {(state / 'v3').resolve()} (wrangler's layout): 1 KV namespace, "
        "1 D1 database; wrangler's files for 1 KV namespace, 1 D1 database"
    ) in server.banner()
