"""The environment each test gets from a wrangler config: its bindings, by their ids, with
every D1 migration applied to each fresh database; a broken migration stops the run once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import Emulator
from emulator.errors import D1Error
from pytest_plugin.environment import build_emulator
from pytest_plugin.options import Settings

WRANGLER_TOML = """\
name = "shop"

[[kv_namespaces]]
binding = "SESSIONS"
id = "0f2ac74b498b48028cb68387c421e279"

[[d1_databases]]
binding = "DB"
database_name = "shop"
database_id = "7b4b1f5e-8c7a-4c1e-9a4e-1d2c3b4a5f60"
"""


def write_project(root: Path, migrations: dict[str, str]) -> None:
    root.joinpath("wrangler.toml").write_text(WRANGLER_TOML, "utf-8")
    folder = root / "migrations"
    folder.mkdir()
    for name, sql in migrations.items():
        folder.joinpath(name).write_text(sql, "utf-8")
    root.joinpath("pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "cf_wrangler_config = wrangler.toml\n",
        "utf-8",
    )


def test_default_settings_build_the_two_default_bindings() -> None:
    emulator = build_emulator(Settings())
    try:
        assert emulator.binding_names() == ["DB", "SESSIONS"]
    finally:
        emulator.close()


def test_migrations_are_applied_to_every_fresh_database(downstream: pytest.Pytester) -> None:
    write_project(
        downstream.path,
        {
            "0001_products.sql": "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT);",
            "0002_seed.sql": "INSERT INTO products (name) VALUES ('kettle');",
        },
    )
    downstream.makepyfile(
        test_shop="""
        import pytest

        pytestmark = pytest.mark.asyncio

        async def test_migrated(cf_d1):
            rows = await cf_d1.prepare("SELECT name FROM products").raw()
            assert rows == [["kettle"]]
            names = await cf_d1.prepare("SELECT name FROM d1_migrations ORDER BY id").raw()
            assert names == [["0001_products.sql"], ["0002_seed.sql"]]
            await cf_d1.prepare("INSERT INTO products (name) VALUES ('toaster')").run()

        async def test_fresh_again(cf_d1):
            rows = await cf_d1.prepare("SELECT name FROM products").raw()
            assert rows == [["kettle"]]

        async def test_sessions_next_to_migrations(cf_client, cf_session_backend):
            from aiohttp import web
            from emulator import cf

            async def handler(request):
                (await cf.session()).set("cart", ["kettle"])
                return web.Response(text="ok")

            client = await cf_client(handler)
            assert (await client.get("/")).status == 200
        """
    )
    result = downstream.runpytest_inprocess("-p", "no:randomly")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([f"*; migrations {downstream.path.resolve()}/migrations -> DB"])


def test_a_failing_migration_stops_the_run_naming_the_file(
    downstream: pytest.Pytester,
) -> None:
    bad = "CREATE TABLE products (id INTEGER PRIMARY KEY);\nCREAT TABLE oops (x);"
    write_project(downstream.path, {"0001_ok.sql": "SELECT 1;", "0002_bad.sql": bad})
    downstream.makepyfile(test_never_runs="def test_never_runs():\n    raise AssertionError\n")

    # The emulator's own error for that migration: the plugin reports it as it is.
    with Emulator() as emulator, pytest.raises(D1Error) as caught:
        emulator.d1("DB").apply_migrations(downstream.path / "migrations")

    result = downstream.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    config = downstream.path.resolve() / "wrangler.toml"
    assert (
        f"ERROR: {config}: cannot build the test environment: D1Error: {caught.value} "
        "(while applying migration 0002_bad.sql)"
    ) in result.stderr.lines, result.stderr.str()


def test_migrations_are_recorded_in_the_configs_migrations_table(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    folder.joinpath("0001_products.sql").write_text("CREATE TABLE products (id INTEGER);")
    emulator = build_emulator(Settings(migrations=(("DB", folder, "schema_history"),)))
    try:
        tables = emulator.d1("DB").sqlite_utils.table_names()
        assert "products" in tables
        assert "schema_history" in tables
        assert "d1_migrations" not in tables
    finally:
        emulator.close()


def test_a_binding_the_config_does_not_declare_is_refused_with_the_closest_name(
    downstream: pytest.Pytester,
) -> None:
    write_project(downstream.path, {})
    downstream.makepyfile(
        test_typo="""
        import pytest

        def test_typo(cf_emulator):
            with pytest.raises(ValueError) as caught:
                cf_emulator.kv("SESIONS")
            assert str(caught.value) == (
                "binding 'SESIONS' is not declared in wrangler.toml (declared: DB, SESSIONS); "
                "did you mean 'SESSIONS'?"
            )
            assert cf_emulator.binding_names() == ["DB", "SESSIONS"]

        def test_typed_accessors(cf_env):
            assert cf_env.kv("SESSIONS").id == "0f2ac74b498b48028cb68387c421e279"
            with pytest.raises(TypeError):
                cf_env.kv("DB")
        """
    )
    result = downstream.runpytest_inprocess()
    result.assert_outcomes(passed=2)
