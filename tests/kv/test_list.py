"""``list`` (docs/kv.md#list): byte order, prefixes, limits, cursors and paging."""

# ruff: noqa: E501 - exact-text tables keep one case per line

from __future__ import annotations

import base64
from typing import Any

import pytest

from emulator import KVArgumentError, KVError, KVListKey, KVNamespace

# The order observed on Miniflare: UTF-8 bytes, so U+FFFD sorts before an astral emoji
# (JavaScript's UTF-16 sort would put the emoji first).
OBSERVED_ORDER = [
    "0", "10", "9", "A", "B", "_x", "a", "a b", "a/b", "a/c", "ab", "a~", "aé", "a\ufffd",
    "a😀", "b",
]  # fmt: skip


async def names(kv: KVNamespace, **options: Any) -> list[str]:
    return [key.name for key in (await kv.list(**options)).keys]


async def test_list_orders_keys_by_utf8_bytes(kv: KVNamespace) -> None:
    for key in reversed(OBSERVED_ORDER):
        await kv.put(key, "v")
    assert await names(kv) == OBSERVED_ORDER


async def test_list_orders_multibyte_and_astral_keys_bytewise(kv: KVNamespace) -> None:
    keys = ["\U0010ffff", "\uffff", "\u0800", "\u07ff", "\x7f", "\U00010000", "z"]
    kv.seed(dict.fromkeys(keys, "v"))
    assert await names(kv) == sorted(keys, key=lambda key: key.encode())
    # U+FFFF before U+10000: the reverse of JavaScript's UTF-16 code unit order.
    assert await names(kv) == [
        "z",
        "\x7f",
        "\u07ff",
        "\u0800",
        "\uffff",
        "\U00010000",
        "\U0010ffff",
    ]


async def test_list_result_shape(kv: KVNamespace) -> None:
    await kv.put("a", "v", metadata={"m": 1}, expiration_ttl=600)
    await kv.put("b", "v")
    listed = await kv.list()
    assert listed.keys == [
        KVListKey("a", 1_800_000_600, {"m": 1}),
        KVListKey("b", None, None),
    ]
    assert (listed.list_complete, listed.cursor, listed.cache_status) == (True, None, None)


async def test_an_empty_namespace_lists_nothing_and_is_complete(kv: KVNamespace) -> None:
    listed = await kv.list()
    assert (listed.keys, listed.list_complete, listed.cursor) == ([], True, None)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("a", ["a", "a b", "a/b", "a/c", "ab", "a~", "aé", "a\ufffd", "a😀"]),
        ("a/", ["a/b", "a/c"]),
        ("A", ["A"]),  # case-sensitive
        ("", OBSERVED_ORDER),
        (None, OBSERVED_ORDER),
        ("a\ud800", ["a\ufffd"]),  # a lone surrogate becomes U+FFFD, as in the runtime
        ("zzz", []),
    ],
)
async def test_prefix_matches_bytewise(
    kv: KVNamespace, prefix: str | None, expected: list[str]
) -> None:
    kv.seed(dict.fromkeys(OBSERVED_ORDER, "v"))
    assert await names(kv, prefix=prefix) == expected


@pytest.mark.parametrize("prefix", ["%", "_", "\\", "a%"])
async def test_like_wildcards_in_a_prefix_are_literal(kv: KVNamespace, prefix: str) -> None:
    kv.seed(dict.fromkeys(["%x", "_x", "\\x", "a%b", "abc", "x"], "v"))
    assert await names(kv, prefix=prefix) == [
        key for key in ["%x", "_x", "\\x", "a%b"] if key.startswith(prefix)
    ]


async def test_a_prefix_ending_in_the_highest_code_point_still_matches(kv: KVNamespace) -> None:
    kv.seed(dict.fromkeys(["\U0010ffff", "\U0010ffffa", "\U0010fffe"], "v"))
    assert await names(kv, prefix="\U0010ffff") == ["\U0010ffff", "\U0010ffffa"]


@pytest.mark.parametrize(
    ("limit", "status", "message"),
    [
        (-5, 400, "Invalid key_count_limit of -5. Please specify an integer greater than 0."),
        (-1, 400, "Invalid key_count_limit of -1. Please specify an integer greater than 0."),
        (1001, 400, "Invalid key_count_limit of 1001. Please specify an integer less than 1000."),
        (2**31 - 1, 400, "Invalid key_count_limit of 2147483647. Please specify an integer less than 1000."),
    ],
)  # fmt: skip
async def test_limits_outside_1_to_1000_fail(
    kv: KVNamespace, limit: int, status: int, message: str
) -> None:
    with pytest.raises(KVError) as caught:
        await kv.list(limit=limit)
    assert str(caught.value) == f"KV GET failed: {status} {message}"
    assert caught.value.status == status


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        (2**31, "Value out of range. Must be between -2147483648 and 2147483647 (inclusive)."),
        (2.9, "limit must be an int, not float."),
        ("3", "limit must be an int, not str."),
        (True, "limit must be an int, not bool."),
    ],
)
async def test_limits_that_are_not_int32_ints_are_type_errors(
    kv: KVNamespace, limit: Any, message: str
) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await kv.list(limit=limit)
    assert str(caught.value) == message


