"""KV namespaces and key listing through the official SDK, over HTTP and in the core."""

from __future__ import annotations

import re

import pytest
from cloudflare import APIStatusError, AsyncCloudflare, BadRequestError, Cloudflare, NotFoundError

from emulator import Emulator, ManualClock
from emulator.server import RestApi
from tests.server.helpers import ACCOUNT, KV_BASE, START, call, error_of


def test_lists_namespaces_created_in_process_by_their_binding_name(
    cf: Cloudflare, emu: Emulator
) -> None:
    kv = emu.kv("SESSIONS")
    [namespace] = list(cf.kv.namespaces.list(account_id=ACCOUNT))
    assert (namespace.id, namespace.title, namespace.supports_url_encoding) == (
        kv.id,
        "SESSIONS",
        True,
    )


def test_creates_a_namespace_with_a_32_hex_id_reachable_in_process(
    cf: Cloudflare, emu: Emulator
) -> None:
    created = cf.kv.namespaces.create(account_id=ACCOUNT, title="my-app-cache")
    assert re.fullmatch(r"[0-9a-f]{32}", created.id)
    assert created.title == "my-app-cache"
    assert emu.resource("kv", created.id) is not None
    assert emu.kv_namespace(created.id).snapshot() == {}


def test_creating_a_taken_title_is_400_code_10014(cf: Cloudflare) -> None:
    cf.kv.namespaces.create(account_id=ACCOUNT, title="dup")
    with pytest.raises(BadRequestError) as caught:
        cf.kv.namespaces.create(account_id=ACCOUNT, title="dup")
    [error] = caught.value.errors
    assert (error.code, error.message) == (
        10014,
        "a namespace with this account ID and title already exists",
    )


@pytest.mark.parametrize("body", [{}, {"title": ""}, {"title": "  "}, {"title": 5}, []])
def test_creating_without_a_title_is_400(api: RestApi, body: object) -> None:
    assert error_of(call(api, "POST", KV_BASE, body)) == (
        400,
        10001,
        "a namespace needs a non-empty 'title' string",
    )


