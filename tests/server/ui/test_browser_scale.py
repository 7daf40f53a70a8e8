"""100,000 keys and 100,000 rows: the page stays usable, one bounded page at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.server.ui.served import Served

COUNT = 100_000
BULK = 10_000


def test_100k_keys_and_100k_rows_page_and_filter(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = serve()
    ns = server.kv_namespace("BIG")
    for start in range(0, COUNT, BULK):
        server.kv_bulk(
            ns, [{"key": f"key:{i:06}", "value": str(i)} for i in range(start, start + BULK)]
        )
    db = server.d1_database("big")
    server.d1_query(db, "CREATE TABLE events (id INTEGER PRIMARY KEY, body TEXT)")
    server.d1_query(
        db,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
        "INSERT INTO events (body) SELECT 'event ' || i FROM n",
    )
    responses: list[Any] = []
    page.on("response", lambda response: responses.append(response))

    page.goto(server.url + "/")
    links = page.locator("#kv-keys tbody .key-link")
    expect(links).to_have_count(50)
    expect(links.first).to_have_text("key:000000")
    page.click("#kv-next")
    expect(links.first).to_have_text("key:000050")
    page.fill("#kv-prefix", "key:09999")
    page.click("#kv-filter button[type=submit]")
    expect(links).to_have_text([f"key:09999{i}" for i in range(10)])
    links.last.click()
    expect(page.locator("#kv-entry-value")).to_have_text("99999")

    page.click("#tab-d1")
    rows = page.locator("#d1-rows tbody tr")
    expect(rows).to_have_count(50)
    expect(page.locator("#d1-page")).to_have_text("Page 1 · rows 1–50 · 51 rows read")
    page.click("#d1-next")
    expect(rows.first).to_have_text("51event 51")
    expect(page.locator("#d1-page")).to_have_text("Page 2 · rows 51–100 · 51 rows read")
    page.click("#pane-console")
    page.fill("#console-sql", "SELECT * FROM events")
    page.click("#console-form button[type=submit]")
    expect(page.locator("#console-output .result h3")).to_have_text(
        "100,000 rows (first 1,000 shown)"
    )
    expect(page.locator("#console-output tbody tr")).to_have_count(1000)

    # No answer carried everything: every one stayed small.
    sizes = [len(response.body()) for response in responses if response.request.method != "HEAD"]
    assert max(sizes) < 200_000
