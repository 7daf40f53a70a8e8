"""What the engine needs to know about a SQL text before running it, computed once per text.

A ``Plan`` is the list of statements a ``prepare()`` string holds (``splitting``) with, for
each, its leading keyword, whether it is a plain read (no explicit transaction needed),
whether it needs a SQLite 3.47 syntax check, and its statement kind (which decides whether
the engine's single-statement path can take it).
Plans are cached by text in a small LRU (``PlanCache``), so the hot path of a repeated
``prepare(sql).bind(...).first()`` costs one dictionary lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from emulator.d1.compat import CompatError, limited_statement
from emulator.d1.constants import MAX_STATEMENT_BYTES
from emulator.d1.splitting import (
    first_keyword,
    has_statement,
    is_dropped_statement,
    split_statements,
    tokens,
)
from emulator.d1.text import well_formed

__all__ = ["PiecePlan", "Plan", "PlanCache", "statement_kind"]

# Statements that only read: SQLite's autocommit already makes them atomic, so they run
# without BEGIN/COMMIT. Everything else runs inside a transaction, as every D1 request does
# (which is also what makes ``PRAGMA foreign_keys = OFF`` a no-op, as on D1).
_READ_ONLY: Final = frozenset({"SELECT", "VALUES", "EXPLAIN"})
_LIMITABLE: Final = frozenset({"UPDATE", "DELETE"})
_DML: Final = frozenset({"INSERT", "REPLACE", "UPDATE", "DELETE"})
_VERB_KINDS: Final = {
    "SELECT": "select",
    "VALUES": "select",
    "WITH": "select",
    "EXPLAIN": "select",
    "PRAGMA": "pragma",
    "INSERT": "insert",
    "REPLACE": "insert",
    "UPDATE": "update",
    "DELETE": "delete",
    "DROP": "drop",
    "ALTER": "alter",
}


def statement_kind(sql: str) -> str:
    """Classify a statement by its verb: ``select``, ``insert``, ``pragma``, ``other``..."""
    return _VERB_KINDS.get(first_keyword(sql), "other")


@dataclass(frozen=True, slots=True)
class PiecePlan:
    """One statement of a ``prepare()`` string."""

    sql: str
    has_statement: bool
    keyword: str
    read_only: bool
    #: An error D1's SQLite gives for this statement where this engine would not.
    compat_error: CompatError | None
    kind: str
    #: A DML statement without ``RETURNING``: it has no result columns.
    no_columns: bool = False
    #: A statement to run as it is, with no check first: the hot path's one test.
    plain: bool = True
    #: The statement as written when ``sql`` is its rewrite by rowid (``UPDATE``/``DELETE``
    #: with ``ORDER BY``/``LIMIT``): a ``WITHOUT ROWID`` target needs it rewritten by key.
    limited: str | None = None

    @property
    def body(self) -> str:
        """The statement without its closing semicolon and trailing comments."""
        last = None
        for token in tokens(self.sql):
            if token.text != ";":
                last = token
        return self.sql if last is None else self.sql[: last.start + len(last.text)]


@dataclass(frozen=True, slots=True)
class Plan:
    """Every statement of one SQL text, in order; ``dropped`` when Miniflare would drop the
    text as empty before running anything; ``too_long`` when it exceeds workerd's
    ``SQLITE_LIMIT_SQL_LENGTH`` (checked on the whole text before the first statement)."""

    pieces: tuple[PiecePlan, ...]
    dropped: bool
    too_long: bool
    #: One query or DML statement: ``all()``/``run()`` take a shorter path.
    single: bool = False
    #: One DML statement whose failure SQLite's autocommit undoes entirely (no ``OR FAIL``;
    #: no ``OR ROLLBACK``, whose failure D1 reports as a reset), so it needs no explicit
    #: transaction unless the schema has ``RAISE(FAIL)`` / ``RAISE(ROLLBACK)`` triggers or
    #: deferred foreign keys (checked at run time).
    autocommit: bool = False

    @property
    def read_only(self) -> bool:
        """Whether no statement can write (so no explicit transaction is needed)."""
        return all(piece.read_only for piece in self.pieces)


def _piece(sql: str) -> PiecePlan:
    keyword = first_keyword(sql)
    compat_error = None
    written = None
    if keyword in _LIMITABLE:
        limited = limited_statement(sql)
        if isinstance(limited, CompatError):
            compat_error = limited
        elif limited is not None:
            written, sql = sql, limited
    return PiecePlan(
        sql=sql,
        has_statement=has_statement(sql),
        keyword=keyword,
        read_only=keyword in _READ_ONLY,
        compat_error=compat_error,
        kind=statement_kind(sql),
        no_columns=keyword in _DML
        and not any(token.kind == "id" and token.upper == "RETURNING" for token in tokens(sql)),
        plain=has_statement(sql) and compat_error is None and written is None,
        limited=written,
    )


class PlanCache(dict[str, Plan]):
    """A bounded cache of ``Plan`` by SQL text (``cache[sql]`` builds on first use; the
    oldest entries are evicted first). A ``dict`` so that a hit costs one C-level lookup."""

    def __init__(self, capacity: int = 1024) -> None:
        super().__init__()
        self._capacity = capacity

    def __missing__(self, sql: str) -> Plan:
        plan = self._build(sql)
        if len(self) >= self._capacity:
            del self[next(iter(self))]
        self[sql] = plan
        return plan

    @staticmethod
    def _build(sql: str) -> Plan:
        runnable = well_formed(sql)
        nul = runnable.find("\0")
        if nul >= 0:
            # SQLite stops reading at a NUL; workerd then finds no statement in what follows.
            head = split_statements(runnable[:nul])
            pieces = (*(_piece(piece) for piece in head), _piece(""))
        else:
            pieces = tuple(_piece(piece) for piece in split_statements(runnable))
        too_long = len(sql) > MAX_STATEMENT_BYTES // 4 and (
            len(sql.encode("utf-8", "surrogatepass")) > MAX_STATEMENT_BYTES
        )
        dropped = is_dropped_statement(sql)
        only = pieces[0]
        single = (
            len(pieces) == 1
            and only.has_statement
            and only.compat_error is None
            and not too_long
            and not dropped
            and only.kind in ("select", "insert", "update", "delete")
        )
        autocommit = (
            single
            and only.keyword in _DML
            and not any(token.upper in ("FAIL", "ROLLBACK") for token in tokens(only.sql))
        )
        return Plan(pieces, dropped, too_long, single, autocommit)
