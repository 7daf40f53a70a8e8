"""Other sites' pages, in a real browser, can neither change the server's state (CSRF) nor
read it through a name rebound to 127.0.0.1 (DNS rebinding)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.server.ui.conftest import CHROMIUM_ARGS
from tests.server.ui.served import ACCOUNT, Served

ATTACK = """<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="form" method="post" enctype="text/plain" target="sink" action="{server}/__emulator/clock">
  <input name='{{"shift": 86400, "x": "' value='"}}'>
</form>
<script>
const server = {server_json};
const attempts = [
  fetch(server + {query_json}, {{method: "POST", mode: "no-cors",
    headers: {{"Content-Type": "text/plain"}}, body: '{{"sql": "DROP TABLE notes"}}'}}),
  fetch(server + "/__emulator/reset", {{method: "POST", mode: "no-cors", body: ""}}),
  fetch(server + {value_json}, {{method: "DELETE"}}),
];
document.getElementById("form").submit();
Promise.allSettled(attempts).then((done) => {{
  window.__results = done.map((result) => result.status);
}});
</script></body></html>"""


@pytest.fixture(scope="module")
def chromium_args() -> list[str]:
    """The browser resolves evil.example to 127.0.0.1, as a rebinding DNS server makes it,
    and lets public pages call local addresses, as browsers other than Chrome do."""
    return [
        *CHROMIUM_ARGS,
        "--host-resolver-rules=MAP evil.example 127.0.0.1",
        "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests",
    ]


def test_a_page_on_another_site_changes_nothing(
    page: Any, serve: Callable[..., Served], expect: Any
) -> None:
    server = serve()
    namespace = server.kv_namespace("CACHE")
    server.kv_put(namespace, "kept", "original")
    database = server.d1_database("notes-db")
    server.d1_query(database, "CREATE TABLE notes (body TEXT)")
    clock = server.ok("GET", "/__emulator/clock")
    answered: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda response: (
            answered.append((response.request.method, response.status))
            if response.url.startswith(server.url)
            else None
        ),
    )
    html = ATTACK.format(
        server=server.url,
        server_json=json.dumps(server.url),
        query_json=json.dumps(f"/client/v4/accounts/{ACCOUNT}/d1/database/{database}/query"),
        value_json=json.dumps(
            f"/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces/{namespace}/values/kept"
        ),
    )
    page.route(
        "http://evil.example/", lambda route: route.fulfill(body=html, content_type="text/html")
    )
    page.goto("http://evil.example/")
    page.wait_for_function("window.__results !== undefined")
    # The DELETE needs a CORS preflight, which is refused (test_browser_guard.py shows the
    # 403; browsers do not report preflights to pages): the DELETE itself is never sent.
    assert page.evaluate("window.__results") == ["fulfilled", "fulfilled", "rejected"]
    expect(page.frame_locator("iframe[name=sink]").locator("body")).to_contain_text(
        "Cross-origin request refused: Origin 'http://evil.example' is not this server"
    )
    assert answered == [("POST", 403), ("POST", 403), ("POST", 403)]

    assert server.kv_keys(namespace) == ["kept"]
    assert server.d1_query(database, "SELECT count(*) AS n FROM notes")[0]["results"] == [{"n": 0}]
    after = server.ok("GET", "/__emulator/clock")
    assert after["offset"] == pytest.approx(clock["offset"], abs=1)  # not shifted a day


def test_a_name_rebound_to_127_0_0_1_reads_nothing(page: Any, serve: Callable[..., Served]) -> None:
    server = serve()
    server.kv_namespace("SECRET_NAMESPACE")
    port = server.url.rsplit(":", 1)[1]
    # evil.example resolves to 127.0.0.1: the attacker's page is the server's own origin.
    response = page.goto(f"http://evil.example:{port}/")
    assert response is not None
    assert response.status == 403
    status, body = page.evaluate(
        "fetch('/__emulator/state').then(async (r) => [r.status, await r.text()])"
    )
    assert status == 403
    assert json.loads(body)["errors"] == [
        {
            "code": 10000,
            "message": "Host 'evil.example' is not allowed (DNS rebinding protection): to "
            "reach the server by this name, start it with --allow-host evil.example",
        }
    ]
    assert "SECRET_NAMESPACE" not in body