@pytest.mark.parametrize("limit", [0, None])
async def test_limit_zero_or_none_means_the_default_1000(kv: KVNamespace, limit: Any) -> None:
    kv.seed_many((f"k{i:04d}", "v") for i in range(1001))
    listed = await kv.list(limit=limit)
    assert len(listed.keys) == 1000
    assert not listed.list_complete


async def test_the_limit_is_checked_before_the_prefix(kv: KVNamespace) -> None:
    with pytest.raises(KVError) as caught:
        await kv.list(limit=1001, prefix="x" * 513)
    assert caught.value.status == 400


@pytest.mark.parametrize("prefix", ["x" * 513, "€" * 171, "x" * 513 + "\ud800"])
async def test_a_prefix_over_512_bytes_fails_with_414(kv: KVNamespace, prefix: str) -> None:
    length = len(prefix.encode("utf-8", "surrogatepass"))
    with pytest.raises(KVError) as caught:
        await kv.list(prefix=prefix)
    assert str(caught.value) == (
        f"KV GET failed: 414 UTF-8 encoded length of {length} exceeds key length limit of 512."
    )
    assert caught.value.status == 414


@pytest.mark.parametrize(("option", "value"), [("prefix", 1), ("cursor", b"MTA=")])
async def test_prefix_and_cursor_must_be_strings(kv: KVNamespace, option: str, value: Any) -> None:
    with pytest.raises(KVArgumentError) as caught:
        await kv.list(**{option: value})
    assert str(caught.value) == f"{option} must be a str or None, not {type(value).__name__}."


async def test_the_cursor_is_base64_of_the_last_returned_key(kv: KVNamespace) -> None:
    kv.seed(dict.fromkeys(["0", "10", "9", "a😀", "b"], "v"))
    first = await kv.list(limit=2)
    assert [k.name for k in first.keys] == ["0", "10"]
    assert (first.list_complete, first.cursor) == (False, "MTA=")
    second = await kv.list(limit=2, cursor=first.cursor)
    assert [k.name for k in second.keys] == ["9", "a😀"]
    assert second.cursor == "YfCfmIA="
    last = await kv.list(limit=2, cursor=second.cursor)
    assert ([k.name for k in last.keys], last.list_complete, last.cursor) == (["b"], True, None)


async def test_an_exact_multiple_of_the_limit_ends_complete(kv: KVNamespace) -> None:
    kv.seed(dict.fromkeys(["a", "b", "c", "d"], "v"))
    first = await kv.list(limit=2)
    second = await kv.list(limit=2, cursor=first.cursor)
    assert ([k.name for k in second.keys], second.list_complete) == (["c", "d"], True)


async def test_a_cursor_is_not_tied_to_the_prefix_or_limit_it_came_from(
    kv: KVNamespace,
) -> None:
    kv.seed(dict.fromkeys(["a1", "a2", "b1", "b2", "b3"], "v"))
    cursor = base64.b64encode(b"a2").decode()  # a cursor built by hand
    assert await names(kv, cursor=cursor) == ["b1", "b2", "b3"]
    assert await names(kv, cursor=cursor, prefix="b", limit=2) == ["b1", "b2"]
    assert await names(kv, cursor=cursor, prefix="a") == []
    # A cursor before the prefix: the prefix decides where the page starts.
    assert await names(kv, cursor=base64.b64encode(b"0").decode(), prefix="b") == [
        "b1",
        "b2",
        "b3",
    ]


@pytest.mark.parametrize(
    ("cursor", "expected"),
    [
        ("", ["a", "b", "c"]),  # no cursor
        (None, ["a", "b", "c"]),
        ("!!!", ["a", "b", "c"]),  # decodes to nothing: from the start
        ("YQ", ["b", "c"]),  # unpadded "a"
        ("Y Q = =", ["b", "c"]),  # whitespace skipped
        ("YQ==garbage", ["b", "c"]),  # data ends at the first "="
        ("_w", []),  # URL-safe alphabet: 0xFF, past every key
        ("/w==", []),
    ],
)
async def test_garbage_cursors_decode_leniently(
    kv: KVNamespace, cursor: str | None, expected: list[str]
) -> None:
    kv.seed(dict.fromkeys(["a", "b", "c"], "v"))
    assert await names(kv, cursor=cursor) == expected


async def test_paging_2500_keys_with_writes_between_pages(kv: KVNamespace) -> None:
    kv.seed_many((f"key:{i:05d}", "v") for i in range(0, 5000, 2))  # 2,500 even keys
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await kv.list(prefix="key:", limit=1000, cursor=cursor)
        pages += 1
        seen.extend(key.name for key in page.keys)
        if page.list_complete:
            assert page.cursor is None
            break
        assert page.cursor is not None
        cursor = page.cursor
        last = seen[-1]
        # Behind the cursor: never returned. Ahead of it: returned on a later page.
        await kv.put("key:00001", "behind")
        await kv.put(f"{last}~ahead", "ahead")
        await kv.delete("key:04998")  # ahead: gone before its page comes
        await kv.put("other:1", "outside the prefix")
    assert pages == 3
    expected = [f"key:{i:05d}" for i in range(0, 5000, 2) if i != 4998]
    expected += ["key:01998~ahead", "key:03996~ahead"]  # each page's last key + "~ahead"
    assert seen == sorted(expected)
    assert "key:00001" not in seen
    assert len(seen) == len(set(seen)) == 2501
