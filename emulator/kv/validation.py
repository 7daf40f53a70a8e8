"""Pure validation of KV arguments: keys, options, metadata, list paging, cursors.

Every function either returns the normalised value (key bytes, absolute expiration, JSON
text, ...) or raises the exact error Workers raises. The checks come in the runtime's order:
argument conversion first (``KVArgumentError``, a ``TypeError``: client side, in workerd),
then the KV service's checks (``KVError`` with an HTTP status: server side). The namespace
calls them in that order, so one bad call reports what production would report first.
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any, NoReturn

from emulator.errors import KVArgumentError, KVError
from emulator.json_text import stringify
from emulator.kv import constants as c

__all__ = [
    "check_cache_ttl",
    "check_key",
    "check_list_limit",
    "check_metadata_length",
    "check_optional_str",
    "check_read",
    "coerce_long",
    "decode_cursor",
    "encode_bulk_key",
    "encode_checked_key",
    "encode_cursor",
    "encode_key",
    "encode_prefix",
    "fail",
    "metadata_text",
    "not_string",
    "resolve_expiration",
    "usv_encode",
]


def fail(operation: str, status: int, message: str) -> NoReturn:
    """Raise the server-side ``KVError`` for ``operation``, as the runtime words it."""
    raise KVError(
        c.FAILED.format(operation=operation, status=status, message=message), status=status
    )


# -- keys -----------------------------------------------------------------------------------


def check_key(key: str) -> None:
    """Refuse the empty key and the dot segments, as workerd does before any request."""
    if not key:
        raise KVArgumentError(c.KEY_EMPTY)
    if key == "." or key == "..":
        raise KVArgumentError(c.KEY_DOTS.format(key=key))


def _key_too_long_or_undecodable(key: str, operation: str) -> NoReturn:
    # A lone surrogate counts as the 3 bytes of its WTF-8 form in the length check, which
    # comes first: "x" * 513 + "\ud800" is rejected with 516, a short one as undecodable.
    length = len(key.encode("utf-8", "surrogatepass"))
    if length > c.MAX_KEY_BYTES:
        fail(operation, 414, c.KEY_TOO_LONG.format(length=length))
    fail(operation, 400, c.KEY_NOT_URL_DECODABLE)


def encode_key(key: str, operation: str) -> bytes:
    """Return the UTF-8 bytes of a single-operation key, or raise its error.

    Raises ``KVArgumentError`` for the empty key, ``"."`` and ``".."``; ``KVError`` 414 past
    512 UTF-8 bytes and 400 for a key with a lone surrogate (not URL-encodable).
    """
    if not key or key == "." or key == "..":
        check_key(key)
    return encode_checked_key(key, operation)


def encode_checked_key(key: str, operation: str) -> bytes:
    """The service's half of ``encode_key``, for a key that ``check_key`` already passed."""
    try:
        encoded = key.encode()
    except UnicodeEncodeError:
        _key_too_long_or_undecodable(key, operation)
    if len(encoded) > c.MAX_KEY_BYTES:
        fail(operation, 414, c.KEY_TOO_LONG.format(length=len(encoded)))
    return encoded


def encode_bulk_key(key: str) -> bytes | None:
    """Return a bulk-get key's UTF-8 bytes, or ``None`` if it can never be stored.

    Bulk get sends keys in a JSON body, so the empty key and dot segments are refused by the
    service (400, its own wording) and a lone surrogate is no error at all: no stored key can
    contain one, so it reads as missing.
    """
    if not key:
        fail(c.GET_BULK, 400, c.BULK_KEY_EMPTY)
    if key == "." or key == "..":
        fail(c.GET_BULK, 400, c.BULK_KEY_ILLEGAL.format(key=key))
    try:
        encoded = key.encode()
    except UnicodeEncodeError:
        length = len(key.encode("utf-8", "surrogatepass"))
        if length > c.MAX_KEY_BYTES:
            fail(c.GET_BULK, 414, c.KEY_TOO_LONG.format(length=length))
        return None
    if len(encoded) > c.MAX_KEY_BYTES:
        fail(c.GET_BULK, 414, c.KEY_TOO_LONG.format(length=len(encoded)))
    return encoded


