"""D1's vocabulary: limits, messages (with ``{}`` slots) and the allow-lists of workerd.

Everything here mirrors the Workers runtime that Miniflare 4.20260426 embeds (workerd of
2026-04-26, SQLite 3.47.0): ``src/workerd/util/sqlite.c++`` (``setupSecurity`` limits,
``ALLOWED_SQLITE_FUNCTIONS``, ``ALLOWED_PRAGMAS``, ``isAuthorized``), ``src/workerd/api/sql.c++``
(``SqlStorage::isAllowedName``, ``allowTransactions``), ``src/cloudflare/internal/d1-api.ts``
(the binding shim) and Miniflare's ``packages/miniflare/src/workers/d1/database.worker.ts``.
Tests import these names wherever the literal text is not itself the point.
"""

from __future__ import annotations

from typing import Final

from emulator import _apsw as apsw

# -- identity -------------------------------------------------------------------------------

#: ``meta.served_by`` (Miniflare says ``"miniflare.db"``; docs/d1.md#results).
SERVED_BY: Final = "cf-kv-d1-emulator"

# -- message prefixes and texts (d1-api.ts, database.worker.ts, sql.c++, sqlite.c++) --------

D1_ERROR: Final = "D1_ERROR: {}"
D1_EXEC_ERROR: Final = "D1_EXEC_ERROR: Error in line {}: {}: {}"
D1_TYPE_ERROR: Final = "D1_TYPE_ERROR: Type '{}' not supported for value '{}'"
D1_COLUMN_NOTFOUND: Final = "D1_COLUMN_NOTFOUND: Column not found ({})"

NO_SQL_STATEMENTS: Final = "No SQL statements detected."
NO_STATEMENT_IN_CODE: Final = "SQL code did not contain a statement."
WRONG_PARAMETER_COUNT: Final = "Wrong number of parameter bindings for SQL query."
ONLY_LAST_STATEMENT_PARAMETERS: Final = (
    "When executing multiple SQL statements in a single call, only the last statement can "
    "have parameters."
)
TRANSACTION_REFUSED: Final = (
    "To execute a transaction, please use the state.storage.transaction() or "
    "state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT "
    "statements. The JavaScript API is safer because it will automatically roll back on "
    "exceptions, and because it interacts correctly with Durable Objects' automatic atomic "
    "write coalescing."
)
#: A deferred constraint left violated at the end of a request resets the Durable Object;
#: this text carries no ``D1_ERROR:`` prefix.
CONSTRAINT_RESET: Final = (
    "Durable Object was reset and rolled back to its last known good state because the "
    "application left the database in a state where constraints were violated: {}"
)

#: A Durable Object that fails (SQLite rolled the request's transaction back itself, or a
#: statement before the last returned rows it wrote) answers with this and resets; the
#: reference is 24 random lower-case letters and digits. No ``D1_ERROR:`` prefix.
INTERNAL_ERROR: Final = "internal error; reference = {}"

# SQLite's own texts, for what the engine cannot say itself (``compat``).
SYNTAX_ERROR_NEAR: Final = 'near "{}": syntax error'
#: ``SQLITE_ENABLE_UPDATE_DELETE_LIMIT``'s refusal ("DELETE" or "UPDATE"; no offset).
ORDER_BY_WITHOUT_LIMIT: Final = "ORDER BY without LIMIT on {}"
#: workerd passes the exact byte length to ``sqlite3_prepare_v3``, so an over-long text is
#: refused up front (``SQLITE_TOOBIG``) rather than as "string or blob too big".
STATEMENT_TOO_LONG: Final = "statement too long"

# -- limits (sqlite.c++ ``setupSecurity``, as built on 2026-04-26) --------------------------

