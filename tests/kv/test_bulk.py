"""Bulk ``get([...])`` and ``get_with_metadata([...])`` (docs/kv.md#bulk-get)."""

# ruff: noqa: E501 - exact-text tables keep one case per line

from __future__ import annotations

from typing import Any

import pytest

from emulator import KVArgumentError, KVError, KVNamespace, KVValueWithMetadata

BULK = "KV GET_BULK failed: "


async def test_bulk_get_returns_every_requested_key_in_request_order(kv: KVNamespace) -> None:
    await kv.put("b", "2")
    await kv.put("a", "1")
    await kv.put("1", "index-like")  # kept: Miniflare drops such keys, a JS Map detail
    result = await kv.get(["b", "missing", "a", "1", "b"])
    assert result == {"b": "2", "missing": None, "a": "1", "1": "index-like"}
    assert list(result) == ["b", "missing", "a", "1"]  # duplicates collapse


async def test_bulk_get_accepts_a_tuple(kv: KVNamespace) -> None:
    await kv.put("a", "1")
    assert await kv.get(("a",)) == {"a": "1"}


async def test_bulk_get_json_parses_every_value(kv: KVNamespace) -> None:
    await kv.put("a", '{"x": 1}')
    await kv.put("b", "null")
    assert await kv.get(["a", "b", "c"], "json") == {"a": {"x": 1}, "b": None, "c": None}


async def test_bulk_get_with_metadata_gives_objects_and_none_for_missing(
    kv: KVNamespace,
) -> None:
    await kv.put("a", "1", metadata={"m": True})
    await kv.put("b", "")  # a falsy value is still wrapped (Miniflare returns it bare)
    result = await kv.get_with_metadata(["a", "b", "missing"])
    assert result == {
        "a": KVValueWithMetadata("1", {"m": True}),
        "b": KVValueWithMetadata("", None),
        "missing": None,
    }


async def test_bulk_get_with_metadata_json(kv: KVNamespace) -> None:
    await kv.put("a", "0", metadata=[1])
    result = await kv.get_with_metadata(["a"], "json")
    found = result["a"]
    assert found is not None
    assert (found.value, found.metadata, found.cache_status) == (0, [1], None)


@pytest.mark.parametrize(
    ("keys", "type_", "options", "status", "message"),
    [
        ([], "text", {}, 400, "400 You must request a minimum of 1 key"),
        (["k"] * 101, "text", {}, 400, "400 You can request a maximum of 100 keys"),
        (["k"], "bytes", {}, 400, '400 "bytes" is not a valid type. Use "json" or "text"'),
        (["k"], "stream", {}, 400, '400 "stream" is not a valid type. Use "json" or "text"'),
        (["k"], "TEXT", {}, 400, '400 "TEXT" is not a valid type. Use "json" or "text"'),
        # The type is checked first, then the count, then key by key.
        ([], "bytes", {}, 400, '400 "bytes" is not a valid type. Use "json" or "text"'),
        ([""] * 101, "text", {}, 400, "400 You can request a maximum of 100 keys"),
        (["", "."], "text", {}, 400, "400 Key names must not be empty"),
        (["ok", "."], "text", {}, 400, '400 Illegal key name ".". Please use a different name.'),
        (["ok", ".."], "text", {}, 400, '400 Illegal key name "..". Please use a different name.'),
        (["x" * 513], "text", {}, 414, "414 UTF-8 encoded length of 513 exceeds key length limit of 512."),
        (["a"], "text", {"cache_ttl": 10}, 400, "400 Invalid cache_ttl of 10. Cache TTL must be at least 30."),
        ([""], "text", {"cache_ttl": 10}, 400, "400 Key names must not be empty"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("method", ["get", "get_with_metadata"])
async def test_bulk_errors_have_the_service_text(
    kv: KVNamespace,
    method: str,
    keys: list[str],
    type_: str,
    options: dict[str, Any],
    status: int,
    message: str,
) -> None:
    with pytest.raises(KVError) as caught:
        await getattr(kv, method)(keys, type_, **options)
    assert str(caught.value) == BULK + message
    assert caught.value.status == status
    assert not isinstance(caught.value, TypeError)


async def test_bulk_json_of_a_non_json_value_fails_for_the_whole_request(
    kv: KVNamespace,
) -> None:
    await kv.put("good", "1")
    await kv.put("bad", "not json")
    with pytest.raises(KVError) as caught:
        await kv.get(["good", "bad"], "json")
    assert str(caught.value) == (
        BULK + "400 At least one of the requested keys corresponds to a non-json value"
    )
    assert caught.value.status == 400


async def test_bulk_reads_key_by_key_so_an_earlier_bad_value_wins_over_a_later_bad_key(
    kv: KVNamespace,
) -> None:
    await kv.put("bad", "not json")
    with pytest.raises(KVError) as caught:
        await kv.get(["bad", ""], "json")
    assert str(caught.value).endswith("non-json value")
    with pytest.raises(KVError) as caught:
        await kv.get(["", "bad"], "json")
    assert str(caught.value).endswith("Key names must not be empty")


async def test_a_lone_surrogate_key_reads_as_missing_in_bulk(kv: KVNamespace) -> None:
    assert await kv.get(["a\ud800b"]) == {"a\ud800b": None}


async def test_bulk_total_counts_utf16_units_not_utf8_bytes(kv: KVNamespace) -> None:
    # 30,000,000 UTF-8 bytes, but 10,000,000 UTF-16 units: under the runtime's 25 MiB.
    await kv.put("a", "€" * 5_000_000)
    await kv.put("b", "€" * 5_000_000)
    values = await kv.get(["a", "b"])
    assert len(values["a"]) == len(values["b"]) == 5_000_000


async def test_bulk_total_over_25_mib_fails_with_413(kv: KVNamespace) -> None:
    kv.seed({"a": b"x" * 26_214_400, "b": b"y"})
    assert len((await kv.get(["a"]))["a"]) == 26_214_400
    with pytest.raises(KVError) as caught:
        await kv.get(["a", "b"])
    assert str(caught.value) == BULK + "413 Total size of request exceeds the limit of 25MB"
    assert caught.value.status == 413


async def test_exactly_100_keys_are_accepted(kv: KVNamespace) -> None:
    keys = [f"k{i}" for i in range(100)]
    assert list(await kv.get(keys)) == keys


@pytest.mark.parametrize("keys", [["a", 1], [None], [b"a"]])
async def test_bulk_keys_must_be_strings(kv: KVNamespace, keys: list[Any]) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await kv.get(keys)
    assert str(caught.value) == (
        "Failed to execute 'get' on 'KvNamespace': parameter 1 is not of type 'string or Array'."
    )


async def test_bulk_cache_ttl_outside_int32_is_a_type_error(kv: KVNamespace) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await kv.get([""], cache_ttl=2**31)
    assert str(caught.value) == (
        "Value out of range. Must be between -2147483648 and 2147483647 (inclusive)."
    )
