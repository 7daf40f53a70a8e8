"""How values and cells are shaped for the page: kinds, bounds, exact texts."""

from __future__ import annotations

import pytest

from emulator.server.ui.previews import cell, hex_dump, metadata_text, value_preview


def test_a_hex_dump_shows_offset_hex_and_printable_ascii() -> None:
    assert hex_dump(b"KV\x00\xff" + b"abcdefghijklmnopq") == (
        "00000000  4b 56 00 ff 61 62 63 64 65 66 67 68 69 6a 6b 6c  KV..abcdefghijkl\n"
        "00000010  6d 6e 6f 70 71                                   mnopq"
    )


def test_a_hex_dump_stops_at_its_limit() -> None:
    assert len(hex_dump(bytes(2048)).splitlines()) == 32  # 512 bytes, 16 a line


@pytest.mark.parametrize(
    ("data", "kind", "text"),
    [
        (b"", "empty", ""),
        (b"plain text", "text", "plain text"),
        (b"42", "text", "42"),
        (b'{"a":[1,2]}', "json", '{\n  "a": [\n    1,\n    2\n  ]\n}'),
        (b'  ["\xc3\xa9"]', "json", '[\n  "é"\n]'),
        (b"{not json", "text", "{not json"),
        (b"<script>alert(1)</script>", "text", "<script>alert(1)</script>"),
    ],
)
def test_values_are_previewed_by_kind(data: bytes, kind: str, text: str) -> None:
    assert value_preview(data) == {
        "kind": kind,
        "size": len(data),
        "text": text,
        "truncated": False,
    }


def test_binary_values_show_their_size_and_a_hex_dump_of_512_bytes() -> None:
    preview = value_preview(b"\xff\xfe" + bytes(998))
    assert preview["kind"] == "binary"
    assert preview["size"] == 1000
    assert preview["truncated"] is True
    assert preview["text"].startswith("00000000  ff fe 00 00")
    assert preview["text"].splitlines()[-1].startswith("000001f0")


def test_long_text_is_cut_and_says_so() -> None:
    preview = value_preview(b"x" * 70_000)
    assert (preview["kind"], preview["size"], preview["truncated"]) == ("text", 70_000, True)
    assert len(preview["text"]) == 65_536


def test_metadata_is_pretty_printed_keeping_big_integers_exact() -> None:
    assert metadata_text(None) is None
    assert metadata_text({"id": 2**63 - 1, "name": "<b>"}) == (
        '{\n  "id": 9223372036854775807,\n  "name": "<b>"\n}'
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, {"type": "null", "text": "NULL"}),
        (9007199254740993, {"type": "integer", "text": "9007199254740993"}),
        (1.5, {"type": "real", "text": "1.5"}),
        (b"\x00\x01", {"type": "blob", "text": "x'0001' (2 bytes)"}),
        (bytes(40), {"type": "blob", "text": "x'" + "00" * 32 + "…' (40 bytes)"}),
        ("NULL", {"type": "text", "text": "NULL"}),
        ("x" * 501, {"type": "text", "text": "x" * 500, "truncated": True, "length": 501}),
    ],
)
def test_cells_carry_their_type_and_bounded_text(value: object, shown: dict[str, object]) -> None:
    assert cell(value) == shown