MAX_STATEMENT_BYTES: Final = 100_000
MAX_BOUND_PARAMETERS: Final = 100
MAX_COLUMNS: Final = 100
#: ``SQLITE_LIMIT_LENGTH``: the largest string, BLOB or row (2.2 MB in this workerd; a build
#: of August 2026 raised it to 4 MiB).
MAX_VALUE_BYTES: Final = 2_200_000
MAX_FUNCTION_ARGUMENTS: Final = 127
MAX_LIKE_PATTERN_BYTES: Final = 50
MAX_COMPOUND_SELECT_TERMS: Final = 5
MAX_EXPRESSION_DEPTH: Final = 100
MAX_TRIGGER_DEPTH: Final = 10
MAX_VDBE_OPS: Final = 25_000

D1_LIMITS: Final[dict[int, int]] = {
    apsw.SQLITE_LIMIT_LENGTH: MAX_VALUE_BYTES,
    apsw.SQLITE_LIMIT_SQL_LENGTH: MAX_STATEMENT_BYTES,
    apsw.SQLITE_LIMIT_COLUMN: MAX_COLUMNS,
    apsw.SQLITE_LIMIT_EXPR_DEPTH: MAX_EXPRESSION_DEPTH,
    apsw.SQLITE_LIMIT_COMPOUND_SELECT: MAX_COMPOUND_SELECT_TERMS,
    apsw.SQLITE_LIMIT_VDBE_OP: MAX_VDBE_OPS,
    apsw.SQLITE_LIMIT_FUNCTION_ARG: MAX_FUNCTION_ARGUMENTS,
    apsw.SQLITE_LIMIT_ATTACHED: 0,
    apsw.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: MAX_LIKE_PATTERN_BYTES,
    apsw.SQLITE_LIMIT_VARIABLE_NUMBER: MAX_BOUND_PARAMETERS,
    apsw.SQLITE_LIMIT_TRIGGER_DEPTH: MAX_TRIGGER_DEPTH,
    apsw.SQLITE_LIMIT_WORKER_THREADS: 0,
}

# -- the authorizer's allow-lists (sqlite.c++ of 2026-04-26) --------------------------------

#: ``ALLOWED_SQLITE_FUNCTIONS``: every other function is "not authorized to use function".
ALLOWED_FUNCTIONS: Final = frozenset(
    {
        # core functions
        "abs", "changes", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex",
        "ifnull", "iif", "instr", "last_insert_rowid", "length", "like", "likelihood",
        "likely", "load_extension", "lower", "ltrim", "max_scalar", "min_scalar", "nullif",
        "octet_length", "printf", "quote", "random", "randomblob", "replace", "round",
        "rtrim", "sign", "soundex", "substr", "substring", "total_changes", "trim", "typeof",
        "unhex", "unicode", "unlikely", "upper", "zeroblob",
        # date and time
        "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff",
        "current_date", "current_time", "current_timestamp",
        # aggregates
        "avg", "count", "group_concat", "max", "min", "string_agg", "sum", "total",
        # window functions
        "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag",
        "lead", "first_value", "last_value", "nth_value",
        # math
        "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "cos", "cosh",
        "degrees", "exp", "floor", "ln", "log", "log2", "mod", "pi", "pow", "radians", "sin",
        "sinh", "sqrt", "tan", "tanh", "trunc",
        # JSON
        "json", "jsonb", "json_array", "jsonb_array", "json_array_length", "json_extract",
        "jsonb_extract", "->", "->>", "json_insert", "jsonb_insert", "json_object",
        "jsonb_object", "json_patch", "jsonb_patch", "json_remove", "jsonb_remove",
        "json_replace", "jsonb_replace", "json_set", "jsonb_set", "json_type", "json_valid",
        "json_quote", "json_group_array", "jsonb_group_array", "json_group_object",
        "jsonb_group_object", "json_each", "json_tree",
        # FTS5
        "match", "highlight", "bm25", "snippet",
        # used internally by ALTER TABLE
        "sqlite_rename_column", "sqlite_rename_table", "sqlite_rename_test",
        "sqlite_drop_column", "sqlite_rename_quotefix",
    }
)  # fmt: skip

#: Functions apsw's build of SQLite 3.47 has and workerd's does not (FTS3, R*Tree, Geopoly
#: are not compiled into workerd): D1 answers "no such function" for them, so the emulator
#: does too. Each name was checked against Miniflare with ``SELECT name()``.

