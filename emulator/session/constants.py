"""The session port's vocabulary: the seed's defaults, formats, SQL and messages.

Texts with ``{}`` slots are filled with ``str.format``. Tests import these names wherever
the literal itself is not the point of the test.
"""

from __future__ import annotations

import re

# -- the seed's defaults (``SessionConfig::kv`` / ``SessionConfig::d1``) ---------------------

DEFAULT_COOKIE_NAME = "__session"
DEFAULT_MAX_AGE = 86400

# -- limits --------------------------------------------------------------------------------

# Workers KV refuses ``expiration_ttl`` under 60 seconds ("Invalid expiration_ttl of 59.
# Expiration TTL must be at least 60."), so a KV session with a shorter max age would fail
# on every save.
KV_MIN_EXPIRATION_TTL = 60
# The smallest max age that still lets a D1 session be read back: the seed stores
# ``expires_at = unixepoch() + max_age`` and reads ``expires_at > unixepoch()``.
MIN_MAX_AGE = 1
# workerd converts ``expirationTtl`` like a WebIDL ``long``: larger values are refused.
MAX_MAX_AGE = 2_147_483_647

# -- storage layout --------------------------------------------------------------------------

SESSION_KEY_PREFIX = "session:"
SESSION_KEY = SESSION_KEY_PREFIX + "{id}"

D1_SELECT = "SELECT data FROM {table} WHERE id = ? AND expires_at > unixepoch()"
D1_UPSERT = "INSERT OR REPLACE INTO {table} (id, data, expires_at) VALUES (?, ?, unixepoch() + ?)"
D1_DELETE = "DELETE FROM {table} WHERE id = ?"
# Not in the seed: a loaded session is saved only while its row is still there (a logout or
# regenerate() in another request deleted or moved it otherwise), and moved to its new id
# by the same statement after regenerate().
D1_UPDATE = "UPDATE {table} SET id = ?, data = ?, expires_at = unixepoch() + ? WHERE id = ?"
# With conflict detection, the row must also still hold the text this request loaded.
D1_UNCHANGED = " AND data = ?"
# The updated row comes back when there was one: cheaper than reading ``meta.changes``.
D1_RETURNING = " RETURNING id"
# The schema the seed documents on ``SessionConfig::d1``, made idempotent.
D1_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS {table} "
    "(id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL)"
)
# Not in the seed: expired D1 rows are only filtered at read time, never removed.
D1_PURGE = "DELETE FROM {table} WHERE expires_at <= unixepoch()"

# -- values ------------------------------------------------------------------------------------

# serde_json refuses JSON that nests 128 arrays and objects (its deserializer starts with
# ``remaining_depth: 128`` and fails when it reaches 0); a record is one object around its
# values, so a value may nest 126 levels: every record this port writes, the seed can read.
MAX_VALUE_DEPTH = 126

# -- cookies ------------------------------------------------------------------------------------

SAME_SITE_VALUES = ("Strict", "Lax", "None")
# RFC 6265 path-value, starting with "/" (spaces refused: no browser needs them).
COOKIE_PATH_PATTERN = re.compile(r"/[\x21-\x3a\x3c-\x7e]*")
# A host name, as RFC 6265's domain-value (a leading dot is allowed and ignored by browsers).
COOKIE_DOMAIN_PATTERN = re.compile(
    r"\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)

# The ids this port issues: ``str(uuid.uuid4())``, the format of the seed's
# ``crypto.randomUUID()``, so cookies issued by the Rust middleware stay valid.
SESSION_ID_PATTERN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
)
# A request may carry the session cookie more than once (a stale copy from a parent
# domain, say): that many well-formed ids are tried, in order, so a stale first copy does
# not log the user out, while a request stuffed with ids cannot multiply backend reads.
MAX_SESSION_COOKIES_TRIED = 2
# RFC 6265 cookie-name (an RFC 7230 token) and cookie-value octets.
COOKIE_NAME_PATTERN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
COOKIE_VALUE_PATTERN = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")

# -- names checked when a config is built ------------------------------------------------------

# wrangler binding names are JavaScript identifiers.
BINDING_NAME_PATTERN = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,127}")
# The table name is written into the seed's SQL unquoted.
TABLE_NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
# SQLite's keywords (``sqlite3_keyword_name``): unquoted, they break or change the SQL.
_SQL_KEYWORDS_TEXT = """
    ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE
    BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT
    CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT
    DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT
    EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL
    GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER
    INSERT INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED
    NATURAL NO NOT NOTHING NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER
    PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY RAISE RANGE RECURSIVE REFERENCES REGEXP
    REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK ROW ROWS SAVEPOINT
    SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER UNBOUNDED UNION UNIQUE
    UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT
"""
SQL_KEYWORDS = frozenset(_SQL_KEYWORDS_TEXT.split())

# -- messages: the seed's -------------------------------------------------------------------

# The seed's hint, in Python spelling.
NOT_CONFIGURED = (
    "cf.session() called but session middleware is not configured — "
    'add .session(SessionConfig.kv("SESSIONS")) to your Handler'
)
NOT_LOADED = (
    "session not loaded: this request's session was already flushed when its response was prepared"
)
SAVE_FAILED = "session save failed: {error}"
DELETE_FAILED = "session delete failed: {error}"

# -- messages: this port's ------------------------------------------------------------------

