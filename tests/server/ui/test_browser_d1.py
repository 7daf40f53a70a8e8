"""The D1 view in a real browser: databases, tables, schema, rows paged, migrations, console."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.server.ui.served import Served

CONFIG = """\
name = "inspector-test"

[[d1_databases]]
binding = "DB"
database_name = "app"
database_id = "4b7b4a0e-2f7c-4c5e-9d55-0f6b1f8a2c11"
"""
INIT = """\
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  plan TEXT DEFAULT 'free'
);
"""
SEED = """\
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
INSERT INTO users (email) SELECT 'user' || i || '@example.com' FROM n;
"""


def served_with_migrations(serve: Callable[..., Served], tmp_path: Path) -> Served:
    (tmp_path / "wrangler.toml").write_text(CONFIG)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_init.sql").write_text(INIT)
    (migrations / "0002_seed.sql").write_text(SEED)
    return serve("--config", "wrangler.toml", "--apply-migrations")


def test_tables_show_their_schema_and_rows_page_by_page(
    page: Any, expect: Any, serve: Callable[..., Served], tmp_path: Path
) -> None:
    server = served_with_migrations(serve, tmp_path)
    page.goto(server.url + "/")
    page.click("#tab-d1")
    expect(page.locator("#d1-databases .item-title")).to_have_text(["app"])
    expect(page.locator("#d1-databases .item-sub")).to_have_text(["DB"])
    expect(page.locator("#d1-tables .item-title")).to_have_text(["d1_migrations", "users"])
    page.get_by_role("button", name="users").click()
    expect(page.locator("#d1-table-name")).to_have_text("userstable")
    expect(page.locator("#d1-schema tbody tr")).to_have_text(
        ["idINTEGER1", "emailTEXTyes", "planTEXT'free'"]
    )
    page.click("details.sql summary")
    expect(page.locator("#d1-table-sql")).to_contain_text("email TEXT NOT NULL UNIQUE")
    rows = page.locator("#d1-rows tbody tr")
    expect(page.locator("#d1-rows thead th")).to_have_text(["id", "email", "plan"])
    expect(rows).to_have_count(50)
    expect(rows.first).to_have_text("1user1@example.comfree")
    expect(page.locator("#d1-page")).to_have_text("Page 1 · rows 1–50 · 51 rows read")
    page.click("#d1-next")
    expect(rows.first).to_have_text("51user51@example.comfree")
    page.click("#d1-next")
    expect(rows).to_have_count(20)
    expect(page.locator("#d1-page")).to_have_text("Page 3 · rows 101–120 · 20 rows read")
    expect(page.locator("#d1-next")).to_be_disabled()
    page.click("#d1-prev")
    expect(rows.first).to_have_text("51user51@example.comfree")
    page.click("#d1-first")
    expect(rows.first).to_have_text("1user1@example.comfree")


def test_the_migrations_applied_are_listed(
    page: Any, expect: Any, serve: Callable[..., Served], tmp_path: Path
) -> None:
    server = served_with_migrations(serve, tmp_path)
    page.goto(server.url + "/#d1")
    page.click("#pane-migrations")
    expect(page.locator("#migrations-output h3")).to_have_text(
        "2 migrations applied, recorded in d1_migrations"
    )
    cells = page.locator("#migrations-output tbody tr td:nth-child(2)")
    expect(cells).to_have_text(["0001_init.sql", "0002_seed.sql"])


def test_the_console_shows_rows_and_meta_or_the_exact_d1_error(
    page: Any, expect: Any, serve: Callable[..., Served], tmp_path: Path
) -> None:
    server = served_with_migrations(serve, tmp_path)
    page.goto(server.url + "/#d1")
    page.click("#pane-console")
    page.fill("#console-sql", "SELECT count(*) AS n, max(id) AS last FROM users")
    page.click("#console-form button[type=submit]")
    result = page.locator("#console-output .result")
    expect(result.locator("h3")).to_have_text("1 row")
    expect(result.locator("thead th")).to_have_text(["n", "last"])
    expect(result.locator("tbody tr")).to_have_text(["120120"])
    expect(result.locator(".meta dt")).to_contain_text(["rows_read", "rows_written"])

    page.fill("#console-sql", "INSERT INTO users (email) VALUES ('new@example.com'); SELECT 1")
    page.press("#console-sql", "Control+Enter")
    statements = page.locator("#console-output .result")
    expect(statements.locator("h3")).to_have_text(["Statement 1: 0 rows", "Statement 2: 1 row"])
    meta = statements.first.locator(".meta")
    expect(meta.locator("dt:text-is('changes') + dd")).to_have_text("1")
    expect(meta.locator("dt:text-is('last_row_id') + dd")).to_have_text("121")
    assert server.d1_query(
        "4b7b4a0e-2f7c-4c5e-9d55-0f6b1f8a2c11", "SELECT count(*) AS n FROM users"
    )[0]["results"] == [{"n": 121}]

    page.fill("#console-sql", "SELECT * FROM nope")
    page.click("#console-form button[type=submit]")
    expect(page.locator("#console-output .error-title")).to_have_text(
        "Error · HTTP 400 · code 7500"
    )
    expect(page.locator("#console-output .error-text")).to_have_text(
        "D1_ERROR: no such table: nope: SQLITE_ERROR"
    )
    page.fill("#console-sql", "INSERT INTO users (email) VALUES ('user1@example.com')")
    page.click("#console-form button[type=submit]")
    expect(page.locator("#console-output .error-text")).to_have_text(
        "D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT "
        "(extended: SQLITE_CONSTRAINT_UNIQUE)"
    )