PRAGMA_NO_ARGUMENT: Final = "no-argument"
PRAGMA_BOOLEAN: Final = "boolean"
PRAGMA_OBJECT_NAME: Final = "object-name"
PRAGMA_OPTIONAL_OBJECT_NAME: Final = "optional-object-name"
PRAGMA_NULL_OR_NUMBER: Final = "null-or-number"
PRAGMA_NULL_NUMBER_OR_OBJECT_NAME: Final = "null-number-or-object-name"

#: ``ALLOWED_PRAGMAS`` with their argument signatures; ``table_list``, ``table_info`` and
#: ``table_xinfo`` are special-cased in ``isAuthorized``. Names compare case-sensitively,
#: as workerd does (``PRAGMA FOREIGN_KEYS`` is refused).
ALLOWED_PRAGMAS: Final[dict[str, str]] = {
    "data_version": PRAGMA_NO_ARGUMENT,
    "case_sensitive_like": PRAGMA_BOOLEAN,
    "foreign_keys": PRAGMA_BOOLEAN,
    "defer_foreign_keys": PRAGMA_BOOLEAN,
    "ignore_check_constraints": PRAGMA_BOOLEAN,
    "legacy_alter_table": PRAGMA_BOOLEAN,
    "recursive_triggers": PRAGMA_BOOLEAN,
    "reverse_unordered_selects": PRAGMA_BOOLEAN,
    "foreign_key_check": PRAGMA_OPTIONAL_OBJECT_NAME,
    "foreign_key_list": PRAGMA_OBJECT_NAME,
    "index_info": PRAGMA_OBJECT_NAME,
    "index_list": PRAGMA_OBJECT_NAME,
    "index_xinfo": PRAGMA_OBJECT_NAME,
    "quick_check": PRAGMA_NULL_NUMBER_OR_OBJECT_NAME,
    "optimize": PRAGMA_NULL_OR_NUMBER,
}

#: Prefixes of the boolean spellings workerd accepts (it compares with ``strncasecmp``).
PRAGMA_BOOLEAN_PREFIXES: Final = ("true", "false", "yes", "no", "on", "off", "1", "0")

#: Virtual table modules ``CREATE VIRTUAL TABLE`` may use (R*Tree came in August 2026).
ALLOWED_VTAB_MODULES: Final = frozenset({"fts5", "fts5vocab"})

#: Modules kept on the connection; the rest (dbstat, carray, jsonb_each, fts3/4, geopoly,
#: ...) are dropped so their names are "no such table" as in D1.


#: Table names starting with this (case-sensitively) belong to the runtime.
RESERVED_PREFIX: Final = "_cf_"
#: Names starting with this, in any case, belong to SQLite itself.
SQLITE_RESERVED_PREFIX: Final = "sqlite_"

#: The runtime's own table, present in every D1 database (``PRAGMA table_list`` shows it).
CF_METADATA_TABLE: Final = "_cf_METADATA"
CF_METADATA_SQL: Final = (
    f"CREATE TABLE IF NOT EXISTS {CF_METADATA_TABLE} (\n        key INTEGER PRIMARY KEY,\n"
    "        value BLOB\n      )"
)

# -- error names (sqlite.c++ ``namedErrorCode`` / ``namedExtendedErrorCode``) ---------------

