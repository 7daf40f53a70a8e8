"""The REST API v4's vocabulary: paths, limits, error codes and messages (``{}`` slots).

Codes marked *observed* are those Cloudflare's API is known to return (quoted by SDKs,
wrangler and client libraries); codes marked *chosen* fill gaps where the real code is not
documented. Statuses are chosen so that the official SDK never retries a deterministic
error: it retries 408, 409, 429 and every 5xx.
"""

from __future__ import annotations

from typing import Final

API_PREFIX: Final = "/client/v4"
ADMIN_PREFIX: Final = "/__emulator"
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8787
SERVED_BY: Final = "cf-kv-d1-emulator"

# KV values are capped at 25 MiB (inclusive). Bodies may be a little larger, for the
# multipart envelope and the metadata part, so that an over-long value still reaches KV's
# own check and gets its exact "Value length of N exceeds limit of 26214400." text.
KV_VALUE_LIMIT: Final = 26_214_400
MAX_BODY_SIZE: Final = KV_VALUE_LIMIT + 64 * 1024

KV_BULK_WRITE_LIMIT: Final = 10_000
KV_NAMESPACES_PER_PAGE_DEFAULT: Final = 20
KV_NAMESPACES_PER_PAGE_MAX: Final = 1000
D1_DATABASES_PER_PAGE_DEFAULT: Final = 1000
D1_DATABASES_PER_PAGE_MAX: Final = 10_000
D1_BATCH_LIMIT: Final = 10_000

# -- shared (observed) ---------------------------------------------------------------------
CODE_AUTHENTICATION: Final = 10000
MSG_AUTHENTICATION: Final = "Authentication error"
CODE_NO_ROUTE: Final = 7000
MSG_NO_ROUTE: Final = "No route for that URI"
CODE_METHOD_NOT_ALLOWED: Final = 7001  # chosen
MSG_METHOD_NOT_ALLOWED: Final = "Method not allowed for this endpoint ({} {})"
# 403 with 10000 (observed: Cloudflare's answer to a caller that may not do this) for what
# a browser sends on another site's behalf (emulator.server.browser_guard); texts chosen.
MSG_CROSS_ORIGIN: Final = "Cross-origin request refused: Origin {!r} is not this server ({})"
MSG_HOST_NOT_ALLOWED: Final = (
    "Host {0!r} is not allowed (DNS rebinding protection): to reach the server by this "
    "name, start it with --allow-host {0}"
)
CODE_INTERNAL: Final = 10002  # chosen; only for bugs, never for bad input
MSG_INTERNAL: Final = "Internal error"

# -- request shape (chosen) ----------------------------------------------------------------
CODE_BAD_REQUEST: Final = 10001
CODE_BODY_TOO_LARGE: Final = 10001
MSG_BODY_TOO_LARGE: Final = "Request body exceeds the limit of {} bytes"
MSG_INVALID_JSON: Final = "Request body is not valid JSON: {}"
MSG_UNSUPPORTED_MEDIA: Final = "Expected a JSON body, got Content-Type {}"
MSG_INVALID_QUERY: Final = "Invalid query parameter {}: {!r}"
MSG_BAD_ENCODING: Final = "The request path or query is not valid percent-encoded UTF-8"
MSG_BAD_CONTENT_ENCODING: Final = "The request body is not valid for its Content-Encoding {!r}"
MSG_UNSUPPORTED_CONTENT_ENCODING: Final = (
    "The request's Content-Encoding is not supported: use gzip or deflate, or none"
)
MSG_BAD_HTTP: Final = "The request is not valid HTTP: {}"
MSG_TOO_DEEP: Final = "The request nests values too deeply"

# -- KV ------------------------------------------------------------------------------------
CODE_KV_KEY_NOT_FOUND: Final = 10009  # observed
MSG_KV_KEY_NOT_FOUND: Final = "get: 'key not found'"
CODE_KV_BAD_NAMESPACE_ID: Final = 10011  # observed
MSG_KV_BAD_NAMESPACE_ID: Final = "could not parse UUID from request's namespace_id: '{}'"
CODE_KV_NAMESPACE_NOT_FOUND: Final = 10013  # observed
MSG_KV_NAMESPACE_NOT_FOUND: Final = "namespace not found"
CODE_KV_TITLE_EXISTS: Final = 10014  # observed
MSG_KV_TITLE_EXISTS: Final = "a namespace with this account ID and title already exists"
CODE_KV_INVALID: Final = 10019  # chosen: KV's own validation texts (KVError)
CODE_KV_MISSING_FORM_FIELD: Final = 10047  # observed (for the metadata field, 2021)
MSG_KV_MISSING_FORM_FIELD: Final = "multipart put request does not contain required form field '{}'"
MSG_KV_BAD_METADATA: Final = "metadata must be valid JSON: {}"
MSG_KV_BAD_BASE64: Final = "the value of key {!r} is not valid base64"
MSG_KV_TITLE_REQUIRED: Final = "a namespace needs a non-empty 'title' string"
MSG_KV_BULK_TOO_MANY: Final = "You can write or delete at most {} keys per bulk request"

# -- D1 ------------------------------------------------------------------------------------
CODE_D1_BAD_REQUEST: Final = 7400  # chosen
MSG_D1_BAD_DATABASE_ID: Final = "The database identifier '{}' is not valid"
MSG_D1_NAME_REQUIRED: Final = "a database needs a non-empty 'name' string"
MSG_D1_BODY_SHAPE: Final = "the body needs 'sql' (with optional 'params') or 'batch'"
MSG_D1_TRANSFER_BODY: Final = "the body must be a JSON object"
MSG_D1_TRANSFER_FIELD: Final = "invalid or missing '{}'"
MSG_D1_UNKNOWN_BOOKMARK: Final = "no import is running at that bookmark"
MSG_D1_NOT_UPLOADED: Final = "{} has not been uploaded: send 'init' and PUT the file first"
MSG_D1_ETAG_MISMATCH: Final = "the uploaded file does not match its etag (MD5)"
MSG_D1_NUL_IN_SQL: Final = "{}: the SQL holds a NUL character (U+0000); bind such text as a param"
CODE_D1_NOT_FOUND: Final = 7404  # observed
MSG_D1_NOT_FOUND: Final = "The database {} could not be found"
CODE_D1_SQL: Final = 7500  # observed, with HTTP 400 since 2024-04-15
CODE_D1_NAME_EXISTS: Final = 7502  # observed (historically "Internal error")
MSG_D1_NAME_EXISTS: Final = "A database with that name already exists"

# -- admin (the emulator's own routes) -----------------------------------------------------
CODE_ADMIN: Final = 9400
MSG_CLOCK_FIXED: Final = (
    "the server's clock cannot be moved: run it on an OffsetClock or a ManualClock"
)
MSG_CLOCK_NOT_FREEZABLE: Final = (
    "the server's clock is a {} that does not follow wall time: {!r} needs an OffsetClock"
)