def usv_encode(text: str) -> bytes:
    """Encode ``text`` as UTF-8 the way JavaScript's ``TextEncoder`` does.

    A surrogate pair spelled as two code points becomes its astral character and a lone
    surrogate becomes U+FFFD, instead of Python's ``UnicodeEncodeError``.
    """
    try:
        return text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode()


def not_string(method: str, expected: str = "string") -> NoReturn:
    """Raise the runtime's ``KVArgumentError`` for a key that is not a ``str``."""
    raise KVArgumentError(c.KEY_NOT_STRING.format(method=method, expected=expected))


def check_read(key: str, cache_ttl: Any) -> bytes:
    """Check a single-key read's key and ``cache_ttl`` in the runtime's order.

    Returns the key's UTF-8 bytes. Raises ``KVArgumentError`` (bad key, ``cache_ttl`` not a
    number or outside int32) or ``KVError`` (414 long key, 400 ``cache_ttl`` under 30).
    """
    if cache_ttl is None:
        return encode_key(key, c.GET)
    ttl = coerce_long(cache_ttl, "cache_ttl")
    encoded = encode_key(key, c.GET)
    check_cache_ttl(ttl, c.GET)
    return encoded


# -- numeric options ------------------------------------------------------------------------


def coerce_long(value: object, option: str) -> int:
    """Convert an option as workerd converts a WebIDL ``long``, refusing non-numbers.

    ``int`` passes; a ``float`` is truncated toward zero (NaN and infinities become 0, as in
    WebIDL). ``bool``, ``str`` and everything else raise ``KVArgumentError`` (Python is
    stricter than JavaScript, which would coerce them). Results outside int32 raise
    ``KVArgumentError("Value out of range. ...")``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = int(value)
    elif isinstance(value, float):
        number = int(value) if math.isfinite(value) else 0
    else:
        raise KVArgumentError(
            c.OPTION_NOT_INT.format(option=option, type_name=type(value).__name__)
        )
    if not c.INT32_MIN <= number <= c.INT32_MAX:
        raise KVArgumentError(c.OUT_OF_RANGE)
    return number


def check_cache_ttl(cache_ttl: int, operation: str) -> None:
    """Raise 400 if a (coerced) ``cache_ttl`` is under 30 s; it is otherwise ignored."""
    if cache_ttl < c.MIN_CACHE_TTL:
        fail(operation, 400, c.CACHE_TTL_TOO_SHORT.format(ttl=cache_ttl))


def resolve_expiration(now: int, expiration: int | None, expiration_ttl: int | None) -> int | None:
    """Return the absolute expiration (int seconds) to store, or ``None`` for none.

    ``now`` is ``floor(clock.now())``. A TTL wins over ``expiration``, which is then ignored
    even when invalid (as in the runtime). Raises ``KVError`` 400 with the runtime's text.
    """
    if expiration_ttl is not None:
        if expiration_ttl <= 0:
            fail(c.PUT, 400, c.TTL_NOT_POSITIVE.format(ttl=expiration_ttl))
        if expiration_ttl < c.MIN_EXPIRATION_TTL:
            fail(c.PUT, 400, c.TTL_TOO_SHORT.format(ttl=expiration_ttl))
        return now + expiration_ttl
    if expiration is not None:
        if expiration <= now:
            fail(c.PUT, 400, c.EXPIRATION_IN_PAST.format(expiration=expiration))
        if expiration < now + c.MIN_EXPIRATION_TTL:
            fail(c.PUT, 400, c.EXPIRATION_TOO_SOON.format(expiration=expiration))
        return expiration
    return None


# -- metadata -------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")


def metadata_text(metadata: Any) -> tuple[str, int] | None:
    """Serialise metadata like ``JSON.stringify`` and return ``(text, utf8_length)``.

    ``None`` means no metadata. Compact separators, non-ASCII kept as it is; lone surrogates
    are escaped (``"\\ud800"``) as JavaScript's well-formed ``JSON.stringify`` does; NaN and
    infinities become ``null`` as they do there. Raises Python's own ``TypeError`` for what
    JSON cannot hold and ``ValueError`` for a circular value.
    """
    if metadata is None:
        return None
    text = stringify(metadata)
    if text.isascii():
        return text, len(text)
    try:
        return text, len(text.encode())
    except UnicodeEncodeError:
        text = _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
        return text, len(text.encode())


def check_metadata_length(length: int) -> None:
    """Raise 413 when serialised metadata is over 1024 UTF-8 bytes."""
    if length > c.MAX_METADATA_BYTES:
        fail(c.PUT, 413, c.METADATA_TOO_LARGE.format(length=length))


# -- list -----------------------------------------------------------------------------------


def check_list_limit(limit: object) -> int:
    """Return the page size for ``list(limit=...)``.

    ``None`` and ``0`` mean the default, 1000 (workerd does not send a zero limit). A
    negative limit raises ``KVError`` 400 (``... greater than 0.``), over 1000 raises 400
    (``... less than 1000.``). Floats, strings and bools raise ``KVArgumentError``: Python is
    stricter than JavaScript, which truncates 2.9 to 2 and parses ``"3"``.
    """
    if limit is None:
        return c.DEFAULT_LIST_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise KVArgumentError(
            c.OPTION_NOT_INT.format(option="limit", type_name=type(limit).__name__)
        )
    number = int(limit)
    if not c.INT32_MIN <= number <= c.INT32_MAX:
        raise KVArgumentError(c.OUT_OF_RANGE)
    if number == 0:
        return c.DEFAULT_LIST_LIMIT
    if number < 0:
        fail(c.GET, 400, c.LIMIT_NOT_POSITIVE.format(limit=number))
    if number > c.MAX_LIST_LIMIT:
        fail(c.GET, 400, c.LIMIT_TOO_LARGE.format(limit=number))
    return number


def check_optional_str(value: object, option: str) -> str | None:
    """Return ``value`` if it is a ``str`` or ``None``; raise ``KVArgumentError`` otherwise."""
    if value is None or isinstance(value, str):
        return value
    raise KVArgumentError(c.OPTION_NOT_STRING.format(option=option, type_name=type(value).__name__))


def encode_prefix(prefix: str | None) -> bytes:
    """Return the UTF-8 bytes of a list prefix (``b""`` for none).

    Raises ``KVError`` 414 past 512 bytes. A lone surrogate becomes U+FFFD, as the runtime's
    string conversion does, so such a prefix matches only keys that contain U+FFFD there.
    """
    if not prefix:
        return b""
    length = len(prefix.encode("utf-8", "surrogatepass"))
    if length > c.MAX_KEY_BYTES:
        fail(c.GET, 414, c.KEY_TOO_LONG.format(length=length))
    return usv_encode(prefix)


def encode_cursor(last_key: bytes) -> str:
    """Return the cursor after ``last_key``: standard, padded base64 of its UTF-8 bytes."""
    return base64.b64encode(last_key).decode("ascii")


_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/\-_=]")
_URL_SAFE = str.maketrans("-_", "+/")


def decode_cursor(cursor: str | None) -> bytes:
    """Return the key bytes a cursor starts after (``b""`` for none); never raises.

    Decodes as Node's lenient ``Buffer.from(cursor, "base64")``: characters outside both
    base64 alphabets are skipped, the first ``=`` ends the data, missing padding is fine and
    a dangling sixth bit-group is dropped; invalid UTF-8 becomes U+FFFD. So a garbage cursor
    pages from some point (often past every key) instead of failing.
    """
    if not cursor:
        return b""
    data = _NOT_BASE64.sub("", cursor).split("=", 1)[0].translate(_URL_SAFE)
    if len(data) % 4 == 1:
        data = data[:-1]
    raw = base64.b64decode(data + "=" * (-len(data) % 4))
    return raw.decode("utf-8", "replace").encode()
