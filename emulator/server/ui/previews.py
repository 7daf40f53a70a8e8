"""How the inspector shows stored data: bounded, typed previews as JSON for the page.

Everything here turns a value into *text* plus a kind; the page puts that text into the
DOM with ``textContent`` only, so a value never becomes markup. Sizes are bounded so that a
25 MiB KV value or a long TEXT column never travels whole to the browser.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

__all__ = [
    "CELL_TEXT_LIMIT",
    "HEX_PREVIEW_BYTES",
    "VALUE_TEXT_LIMIT",
    "cell",
    "hex_dump",
    "metadata_text",
    "value_preview",
]

#: Characters of a KV value shown as text (the rest is cut, and the cut is said).
VALUE_TEXT_LIMIT: Final = 64 * 1024
#: Values up to this size are tried as JSON, to be pretty-printed.
JSON_PARSE_LIMIT: Final = 1024 * 1024
#: Bytes of a binary value (or BLOB) shown as a hex dump.
HEX_PREVIEW_BYTES: Final = 512
#: Characters of one D1 cell shown in a table.
CELL_TEXT_LIMIT: Final = 500
_BLOB_CELL_BYTES: Final = 32


def hex_dump(data: bytes, limit: int = HEX_PREVIEW_BYTES) -> str:
    """``xxd``-style lines (offset, 16 bytes in hex, printable ASCII) of the first bytes."""
    lines = []
    for offset in range(0, min(len(data), limit), 16):
        chunk = data[offset : offset + 16]
        hex_part = " ".join(f"{byte:02x}" for byte in chunk)
        text = "".join(chr(byte) if 0x20 <= byte < 0x7F else "." for byte in chunk)
        lines.append(f"{offset:08x}  {hex_part:<47}  {text}")
    return "\n".join(lines)


def value_preview(data: bytes) -> dict[str, Any]:
    """The page's view of a KV value: ``kind`` (empty, json, text, binary) and its text.

    UTF-8 values are text; objects and arrays among them are pretty-printed JSON (scalars
    such as ``42`` stay text: pretty-printing would not change them). Anything else is
    binary, shown as the size and a hex dump of its first 512 bytes.
    """
    size = len(data)
    if size == 0:
        return {"kind": "empty", "size": 0, "text": "", "truncated": False}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {
            "kind": "binary",
            "size": size,
            "text": hex_dump(data),
            "truncated": size > HEX_PREVIEW_BYTES,
        }
    kind = "text"
    if size <= JSON_PARSE_LIMIT and text.lstrip()[:1] in ("{", "["):
        try:
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
            kind = "json"
        except (ValueError, RecursionError):
            pass
    return {
        "kind": kind,
        "size": size,
        "text": text[:VALUE_TEXT_LIMIT],
        "truncated": len(text) > VALUE_TEXT_LIMIT,
    }


def metadata_text(metadata: Any) -> str | None:
    """Metadata pretty-printed as JSON (``None`` when the key has none).

    Done here rather than in the page: JavaScript would round integers above 2**53.
    """
    if metadata is None:
        return None
    return json.dumps(metadata, indent=2, ensure_ascii=False)


def cell(value: Any) -> dict[str, Any]:
    """A D1 value as ``{"type", "text"}``, ``"truncated": true`` when cut.

    Integers travel as text so that JavaScript does not round those above 2**53; BLOBs show
    their size and first bytes; NULL is its own type, never the string ``"NULL"``.
    """
    if value is None:
        return {"type": "null", "text": "NULL"}
    if isinstance(value, bool | int):
        return {"type": "integer", "text": str(int(value))}
    if isinstance(value, float):
        return {"type": "real", "text": repr(value) if math.isfinite(value) else str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        blob = bytes(value)
        head = blob[:_BLOB_CELL_BYTES].hex()
        more = "…" if len(blob) > _BLOB_CELL_BYTES else ""
        return {"type": "blob", "text": f"x'{head}{more}' ({len(blob):,} bytes)"}
    text = str(value)
    shown: dict[str, Any] = {"type": "text", "text": text[:CELL_TEXT_LIMIT]}
    if len(text) > CELL_TEXT_LIMIT:
        shown["truncated"] = True
        shown["length"] = len(text)
    return shown