#: Extended codes workerd can name; any other extended code is left out of the message.
NAMED_EXTENDED_CODES: Final = frozenset(
    {
        "SQLITE_ABORT_ROLLBACK", "SQLITE_AUTH_USER", "SQLITE_BUSY_RECOVERY",
        "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY_TIMEOUT", "SQLITE_CANTOPEN_CONVPATH",
        "SQLITE_CANTOPEN_DIRTYWAL", "SQLITE_CANTOPEN_FULLPATH", "SQLITE_CANTOPEN_ISDIR",
        "SQLITE_CANTOPEN_NOTEMPDIR", "SQLITE_CANTOPEN_SYMLINK", "SQLITE_CONSTRAINT_CHECK",
        "SQLITE_CONSTRAINT_COMMITHOOK", "SQLITE_CONSTRAINT_DATATYPE",
        "SQLITE_CONSTRAINT_FOREIGNKEY", "SQLITE_CONSTRAINT_FUNCTION",
        "SQLITE_CONSTRAINT_NOTNULL", "SQLITE_CONSTRAINT_PINNED",
        "SQLITE_CONSTRAINT_PRIMARYKEY", "SQLITE_CONSTRAINT_ROWID",
        "SQLITE_CONSTRAINT_TRIGGER", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_VTAB",
        "SQLITE_CORRUPT_INDEX", "SQLITE_CORRUPT_SEQUENCE", "SQLITE_CORRUPT_VTAB",
        "SQLITE_ERROR_MISSING_COLLSEQ", "SQLITE_ERROR_RETRY", "SQLITE_ERROR_SNAPSHOT",
        "SQLITE_IOERR_ACCESS", "SQLITE_IOERR_AUTH", "SQLITE_IOERR_BEGIN_ATOMIC",
        "SQLITE_IOERR_BLOCKED", "SQLITE_IOERR_CHECKRESERVEDLOCK", "SQLITE_IOERR_CLOSE",
        "SQLITE_IOERR_COMMIT_ATOMIC", "SQLITE_IOERR_CONVPATH", "SQLITE_IOERR_CORRUPTFS",
        "SQLITE_IOERR_DATA", "SQLITE_IOERR_DELETE", "SQLITE_IOERR_DELETE_NOENT",
        "SQLITE_IOERR_DIR_CLOSE", "SQLITE_IOERR_DIR_FSYNC", "SQLITE_IOERR_FSTAT",
        "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_GETTEMPPATH", "SQLITE_IOERR_LOCK",
        "SQLITE_IOERR_MMAP", "SQLITE_IOERR_NOMEM", "SQLITE_IOERR_RDLOCK", "SQLITE_IOERR_READ",
        "SQLITE_IOERR_ROLLBACK_ATOMIC", "SQLITE_IOERR_SEEK", "SQLITE_IOERR_SHMLOCK",
        "SQLITE_IOERR_SHMMAP", "SQLITE_IOERR_SHMOPEN", "SQLITE_IOERR_SHMSIZE",
        "SQLITE_IOERR_SHORT_READ", "SQLITE_IOERR_TRUNCATE", "SQLITE_IOERR_UNLOCK",
        "SQLITE_IOERR_VNODE", "SQLITE_IOERR_WRITE", "SQLITE_LOCKED_SHAREDCACHE",
        "SQLITE_LOCKED_VTAB", "SQLITE_NOTICE_RECOVER_ROLLBACK", "SQLITE_NOTICE_RECOVER_WAL",
        "SQLITE_OK_LOAD_PERMANENTLY", "SQLITE_READONLY_CANTINIT", "SQLITE_READONLY_CANTLOCK",
        "SQLITE_READONLY_DBMOVED", "SQLITE_READONLY_DIRECTORY", "SQLITE_READONLY_RECOVERY",
        "SQLITE_READONLY_ROLLBACK", "SQLITE_WARNING_AUTOINDEX",
    }
)  # fmt: skip

# -- migrations (wrangler ``packages/wrangler/src/d1``) -----------------------------------

DEFAULT_MIGRATIONS_TABLE: Final = "d1_migrations"
MIGRATIONS_TABLE_SQL: Final = (
    "CREATE TABLE IF NOT EXISTS {}(\n\t\tid         INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "\t\tname       TEXT UNIQUE,\n\t\tapplied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL\n);"
)
MIGRATIONS_MULTIPLE_TRANSACTIONS: Final = (
    "Wrangler could not process the provided SQL file, as it contains several transactions.\n"
    "D1 runs your SQL in a transaction for you.\n"
    "Please export an SQL file from your SQLite database and try again."
)