def test_gets_renames_and_deletes_a_namespace(cf: Cloudflare, emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    emu.kv("OTHER")
    assert cf.kv.namespaces.get(kv.id, account_id=ACCOUNT).title == "SESSIONS"
    renamed = cf.kv.namespaces.update(kv.id, account_id=ACCOUNT, title="sessions-prod")
    assert (renamed.id, renamed.title) == (kv.id, "sessions-prod")
    with pytest.raises(BadRequestError) as caught:
        cf.kv.namespaces.update(kv.id, account_id=ACCOUNT, title="OTHER")
    assert caught.value.errors[0].code == 10014
    assert cf.kv.namespaces.delete(kv.id, account_id=ACCOUNT) is None
    with pytest.raises(NotFoundError) as missing:
        cf.kv.namespaces.get(kv.id, account_id=ACCOUNT)
    assert (missing.value.errors[0].code, missing.value.errors[0].message) == (
        10013,
        "namespace not found",
    )
    assert emu.binding_names() == ["OTHER"]


@pytest.mark.parametrize(
    ("namespace_id", "shown"),
    [
        ("..%2F..%2Fetc", "../../etc"),
        ("a%20b", "a b"),
        ("-leading-dash", "-leading-dash"),
        ("x" * 65, "x" * 65),
        ("%C3%A9", "é"),
    ],
)
@pytest.mark.parametrize("suffix", ["", "/keys", "/values/k", "/metadata/k", "/bulk/get"])
def test_a_malformed_namespace_id_is_400_code_10011_and_never_a_path(
    api: RestApi, namespace_id: str, shown: str, suffix: str
) -> None:
    method = "POST" if suffix == "/bulk/get" else "GET"
    assert error_of(call(api, method, f"{KV_BASE}/{namespace_id}{suffix}", {"keys": ["k"]})) == (
        400,
        10011,
        f"could not parse UUID from request's namespace_id: '{shown}'",
    )


@pytest.mark.parametrize("suffix", ["", "/keys", "/values/k", "/metadata/k"])
def test_an_unknown_namespace_is_404_code_10013(api: RestApi, suffix: str) -> None:
    assert error_of(call(api, "GET", f"{KV_BASE}/{'0' * 32}{suffix}")) == (
        404,
        10013,
        "namespace not found",
    )


def test_the_sdk_pages_through_every_namespace_to_the_end(cf: Cloudflare) -> None:
    titles = [f"ns-{i:02d}" for i in range(45)]
    for title in titles:
        cf.kv.namespaces.create(account_id=ACCOUNT, title=title)
    listed = [ns.title for ns in cf.kv.namespaces.list(account_id=ACCOUNT, per_page=20)]
    assert listed == titles


def test_namespace_pages_past_the_end_are_empty_not_404(api: RestApi, emu: Emulator) -> None:
    emu.kv("A")
    emu.kv("B")
    response = call(api, "GET", f"{KV_BASE}?page=2&per_page=1")
    assert response.json()["result"] == [
        {"id": emu.kv("B").id, "title": "B", "supports_url_encoding": True}
    ]
    assert response.json()["result_info"] == {
        "page": 2,
        "per_page": 1,
        "count": 1,
        "total_count": 2,
        "total_pages": 2,
    }
    past = call(api, "GET", f"{KV_BASE}?page=9&per_page=1")
    assert past.status == 200
    assert past.json()["result"] == []


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", ["b", "c", "a"]),
        ("?order=title", ["a", "b", "c"]),
        ("?order=title&direction=desc", ["c", "b", "a"]),
        ("?direction=desc", ["a", "c", "b"]),
    ],
)
def test_namespaces_are_listed_oldest_first_or_in_the_order_asked(
    api: RestApi, query: str, titles: list[str]
) -> None:
    for title in ("b", "c", "a"):
        call(api, "POST", KV_BASE, {"title": title})
    result = call(api, "GET", KV_BASE + query).json()["result"]
    assert [ns["title"] for ns in result] == titles


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("order=size", "Invalid query parameter order: 'size'"),
        ("direction=up", "Invalid query parameter direction: 'up'"),
        ("page=0", "Invalid query parameter page: '0'"),
        ("per_page=0", "Invalid query parameter per_page: '0'"),
        ("per_page=1001", "Invalid query parameter per_page: '1001'"),
    ],
)
def test_bad_namespace_list_parameters_are_400(api: RestApi, query: str, message: str) -> None:
    assert error_of(call(api, "GET", f"{KV_BASE}?{query}")) == (400, 10001, message)


def test_the_sdk_follows_key_cursors_to_the_end_in_utf8_byte_order(
    cf: Cloudflare, emu: Emulator
) -> None:
    kv = emu.kv("SESSIONS")
    names = [f"user:{i:04d}" for i in range(2500)] + ["a😀", "a\ufffd", "aé", "b"]
    kv.seed(dict.fromkeys(names, "v"))
    listed = [key.name for key in cf.kv.namespaces.keys.list(kv.id, account_id=ACCOUNT)]
    assert listed == sorted(names, key=lambda name: name.encode())
    prefixed = cf.kv.namespaces.keys.list(kv.id, account_id=ACCOUNT, prefix="user:", limit=1000)
    assert len(list(prefixed)) == 2500


def test_key_pages_carry_count_and_cursor_and_the_last_cursor_is_empty(
    api: RestApi, emu: Emulator
) -> None:
    kv = emu.kv("SESSIONS")
    kv.seed({"a": "1", "b": "2", "c": "3"})
    first = call(api, "GET", f"{KV_BASE}/{kv.id}/keys?limit=2").json()
    assert [k["name"] for k in first["result"]] == ["a", "b"]
    assert first["result_info"] == {"count": 2, "cursor": "Yg=="}
    last = call(api, "GET", f"{KV_BASE}/{kv.id}/keys?limit=2&cursor=Yg%3D%3D").json()
    assert last["result"] == [{"name": "c"}]
    assert last["result_info"] == {"count": 1, "cursor": ""}


