"""The KV view in a real browser: namespaces, paging, prefix filter, values, put, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.server.helpers import START
from tests.server.ui.served import Served

KEY_LINKS = "#kv-keys tbody .key-link"


def open_namespace(page: Any, expect: Any, server: Served, title: str) -> None:
    page.goto(server.url + "/")
    page.get_by_role("button", name=title).click()
    expect(page.locator("#kv-title")).to_have_text(title)


def test_namespaces_are_listed_and_keys_are_paged_with_cursors(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = serve()
    sessions = server.kv_namespace("SESSIONS")
    cache = server.kv_namespace("CACHE")
    server.kv_put(cache, "only-in-cache", "x")
    server.kv_bulk(sessions, [{"key": f"user:{i:03}", "value": "v"} for i in range(120)])
    server.kv_put(sessions, "other", "x")
    page.goto(server.url + "/")
    expect(page.locator("#kv-namespaces .item-title")).to_have_text(["SESSIONS", "CACHE"])
    expect(page.locator("#kv-namespaces .item-sub")).to_have_text(["unbound", "unbound"])
    links = page.locator(KEY_LINKS)
    expect(links).to_have_count(50)
    expect(links.first).to_have_text("other")
    page.fill("#kv-prefix", "user:")
    page.click("#kv-filter button[type=submit]")
    expect(links.first).to_have_text("user:000")
    expect(page.locator("#kv-page")).to_have_text("Page 1 · keys 1–50")
    expect(page.locator("#kv-prev")).to_be_disabled()
    page.click("#kv-next")
    expect(links.first).to_have_text("user:050")
    page.click("#kv-next")
    expect(links).to_have_count(20)
    expect(links.last).to_have_text("user:119")
    expect(page.locator("#kv-page")).to_have_text("Page 3 · keys 101–120")
    expect(page.locator("#kv-next")).to_be_disabled()
    page.click("#kv-prev")
    expect(links.first).to_have_text("user:050")
    page.click("#kv-first")
    expect(links.first).to_have_text("user:000")
    page.select_option("#kv-limit", "25")
    page.fill("#kv-prefix", "user:11")
    page.click("#kv-filter button[type=submit]")
    expect(links).to_have_text([f"user:{i}" for i in range(110, 120)])
    page.fill("#kv-prefix", "nobody")
    page.click("#kv-filter button[type=submit]")
    expect(page.locator("#kv-empty")).to_have_text("No key starts with this prefix.")
    page.get_by_role("button", name="CACHE").click()
    expect(page.locator("#kv-empty")).to_have_text("No key starts with this prefix.")
    page.fill("#kv-prefix", "")
    page.click("#kv-filter button[type=submit]")
    expect(links).to_have_text(["only-in-cache"])


def test_a_key_shows_its_value_metadata_and_expiration(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = serve()
    server.clock(move_to=START, freeze=True)
    ns = server.kv_namespace("SESSIONS")
    server.kv_put(ns, "json", '{"name":"ada","roles":["admin"]}', metadata={"v": 2**60 + 1})
    server.kv_put(ns, "text", "hello\nworld", expiration_ttl=3600)
    server.kv_put(ns, "blob", b"\x00\x01\xfeKV")
    open_namespace(page, expect, server, "SESSIONS")
    expect(page.locator(KEY_LINKS)).to_have_text(["blob", "json", "text"])
    expires = page.locator("#kv-keys tbody tr").nth(2).locator("td")
    expect(expires.nth(1)).to_have_text("2027-01-15 09:00:00 UTC")
    expect(expires.nth(2)).to_have_text("1 h 0 min")

    page.get_by_role("button", name="json", exact=True).click()
    expect(page.locator("#kv-entry-name")).to_have_text("json")
    expect(page.locator("#kv-entry-kind")).to_have_text("JSON")
    expect(page.locator("#kv-entry-value")).to_have_text(
        '{\n  "name": "ada",\n  "roles": [\n    "admin"\n  ]\n}'
    )
    expect(page.locator("#kv-entry-metadata")).to_have_text('{\n  "v": 1152921504606846977\n}')
    expect(page.locator("#kv-entry-expires")).to_have_text("never")

    page.get_by_role("button", name="text", exact=True).click()
    expect(page.locator("#kv-entry-kind")).to_have_text("text")
    expect(page.locator("#kv-entry-value")).to_have_text("hello\nworld")
    expect(page.locator("#kv-entry-metadata")).to_have_text("none")
    expect(page.locator("#kv-entry-expires")).to_have_text("2027-01-15 09:00:00 UTC (1800003600)")
    expect(page.locator("#kv-entry-left")).to_have_text("1 h 0 min")

    page.get_by_role("button", name="blob", exact=True).click()
    expect(page.locator("#kv-entry-kind")).to_have_text("binary")
    expect(page.locator("#kv-entry-size")).to_have_text("5 B")
    expect(page.locator("#kv-entry-value")).to_have_text(
        "00000000  00 01 fe 4b 56                                   ...KV"
    )


def test_keys_are_put_and_deleted_from_the_page(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = serve()
    server.clock(move_to=START, freeze=True)
    ns = server.kv_namespace("SESSIONS")
    server.kv_put(ns, "existing", "old")
    open_namespace(page, expect, server, "SESSIONS")

    page.click("#kv-new")
    page.fill("#kv-put-key", "new/key")
    page.fill("#kv-put-value", "fresh value")
    page.fill("#kv-put-metadata", '{"by": "ui"}')
    page.select_option("#kv-put-expiry", "expiration_ttl")
    page.fill("#kv-put-expiry-value", "10")
    page.click("#kv-put button[type=submit]")
    expect(page.locator("#kv-put-error")).to_have_text(
        "Invalid expiration_ttl of 10. Expiration TTL must be at least 60."
    )
    assert server.kv_keys(ns) == ["existing"]  # a refused put writes nothing

    page.fill("#kv-put-expiry-value", "120")
    page.click("#kv-put button[type=submit]")
    expect(page.locator(KEY_LINKS)).to_have_text(["existing", "new/key"])
    expect(page.locator("#kv-entry-name")).to_have_text("new/key")
    expect(page.locator("#kv-entry-value")).to_have_text("fresh value")
    expect(page.locator("#kv-entry-metadata")).to_have_text('{\n  "by": "ui"\n}')
    expect(page.locator("#kv-entry-left")).to_have_text("2 min 0 s")
    assert server.kv_keys(ns) == ["existing", "new/key"]

    page.get_by_role("button", name="existing").click()
    page.click("#kv-edit")
    expect(page.locator("#kv-put-value")).to_have_value("old")
    page.fill("#kv-put-value", "edited")
    page.click("#kv-put button[type=submit]")
    expect(page.locator("#kv-entry-value")).to_have_text("edited")

    page.click("#kv-new")
    page.fill("#kv-put-key", "upload")
    page.set_input_files(
        "#kv-put-file",
        files=[{"name": "a.bin", "mimeType": "application/octet-stream", "buffer": b"\x00\xffPNG"}],
    )
    page.select_option("#kv-put-expiry", "expiration")
    page.click("#kv-put button[type=submit]")
    expect(page.locator("#kv-put-error")).to_have_text("Enter the expiration, or choose Never.")
    page.select_option("#kv-put-expiry", "none")
    page.click("#kv-put button[type=submit]")
    expect(page.locator("#kv-entry-kind")).to_have_text("binary")
    expect(page.locator("#kv-entry-size")).to_have_text("5 B")
    assert server.kv_keys(ns) == ["existing", "new/key", "upload"]

    page.get_by_role("button", name="existing").click()
    page.click("#kv-delete")
    expect(page.locator("#kv-delete")).to_have_text("Confirm delete")
    assert server.kv_keys(ns) == ["existing", "new/key", "upload"]  # one click deletes nothing
    page.click("#kv-delete")
    expect(page.locator(KEY_LINKS)).to_have_text(["new/key", "upload"])
    expect(page.locator("#kv-entry-empty")).to_have_text("Select a key to see its value.")
    assert server.kv_keys(ns) == ["new/key", "upload"]


def test_a_refresh_in_the_background_keeps_the_put_form_and_an_armed_delete(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = serve()
    ns = server.kv_namespace("SESSIONS")
    server.kv_put(ns, "a", "1")
    open_namespace(page, expect, server, "SESSIONS")
    page.get_by_role("button", name="a", exact=True).click()
    page.click("#kv-edit")
    page.fill("#kv-put-value", "typed, not yet put")
    server.kv_put(ns, "b", "2")  # the page refreshes while the form is open
    expect(page.locator(KEY_LINKS)).to_have_text(["a", "b"])
    expect(page.locator("#kv-put")).to_be_visible()
    expect(page.locator("#kv-entry")).to_be_hidden()
    expect(page.locator("#kv-put-value")).to_have_value("typed, not yet put")
    page.click("#kv-put-cancel")
    expect(page.locator("#kv-entry-value")).to_have_text("1")

    page.click("#kv-delete")
    server.kv_put(ns, "c", "3")
    expect(page.locator(KEY_LINKS)).to_have_text(["a", "b", "c"])
    expect(page.locator("#kv-delete")).to_have_text("Confirm delete")
    page.click("#kv-delete")
    expect(page.locator(KEY_LINKS)).to_have_text(["b", "c"])

    page.get_by_role("button", name="b", exact=True).click()
    page.click("#kv-delete")
    page.get_by_role("button", name="c", exact=True).click()  # another key disarms
    expect(page.locator("#kv-delete")).to_have_text("Delete")
    assert server.kv_keys(ns) == ["b", "c"]
