"""KV values: what ``put`` accepts, and what ``get`` returns for each ``type``.

``put`` takes a ``str`` (stored as UTF-8, like ``TextEncoder``), anything bytes-like (the
buffer protocol: ``bytes``, ``bytearray``, ``memoryview``, ``array.array``, ... like an
``ArrayBuffer`` or ``ArrayBufferView``) or an async iterable of bytes-like chunks (the
``ReadableStream`` equivalent). ``get`` decodes stored bytes per ``type``.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from types import MappingProxyType
from typing import Any, NoReturn

from emulator.errors import KVArgumentError
from emulator.kv import constants as c
from emulator.kv.validation import fail, usv_encode

__all__ = [
    "DECODERS",
    "check_value_length",
    "decode_text",
    "decoder",
    "parse_json",
    "parse_metadata",
    "read_stream",
    "value_bytes",
]


def value_bytes(value: object) -> bytes | None:
    """Return the bytes to store for a ``str`` or bytes-like value.

    Returns ``None`` when ``value`` is an async iterable, to be read with ``read_stream``.
    Raises ``KVArgumentError`` for anything else (``dict``, ``int``, ``None``, ...), where
    JavaScript would stringify primitives and refuse objects.
    """
    if isinstance(value, str):
        return usv_encode(value)
    if value.__class__ is bytes:
        return value
    try:
        view = memoryview(value)  # type: ignore[arg-type]
    except TypeError:
        if hasattr(value, "__aiter__"):
            return None
        raise KVArgumentError(c.VALUE_TYPE) from None
    return view.tobytes()


def check_value_length(length: int) -> None:
    """Raise 413 when a value is over 25 MiB (26,214,400 bytes is still accepted)."""
    if length > c.MAX_VALUE_BYTES:
        fail(c.PUT, 413, c.VALUE_TOO_LARGE.format(length=length))


async def read_stream(stream: AsyncIterable[object]) -> bytes:
    """Read an async iterable of bytes-like chunks into one value.

    Like the runtime's length-limiting stream, it keeps counting past 25 MiB (holding
    nothing more in memory) so the 413 names the full length. Raises ``KVArgumentError`` for
    a chunk that is not bytes-like (a ``str`` included) and ``KVError`` 413 when too long.
    """
    chunks: list[bytes] = []
    total = 0
    async for chunk in stream:
        if isinstance(chunk, str):
            _bad_chunk(chunk)
        try:
            view = memoryview(chunk)  # type: ignore[arg-type]
        except TypeError:
            _bad_chunk(chunk)
        total += view.nbytes
        if total <= c.MAX_VALUE_BYTES:
            chunks.append(view.tobytes())
        elif chunks:
            chunks.clear()
    check_value_length(total)
    return b"".join(chunks)


def _bad_chunk(chunk: object) -> NoReturn:
    raise KVArgumentError(c.STREAM_CHUNK_TYPE.format(type_name=type(chunk).__name__))


# -- get types ------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Decode UTF-8 as the runtime's ``text()`` does: bad bytes become U+FFFD, BOM kept."""
    return data.decode("utf-8", "replace")


class _JSConstant(Exception):
    """``NaN`` or ``Infinity`` met while parsing: Python accepts them, ``JSON.parse`` not."""


def _reject_constant(name: str) -> NoReturn:
    raise _JSConstant(name)


# Strings, or one of the non-standard constants outside strings.
_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', re.DOTALL)
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_loads = json.loads


def parse_json(data: bytes) -> Any:
    """Parse a stored value as JSON, raising Python's ``json.JSONDecodeError`` if it is not.

    ``NaN`` and ``Infinity`` are refused as ``JSON.parse`` refuses them (Python's ``json``
    would accept them, hiding a value that production cannot read).
    """
    text = data.decode("utf-8", "replace")
    try:
        return _DECODER.decode(text)
    except _JSConstant:
        position = next(
            match.start(1) for match in _CONSTANT.finditer(text) if match.group(1) is not None
        )
        raise json.JSONDecodeError("Expecting value", text, position) from None


def parse_metadata(text: str | None) -> Any:
    """Parse stored metadata JSON text; ``None`` (no metadata) stays ``None``."""
    return None if text is None else _loads(text)


async def _stream(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), c.STREAM_CHUNK_BYTES):
        yield data[start : start + c.STREAM_CHUNK_BYTES]


def _identity(data: bytes) -> bytes:
    return data


DECODERS: Mapping[str, Callable[[bytes], Any]] = MappingProxyType(
    {
        c.TYPE_TEXT: decode_text,
        c.TYPE_JSON: parse_json,
        c.TYPE_BYTES: _identity,
        c.TYPE_STREAM: _stream,
    }
)


def decoder(type: str) -> Callable[[bytes], Any]:
    """The decoder of a ``get`` type; raises ``KVArgumentError`` for an unknown one.

    Call it only once the key exists: the runtime returns null for a missing key whatever
    the type, and refuses an unknown type only when there is a value to decode.
    """
    try:
        return DECODERS[type]
    except (KeyError, TypeError):
        raise KVArgumentError(c.UNKNOWN_TYPE) from None