def test_listed_keys_show_expiration_and_metadata_only_when_set(
    api: RestApi, emu: Emulator, clock: ManualClock
) -> None:
    kv = emu.kv("SESSIONS")
    kv.seed({"plain": "v"})
    kv.seed({"rich": "v"}, expiration_ttl=120, metadata={"m": 0})
    result = call(api, "GET", f"{KV_BASE}/{kv.id}/keys").json()["result"]
    assert result == [
        {"name": "plain"},
        {"name": "rich", "expiration": START + 120, "metadata": {"m": 0}},
    ]
    clock.shift(120)
    assert call(api, "GET", f"{KV_BASE}/{kv.id}/keys").json()["result"] == [{"name": "plain"}]


def test_a_prefix_arrives_percent_decoded(cf: Cloudflare, emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    kv.seed({"user:1/a b": "v", "user:2": "v", "userx": "v", "%41": "v", "A": "v"})
    listed = cf.kv.namespaces.keys.list(kv.id, account_id=ACCOUNT, prefix="user:")
    assert [key.name for key in listed] == ["user:1/a b", "user:2"]
    literal = cf.kv.namespaces.keys.list(kv.id, account_id=ACCOUNT, prefix="%4")
    assert [key.name for key in literal] == ["%41"]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("limit=0", 400, "Invalid key_count_limit of 0. Please specify an integer greater than 0."),
        (
            "limit=-5",
            400,
            "Invalid key_count_limit of -5. Please specify an integer greater than 0.",
        ),
        (
            "limit=1001",
            400,
            "Invalid key_count_limit of 1001. Please specify an integer less than 1000.",
        ),
        (
            "prefix=" + "x" * 513,
            414,
            "UTF-8 encoded length of 513 exceeds key length limit of 512.",
        ),
        (
            "prefix=" + "%E2%82%AC" * 171,
            414,
            "UTF-8 encoded length of 513 exceeds key length limit of 512.",
        ),
    ],
)
def test_key_list_limits_answer_kvs_own_texts(
    api: RestApi, emu: Emulator, query: str, status: int, message: str
) -> None:
    kv = emu.kv("SESSIONS")
    assert error_of(call(api, "GET", f"{KV_BASE}/{kv.id}/keys?{query}")) == (
        status,
        10019,
        message,
    )


def test_a_414_reaches_the_sdk_as_a_non_retried_status_error(cf: Cloudflare, emu: Emulator) -> None:
    kv = emu.kv("SESSIONS")
    with pytest.raises(APIStatusError) as caught:
        list(cf.kv.namespaces.keys.list(kv.id, account_id=ACCOUNT, prefix="x" * 513))
    assert caught.value.status_code == 414
    assert caught.value.errors[0].code == 10019


async def test_the_async_sdk_manages_namespaces_and_pages_keys(
    acf: AsyncCloudflare, emu: Emulator
) -> None:
    created = await acf.kv.namespaces.create(account_id=ACCOUNT, title="async-ns")
    emu.kv_namespace(created.id).seed({f"k{i:03d}": "v" for i in range(250)})
    names = [
        key.name
        async for key in acf.kv.namespaces.keys.list(created.id, account_id=ACCOUNT, limit=100)
    ]
    assert names == [f"k{i:03d}" for i in range(250)]
    titles = [ns.title async for ns in acf.kv.namespaces.list(account_id=ACCOUNT, per_page=1)]
    assert titles == ["async-ns"]
    await acf.kv.namespaces.delete(created.id, account_id=ACCOUNT)
    with pytest.raises(NotFoundError):
        await acf.kv.namespaces.get(created.id, account_id=ACCOUNT)
