"""The respx door: the SDK's httpx calls to api.cloudflare.com answered in-process."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx
from cloudflare import AsyncCloudflare, AuthenticationError, Cloudflare, NotFoundError

from emulator import Emulator
from emulator.server import RespxHandler, RestApi, mock_cloudflare_api
from tests.server.helpers import ACCOUNT, TOKEN


def test_the_sync_sdk_works_unchanged_against_the_mock(emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    with mock_cloudflare_api(emu) as router:
        cf = Cloudflare(api_token=TOKEN, max_retries=0)
        cf.kv.namespaces.values.update("a/b", account_id=ACCOUNT, namespace_id=kv.id, value=b"1")
        value = cf.kv.namespaces.values.get("a/b", account_id=ACCOUNT, namespace_id=kv.id)
        assert value.read() == b"1"
        with pytest.raises(NotFoundError):
            cf.kv.namespaces.values.get("nope", account_id=ACCOUNT, namespace_id=kv.id)
        assert router.calls.last.request.url.raw_path.endswith(b"/values/nope")
    assert kv.entry("a/b") is not None


async def test_the_async_sdk_works_unchanged_against_the_mock(emu: Emulator) -> None:
    with mock_cloudflare_api(emu):
        cf = AsyncCloudflare(api_token=TOKEN, max_retries=0)
        created = await cf.kv.namespaces.create(account_id=ACCOUNT, title="async")
        await cf.kv.namespaces.values.update(
            "k", account_id=ACCOUNT, namespace_id=created.id, value=b"v", metadata={"m": 1}
        )
        keys = [key async for key in cf.kv.namespaces.keys.list(created.id, account_id=ACCOUNT)]
        assert [(k.name, k.metadata) for k in keys] == [("k", {"m": 1})]
        await cf.close()
    assert emu.kv_namespace(created.id).entry("k") is not None


async def test_async_requests_run_concurrently_without_interleaving_state(emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    with mock_cloudflare_api(emu):
        cf = AsyncCloudflare(api_token=TOKEN, max_retries=0)
        await asyncio.gather(
            *(
                cf.kv.namespaces.values.update(
                    f"k{i}", account_id=ACCOUNT, namespace_id=kv.id, value=str(i).encode()
                )
                for i in range(20)
            )
        )
        await cf.close()
    assert {k: e.value for k, e in kv.snapshot().items()} == {
        f"k{i}": str(i).encode() for i in range(20)
    }


def test_the_mock_can_demand_a_token(emu: Emulator) -> None:
    with mock_cloudflare_api(emu, api_token=TOKEN):
        with pytest.raises(AuthenticationError) as caught:
            list(Cloudflare(api_token="other", max_retries=0).kv.namespaces.list(account_id="a"))
        assert caught.value.errors[0].code == 10000
        assert list(Cloudflare(api_token=TOKEN).kv.namespaces.list(account_id="a")) == []


def test_other_hosts_are_refused_unless_asked_otherwise(emu: Emulator) -> None:
    with mock_cloudflare_api(emu), pytest.raises(respx.models.AllMockedAssertionError):
        httpx.get("https://example.com/")
    with mock_cloudflare_api(emu, assert_all_mocked=False):
        assert httpx.get("https://example.com/").status_code == 200


def test_a_custom_base_url_with_a_port_is_answered(emu: Emulator) -> None:
    emu.kv("SESSIONS")
    with mock_cloudflare_api(emu, base_url="http://cf.test:9000"):
        cf = Cloudflare(api_token=TOKEN, base_url="http://cf.test:9000/client/v4")
        assert [ns.title for ns in cf.kv.namespaces.list(account_id="a")] == ["SESSIONS"]


def test_the_handler_plugs_into_a_router_of_ones_own(emu: Emulator) -> None:
    emu.kv("SESSIONS")
    with respx.mock(assert_all_called=False) as router:
        router.route(host="api.cloudflare.com").mock(side_effect=RespxHandler(RestApi(emu)))
        response = httpx.get(
            "https://api.cloudflare.com/client/v4/accounts/a/storage/kv/namespaces"
        )
    assert response.json()["result"][0]["title"] == "SESSIONS"


def test_a_given_rest_api_is_used_as_it_is(emu: Emulator) -> None:
    api = RestApi(emu, api_token="own")
    with mock_cloudflare_api(api, api_token="ignored"):
        response = httpx.get(
            "https://api.cloudflare.com/__emulator/health", headers={"Authorization": "Bearer own"}
        )
    assert response.status_code == 200
