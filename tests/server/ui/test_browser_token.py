"""With --api-token: the page asks for the token, sends it only in a header, shows nothing
without it, and forgets it on request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.server.ui.served import Served

TOKEN = "s3cret-token-value"


def test_the_page_asks_for_the_token_and_sends_it_only_in_a_header(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = serve(token=TOKEN)
    ns = server.kv_namespace("PRIVATE_NAMESPACE")
    server.kv_put(ns, "private-key", "private value")
    requests: list[Any] = []
    page.on("request", lambda request: requests.append(request))

    page.goto(server.url + "/")
    expect(page.locator("#token-prompt h1")).to_have_text("API token required")
    expect(page.locator("#status")).to_have_text("locked")
    for hidden in ("#tabs", "#clock", "#view-kv", "#view-d1"):
        expect(page.locator(hidden)).to_be_hidden()
    assert "PRIVATE_NAMESPACE" not in page.content()

    page.fill("#token-input", "wrong-token")
    page.click("#token-form button[type=submit]")
    expect(page.locator("#token-error")).to_have_text("That token was refused.")
    expect(page.locator("#token-prompt")).to_be_visible()
    assert "PRIVATE_NAMESPACE" not in page.content()

    page.fill("#token-input", TOKEN)
    page.click("#token-form button[type=submit]")
    expect(page.locator("#kv-namespaces .item-title")).to_have_text(["PRIVATE_NAMESPACE"])
    expect(page.locator("#kv-keys tbody .key-link")).to_have_text(["private-key"])
    expect(page.locator("#token-prompt")).to_be_hidden()
    page.get_by_role("button", name="private-key").click()
    expect(page.locator("#kv-entry-value")).to_have_text("private value")

    page.reload()  # the token lasts as long as the tab: no second prompt
    expect(page.locator("#kv-keys tbody .key-link")).to_have_text(["private-key"])

    api_calls = [r for r in requests if "/client/v4/" in r.url or "/__emulator/" in r.url]
    data_calls = [r for r in api_calls if "/static/" not in r.url]
    assert data_calls
    assert all(TOKEN not in r.url for r in requests)
    sent = {r.headers.get("authorization") for r in data_calls}
    assert sent == {None, "Bearer wrong-token", f"Bearer {TOKEN}"}
    assert all(r.headers.get("authorization") is None for r in requests if "/static/" in r.url)

    page.click("#forget-token")
    expect(page.locator("#token-prompt")).to_be_visible()
    expect(page.locator("#token-error")).to_have_text("")
    assert "PRIVATE_NAMESPACE" not in page.content()
    assert "private value" not in page.content()
    assert page.evaluate("sessionStorage.length") == 0


def test_without_a_token_no_prompt_is_shown(
    page: Any, expect: Any, serve: Callable[..., Served]
) -> None:
    server = serve()
    server.kv_namespace("OPEN")
    page.goto(server.url + "/__emulator/ui")
    expect(page.locator("#kv-namespaces .item-title")).to_have_text(["OPEN"])
    expect(page.locator("#token-prompt")).to_be_hidden()
    expect(page.locator("#forget-token")).to_be_hidden()
