"""Workers KV vocabulary: limits and the runtime's messages, with ``{}`` slots.

Every text here is what workerd / Miniflare 4 produce (docs/kv.md quotes them), except
where Python's own words replace a JS type name (docs/kv.md#python-words) or where it refuses
something JavaScript would coerce (marked *Python*). Server-side messages are wrapped in
``FAILED`` with the operation name (``GET``, ``GET_BULK``, ``PUT``, ``DELETE``) and status.
"""

from __future__ import annotations

from typing import Final

# -- limits ---------------------------------------------------------------------------------

MAX_KEY_BYTES: Final = 512
MAX_VALUE_BYTES: Final = 25 * 1024 * 1024  # 26,214,400, inclusive
MAX_METADATA_BYTES: Final = 1024
MIN_EXPIRATION_TTL: Final = 60
MIN_CACHE_TTL: Final = 30
MAX_LIST_LIMIT: Final = 1000
DEFAULT_LIST_LIMIT: Final = 1000
MAX_BULK_KEYS: Final = 100
MAX_BULK_BYTES: Final = 25 * 1024 * 1024
# WebIDL ``long``: the range workerd converts numeric options into.
INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1

# Opt-in production strictness (docs/kv.md#strict-modes).
WRITE_INTERVAL_SECONDS: Final = 1.0  # 1 write per second per key
CONSISTENCY_WINDOW_SECONDS: Final = 60.0  # reads may lag writes by up to 60 s

# Chunk size of ``get(key, type="stream")``.
STREAM_CHUNK_BYTES: Final = 64 * 1024

# -- operation names in server-side errors --------------------------------------------------

GET: Final = "GET"
GET_BULK: Final = "GET_BULK"
PUT: Final = "PUT"
DELETE: Final = "DELETE"

FAILED: Final = "KV {operation} failed: {status} {message}"

# -- client-side (TypeError) messages -------------------------------------------------------

KEY_EMPTY: Final = "Key name cannot be empty."
KEY_DOTS: Final = '"{key}" is not allowed as a key name.'
KEY_NOT_STRING: Final = (
    "Failed to execute '{method}' on 'KvNamespace': parameter 1 is not of type '{expected}'."
)
VALUE_TYPE: Final = (
    "KV put() accepts only strings, bytes-like values and async iterables of bytes as values."
)
# *Python*: a ReadableStream must carry bytes; an async iterable must yield bytes-like chunks.
STREAM_CHUNK_TYPE: Final = "KV put() streams must yield bytes-like chunks, not {type_name}."
UNKNOWN_TYPE: Final = (
    'Unknown response type. Possible types are "text", "bytes", "json", and "stream".'
)
OUT_OF_RANGE: Final = "Value out of range. Must be between -2147483648 and 2147483647 (inclusive)."
# *Python*: JavaScript coerces strings, booleans and null to numbers; Python refuses them.
OPTION_NOT_INT: Final = "{option} must be an int, not {type_name}."
OPTION_NOT_STRING: Final = "{option} must be a str or None, not {type_name}."

# -- server-side messages (wrapped in FAILED) -----------------------------------------------

KEY_NOT_URL_DECODABLE: Final = "Could not URL-decode key name"
KEY_TOO_LONG: Final = "UTF-8 encoded length of {length} exceeds key length limit of 512."
BULK_KEY_EMPTY: Final = "Key names must not be empty"
BULK_KEY_ILLEGAL: Final = 'Illegal key name "{key}". Please use a different name.'
BULK_TOO_FEW: Final = "You must request a minimum of 1 key"
BULK_TOO_MANY: Final = "You can request a maximum of 100 keys"
BULK_BAD_TYPE: Final = '"{type}" is not a valid type. Use "json" or "text"'
BULK_NOT_JSON: Final = "At least one of the requested keys corresponds to a non-json value"
BULK_TOO_LARGE: Final = "Total size of request exceeds the limit of 25MB"
VALUE_TOO_LARGE: Final = "Value length of {length} exceeds limit of 26214400."
METADATA_TOO_LARGE: Final = "Metadata length of {length} exceeds limit of 1024."
TTL_NOT_POSITIVE: Final = "Invalid expiration_ttl of {ttl}. Please specify integer greater than 0."
TTL_TOO_SHORT: Final = "Invalid expiration_ttl of {ttl}. Expiration TTL must be at least 60."
EXPIRATION_IN_PAST: Final = (
    "Invalid expiration of {expiration}. Please specify integer greater than the current "
    "number of seconds since the UNIX epoch."
)
EXPIRATION_TOO_SOON: Final = (
    "Invalid expiration of {expiration}. Expiration times must be at least 60 seconds "
    "in the future."
)
CACHE_TTL_TOO_SHORT: Final = "Invalid cache_ttl of {ttl}. Cache TTL must be at least 30."
LIMIT_NOT_POSITIVE: Final = (
    "Invalid key_count_limit of {limit}. Please specify an integer greater than 0."
)
# "less than" although 1000 itself is accepted: the runtime's wording, kept as it is.
LIMIT_TOO_LARGE: Final = (
    "Invalid key_count_limit of {limit}. Please specify an integer less than 1000."
)
TOO_MANY_REQUESTS: Final = "Too Many Requests"

# -- get types ------------------------------------------------------------------------------

TYPE_TEXT: Final = "text"
TYPE_JSON: Final = "json"
TYPE_BYTES: Final = "bytes"
TYPE_STREAM: Final = "stream"
BULK_TYPES: Final = frozenset({TYPE_TEXT, TYPE_JSON})
