"""Every piece of user data renders as text: an XSS attempt in every field, in a browser.

The checks look at the DOM itself (no <img> or extra <script> element, no on* attribute),
not only at whether a script ran: the page's Content-Security-Policy would stop inline
scripts anyway, and must not be what hides an escaping bug.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.server.ui.served import Served

PAYLOAD = '<img src=x onerror="window.__xss=1;alert(1)">\'<script>window.__xss=2</script>&amp;'
ODD = "\u202e\u200b"  # a right-to-left override and a zero-width space
ODD_SHOWN = "[U+202E][U+200B]"
DOM_CHECK = """() => ({
    xss: window.__xss ?? null,
    images: document.querySelectorAll("img, iframe, object, embed").length,
    scripts: [...document.scripts].map((script) => new URL(script.src).pathname),
    handlers: [...document.querySelectorAll("*")].flatMap((element) =>
        [...element.attributes].filter((a) => a.name.startsWith("on")).map((a) => a.name)),
})"""


TRACKING = PAYLOAD + "_migrations"


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def assert_nothing_ran(page: Any) -> None:
    assert page.evaluate(DOM_CHECK) == {
        "xss": None,
        "images": 0,
        "scripts": ["/__emulator/ui/static/inspector.js"],
        "handlers": [],
    }


def test_payloads_in_every_kv_field_render_as_text(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = serve()
    ns = server.kv_namespace(PAYLOAD)
    server.kv_put(ns, PAYLOAD + ODD, PAYLOAD, metadata={"html": PAYLOAD})
    server.kv_put(ns, "json", json.dumps({"html": PAYLOAD}), expiration_ttl=3600)
    server.kv_put(ns, "lines\nand\ttabs", b"\xff" + PAYLOAD.encode())
    page.goto(server.url + "/")
    expect(page.locator("#kv-namespaces .item-title")).to_have_text([PAYLOAD])
    expect(page.locator("#kv-title")).to_have_text(PAYLOAD)
    links = page.locator("#kv-keys tbody .key-link")
    expect(links).to_have_text([PAYLOAD + ODD_SHOWN, "json", "lines[U+000A]and[U+0009]tabs"])
    compact = json.dumps({"html": PAYLOAD}, separators=(",", ":"))
    metadata_cell = page.locator("#kv-keys tbody td.metadata").first
    expect(metadata_cell).to_have_text(compact[:79] + "…")  # long metadata is cut in the list
    expect(metadata_cell).to_have_attribute("title", compact)

    links.first.click()
    expect(page.locator("#kv-entry-name")).to_have_text(PAYLOAD + ODD_SHOWN)
    expect(page.locator("#kv-entry-value")).to_have_text(PAYLOAD)
    expect(page.locator("#kv-entry-metadata")).to_have_text(json.dumps({"html": PAYLOAD}, indent=2))
    links.nth(1).click()
    expect(page.locator("#kv-entry-value")).to_have_text(json.dumps({"html": PAYLOAD}, indent=2))
    links.nth(2).click()
    expect(page.locator("#kv-entry-kind")).to_have_text("binary")
    expect(page.locator("#kv-entry-value")).to_contain_text(".<img src=x oner")

    page.click("#kv-edit")  # the form is filled with the key's data, as values
    expect(page.locator("#kv-put-key")).to_have_value("lines\nand\ttabs")
    expect(page.locator("#kv-put-value")).to_have_value("")  # binary: not editable as text
    expect(page.locator("#kv-put-note")).to_be_visible()
    page.click("#kv-put-cancel")
    links.first.click()
    page.click("#kv-edit")
    expect(page.locator("#kv-put-value")).to_have_value(PAYLOAD)
    page.fill("#kv-put-key", PAYLOAD + "2")
    page.click("#kv-put button[type=submit]")
    expect(page.locator("#kv-entry-name")).to_have_text(PAYLOAD + "2")

    page.fill("#clock-move", PAYLOAD)  # the server's answer echoes the input
    page.click("#clock-move-form button[type=submit]")
    expect(page.locator("#clock-error")).to_have_text(
        f"move_to must be epoch seconds or ISO-8601, not {PAYLOAD!r}"
    )
    assert_nothing_ran(page)


def test_payloads_in_every_d1_field_render_as_text(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = serve()
    db = server.d1_database(PAYLOAD)
    server.d1_query(
        db, f"CREATE TABLE {quoted(PAYLOAD)} ({quoted(PAYLOAD + ODD)} TEXT DEFAULT 'x')"
    )
    server.d1_query(
        db, f"INSERT INTO {quoted(PAYLOAD)} VALUES ('{PAYLOAD.replace(chr(39), chr(39) * 2)}')"
    )
    # A tracking table (wrangler's shape, under a custom migrations_table name).
    server.d1_query(
        db,
        f"CREATE TABLE {quoted(TRACKING)} (id INTEGER PRIMARY KEY, name TEXT, applied_at TEXT); "
        f"INSERT INTO {quoted(TRACKING)} (name, applied_at) VALUES ({literal(PAYLOAD)}, 'now')",
    )
    page.goto(server.url + "/#d1")
    expect(page.locator("#d1-databases .item-title")).to_have_text([PAYLOAD])
    expect(page.locator("#d1-title")).to_have_text(PAYLOAD)
    expect(page.locator("#d1-tables .item-title")).to_have_text([PAYLOAD, TRACKING])
    expect(page.locator("#d1-table-name")).to_have_text(PAYLOAD + "table")
    expect(page.locator("#d1-schema tbody td").first).to_have_text(PAYLOAD + ODD_SHOWN)
    expect(page.locator("#d1-rows thead th")).to_have_text([PAYLOAD + ODD_SHOWN])
    expect(page.locator("#d1-rows tbody td")).to_have_text([PAYLOAD])
    page.click("details.sql summary")
    expect(page.locator("#d1-table-sql")).to_contain_text(f"CREATE TABLE {quoted(PAYLOAD)}")

    page.click("#pane-migrations")
    expect(page.locator("#migrations-output h3")).to_have_text(
        f"1 migration applied, recorded in {TRACKING}"
    )
    expect(page.locator("#migrations-output tbody td").nth(1)).to_have_text(PAYLOAD)

    page.click("#pane-console")
    page.fill("#console-sql", f"SELECT {literal(PAYLOAD)} AS {quoted(PAYLOAD)}")
    page.click("#console-form button[type=submit]")
    expect(page.locator("#console-output thead th")).to_have_text([PAYLOAD])
    expect(page.locator("#console-output tbody td")).to_have_text([PAYLOAD])
    page.fill("#console-sql", f"SELECT * FROM {quoted(PAYLOAD + 'missing')}")
    page.click("#console-form button[type=submit]")
    expect(page.locator("#console-output .error-text")).to_have_text(
        f"D1_ERROR: no such table: {PAYLOAD}missing: SQLITE_ERROR"
    )
    assert_nothing_ran(page)
