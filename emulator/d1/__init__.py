"""D1: the database binding, statements, results, authorizer and clock functions.

Module map (imports go down the list)::

    database    D1Database: prepare / batch / exec / dump / query / sqlite_utils / migrations
    statement   D1PreparedStatement: bind / first / all / run / raw
    results     D1Result, D1ExecResult
    migrations  wrangler-style migrations folders
    dbapi       the sqlite3-style adapter sqlite-utils runs on
    engine      requests: transactions, failures, lifecycle
    statements  one statement: rewrite, run, rows, errors
    metering    meta bookkeeping          metadata  MetaRecord       outcome  Outcome
    schema      schema facts              planning  per-SQL plans
    sqlite      the configured connection (emulator._apsw: D1's SQLite, row counters)
    authorizer  workerd's SQL restrictions          compat    UPDATE/DELETE ... LIMIT
    clockvfs    the emulator clock behind every time function
    splitting   statement splitting       binding   bind values      errors   D1 error texts
    constants   limits, messages, allow-lists
"""

from emulator.d1.database import D1Database
from emulator.d1.results import D1ExecResult, D1Result
from emulator.d1.statement import D1PreparedStatement

__all__ = ["D1Database", "D1ExecResult", "D1PreparedStatement", "D1Result"]