LOAD_FAILED = "session load failed: {error}"
OUTSIDE_REQUEST = (
    "cf.{helper}() called outside a request — "
    "add Handler(env).middleware to your aiohttp application's middlewares"
)
NO_BINDING = "no binding named {name!r} in env"
RESPONSE_PREPARED = (
    "cannot send the session cookie or the cookies set with cf.set_cookie(): the response "
    "was prepared (streamed) before the session middleware could add them, and aiohttp "
    "gives a bare middleware no hook at prepare time; install the session middleware with "
    "handler.setup(app) instead of middlewares=[handler.middleware], so the session is "
    "saved and its cookies added when the response is prepared"
)
PREPARE_FAILED_TEXT = "500 Internal Server Error\n\nServer got itself in trouble"
CONFLICT = (
    "session conflict: another request saved or ended this session after this request "
    "loaded it; this request's changes were not saved"
)
NO_SESSION_MIDDLEWARE = (
    "{function}() needs a request handled by the session middleware — install "
    "Handler(env).session(config) on your aiohttp application"
)
COOKIE_AFTER_PREPARE = (
    "cf.{helper}() called after the response was prepared: its headers are already sent"
)
VALUE_NOT_JSON = "session value {key!r} cannot be encoded as JSON: {error}"
VALUE_TOO_DEEP = (
    "session value {key!r} is nested more than 126 levels deep: it could not be read back"
)
LONE_SURROGATE = (
    "session {what} {key!r} holds a lone surrogate ({char}), which UTF-8 cannot encode: "
    "decode the text that produced it with errors='replace' or refuse it"
)
VALUE_TYPE_MISMATCH = "session value {key!r} cannot be read as {expected}: {reason}"
KEY_NOT_STR = "session keys are strings, got {type}"
UNSUPPORTED_TYPE = (
    "cannot read a session value as {expected}: use str, int, float, bool, None, list, "
    "tuple, dict, a union, Literal, Any, a dataclass or a TypedDict"
)

INVALID_BINDING_NAME = (
    "invalid binding name {name!r}: use letters, digits, '_' or '$', not starting with a "
    "digit (wrangler binding names are JavaScript identifiers)"
)
INVALID_TABLE_NAME = (
    "invalid D1 session table name {table!r}: use letters, digits and '_', not starting "
    "with a digit (the name is written into the session SQL unquoted)"
)
TABLE_NAME_IS_KEYWORD = (
    "invalid D1 session table name {table!r}: it is an SQL keyword "
    "(the name is written into the session SQL unquoted)"
)
TABLE_NAME_RESERVED = (
    "invalid D1 session table name {table!r}: names starting with 'sqlite_' or '_cf_' are "
    "reserved (D1 refuses them)"
)
INVALID_COOKIE_NAME = (
    "invalid cookie name {name!r}: use letters, digits and !#$%&'*+-.^_`|~ (an RFC 6265 token)"
)
INVALID_COOKIE_VALUE = (
    "invalid cookie value {value!r}: use printable ASCII without spaces, '\"', ',', ';' "
    "or '\\' (RFC 6265 cookie-octets)"
)
MAX_AGE_NOT_INT = "max_age must be an int number of seconds, got {type}"
MAX_AGE_TOO_SHORT = "max_age must be at least {minimum} second, got {secs}"
KV_MAX_AGE_TOO_SHORT = (
    "max_age of {secs} seconds is too short for a KV session: KV refuses expiration_ttl "
    "under 60 seconds (KV PUT failed: 400 Invalid expiration_ttl of {secs}. Expiration TTL "
    "must be at least 60.), so every request that saves the session would fail"
)
MAX_AGE_TOO_LONG = (
    "max_age of {secs} seconds is over 2147483647, the largest expiration_ttl KV accepts"
)
COOKIE_MAX_AGE_INVALID = "cookie max_age must be an int >= 0, got {value!r}"
KV_NO_CONFLICT_DETECTION = (
    "detect_conflicts() needs a D1 session config: KV has no compare-and-set, so a "
    "concurrent save cannot be detected"
)
OPTION_NOT_BOOL = "{name}() takes True or False, got {value!r}"
COOKIE_FLAG_NOT_BOOL = "cookie {name} must be True or False, got {value!r}"
INVALID_SAME_SITE = 'cookie same_site must be "Strict", "Lax" or "None", got {value!r}'
INVALID_COOKIE_PATH = (
    "invalid cookie path {path!r}: it must start with '/' and hold printable ASCII "
    "without ';' or spaces"
)
INVALID_COOKIE_DOMAIN = "invalid cookie domain {domain!r}: use a host name such as 'example.com'"
HOST_PREFIX_RULES = (
    "cookie {name!r} has the __Host- prefix, which browsers accept only with secure=True, "
    "path='/' and no domain: got {wrong}"
)
SECURE_PREFIX_RULES = (
    "cookie {name!r} has the __Secure- prefix, which browsers accept only with secure=True"
)
SAME_SITE_NONE_NEEDS_SECURE = (
    'cookie same_site="None" needs secure=True: browsers drop SameSite=None cookies that '
    "are not Secure"
)
NOT_D1_CONFIG = "{method}() needs a D1 session config (SessionConfig.d1(binding, table))"
ALREADY_SET_UP = "this application already has a session Handler set up"
