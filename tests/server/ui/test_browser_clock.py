"""The clock and freshness in a real browser: moving time, expiry, updates without reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.server.helpers import START
from tests.server.ui.served import Served

KEY_LINKS = "#kv-keys tbody .key-link"


def frozen_server(serve: Callable[..., Served]) -> Served:
    server = serve()
    server.clock(freeze=True)
    server.clock(move_to=START)
    return server


def mark_page(page: Any) -> None:
    """Tag the loaded document: the tag survives only if the page is never reloaded."""
    page.evaluate("window.__loadedOnce = true")


def assert_not_reloaded(page: Any) -> None:
    assert page.evaluate("window.__loadedOnce") is True


def test_the_clock_is_shown_and_moved_and_expired_keys_disappear(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = frozen_server(serve)
    ns = server.kv_namespace("SESSIONS")
    server.kv_put(ns, "short", "v", expiration_ttl=60)
    server.kv_put(ns, "long", "v", expiration_ttl=7200)
    server.kv_put(ns, "forever", "v")
    page.goto(server.url + "/")
    mark_page(page)
    clock = page.locator("#clock-time")
    expect(clock).to_have_text("2027-01-15 08:00:00 UTC")
    expect(page.locator("#clock-mode")).to_have_text("frozen")
    expect(page.locator(KEY_LINKS)).to_have_text(["forever", "long", "short"])
    page.get_by_role("button", name="short").click()
    expect(page.locator("#kv-entry-left")).to_have_text("1 min 0 s")

    page.click("[data-shift='60']")
    expect(clock).to_have_text("2027-01-15 08:01:00 UTC")
    expect(page.locator(KEY_LINKS)).to_have_text(["forever", "long"])
    expect(page.locator("#kv-entry-empty")).to_have_text(
        "“short” is gone: it was deleted or it expired."
    )
    expect(page.locator("#kv-keys tbody tr").nth(1).locator("td").nth(2)).to_have_text("1 h 59 min")

    page.fill("#clock-move", "2027-01-15T10:00:00Z")
    page.click("#clock-move-form button[type=submit]")
    expect(clock).to_have_text("2027-01-15 10:00:00 UTC")
    expect(page.locator(KEY_LINKS)).to_have_text(["forever"])

    page.fill("#clock-shift", "-3600")
    page.click("#clock-shift-form button[type=submit]")
    expect(clock).to_have_text("2027-01-15 09:00:00 UTC")
    page.fill("#clock-move", "1800086400")
    page.click("#clock-move-form button[type=submit]")
    expect(clock).to_have_text("2027-01-16 08:00:00 UTC")
    page.click("[data-shift='3600']")
    expect(clock).to_have_text("2027-01-16 09:00:00 UTC")
    page.click("[data-shift='86400']")
    expect(clock).to_have_text("2027-01-17 09:00:00 UTC")
    expect(page.locator("#clock-offset")).to_contain_text("from wall time")

    page.fill("#clock-move", "not a time")
    page.click("#clock-move-form button[type=submit]")
    expect(page.locator("#clock-error")).to_have_text(
        "move_to must be epoch seconds or ISO-8601, not 'not a time'"
    )

    page.click("#clock-freeze")
    expect(page.locator("#clock-mode")).to_have_text("running")
    assert server.ok("GET", "/__emulator/clock")["frozen"] is False
    page.click("#clock-freeze")
    expect(page.locator("#clock-mode")).to_have_text("frozen")
    page.click("#clock-real")
    expect(page.locator("#clock-mode")).to_have_text("running")
    expect(page.locator("#clock-offset")).to_have_text("")
    assert abs(server.ok("GET", "/__emulator/clock")["offset"]) < 1
    assert_not_reloaded(page)


def test_the_page_follows_changes_made_elsewhere_without_a_reload(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = frozen_server(serve)
    ns = server.kv_namespace("SESSIONS")
    server.kv_put(ns, "expiring", "v", expiration_ttl=60)
    db = server.d1_database("app")
    server.d1_query(db, "CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT)")
    page.goto(server.url + "/")
    mark_page(page)
    expect(page.locator(KEY_LINKS)).to_have_text(["expiring"])
    page.get_by_role("button", name="expiring").click()
    expect(page.locator("#kv-entry-value")).to_have_text("v")

    server.kv_put(ns, "added-elsewhere", "hello")
    expect(page.locator(KEY_LINKS)).to_have_text(["added-elsewhere", "expiring"])
    server.kv_put(ns, "expiring", "changed", expiration_ttl=60)
    expect(page.locator("#kv-entry-value")).to_have_text("changed")

    server.clock(shift=60)  # another process moves the clock: the key expires
    expect(page.locator("#clock-time")).to_have_text("2027-01-15 08:01:00 UTC")
    expect(page.locator(KEY_LINKS)).to_have_text(["added-elsewhere"])
    expect(page.locator("#kv-entry-empty")).to_contain_text("is gone")

    server.kv_namespace("LATER")
    expect(page.locator("#kv-namespaces .item-title")).to_have_text(["SESSIONS", "LATER"])

    page.click("#tab-d1")
    expect(page.locator("#d1-rows tbody tr")).to_have_count(0)
    server.d1_query(db, "INSERT INTO events (what) VALUES ('signed up')")
    expect(page.locator("#d1-rows tbody tr")).to_have_text(["1signed up"])
    server.d1_query(db, "CREATE TABLE audit (at TEXT)")
    expect(page.locator("#d1-tables .item-title")).to_have_text(["audit", "events"])
    server.d1_database("second")
    expect(page.locator("#d1-databases .item-title")).to_have_text(["app", "second"])
    assert_not_reloaded(page)


def test_a_page_that_could_not_reach_the_server_recovers_when_it_answers(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = serve()
    server.kv_namespace("SESSIONS")
    unreachable = {"overview": True, "pulse": 2}

    def first_calls_fail(route: Any) -> None:
        url = route.request.url
        if "/overview" in url and unreachable["overview"]:
            unreachable["overview"] = False
            route.abort()
        elif "/pulse" in url and unreachable["pulse"]:
            unreachable["pulse"] -= 1
            route.abort()
        else:
            route.continue_()

    page.route("**/__emulator/ui/api/**", first_calls_fail)
    page.goto(server.url + "/")
    expect(page.locator("#status")).to_contain_text("cannot reach the emulator")
    expect(page.locator("#kv-namespaces .item-title")).to_have_text(["SESSIONS"])
    expect(page.locator("#status")).to_have_text("live")
    assert unreachable == {"overview": False, "pulse": 0}
