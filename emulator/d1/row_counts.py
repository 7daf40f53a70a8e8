"""``meta.rows_read`` and ``meta.rows_written``, estimated the way workerd counts them.

D1 reads libSQL-style VDBE counters that workerd patches into its SQLite
(``patches/sqlite/0001-row-counts-plain.patch``): a read is counted for every cursor
``Rewind``/``Last``/``Sort``, seek (``SeekRowid``, ``NotExists``, ``SeekGE``... - an equality
seek on an index that finds nothing is not counted), successful ``Next``/``Prev``,
``VNext``, and ``Count`` adds the table's rows; a write for every insert into a table or
index b-tree (not ephemeral ones), every counted row delete, and each row of a truncation.

Stock SQLite keeps no such counters, so the emulator rebuilds them from what it can see:

- the statement's bytecode, read once per SQL text and schema (``EXPLAIN``) into a ``Shape``
  (``bytecode``):
  which loops scan, which seek, sort, count or read ephemeral tables;
- SQLite's ``SQLITE_STMTSTATUS_FULLSCAN_STEP`` (the successful ``Next`` steps of full scans)
  and the number of rows returned;
- the update hook's row changes (table, operation, rowid; a trigger's changes are told
  apart by the tables the authorizer saw the statement itself write), multiplied by the
  table's indexes, plus one ``sqlite_sequence`` write per ``AUTOINCREMENT`` table;
- the bound parameters, for a lone rowid lookup whose key is not an integer (no seek).

The result matches Miniflare for every statement of docs/d1.md#rows-read-and-written and
for single-table statements generally (scans, lookups, ranges, ``IN`` lists, ``ORDER BY``,
``GROUP BY``, ``count(*)``, upserts, ``REPLACE``, ``RETURNING``, triggers' row changes);
joins, compound selects and DDL beyond ``CREATE``/``DROP`` are approximations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple, Protocol

from emulator.d1.bytecode import ExplainRow, Shape, shape_from_program

__all__ = [
    "DDL_KINDS",
    "Activity",
    "ExplainRow",
    "RowEvent",
    "SchemaInfo",
    "SchemaSnapshot",
    "Shape",
    "ddl_rows",
    "estimate",
    "shape_from_program",
]

DDL_KINDS: Final = frozenset(
    {
        "create_table", "create_vtable", "create_index", "create_view", "create_trigger",
        "drop", "alter",
    }
)  # fmt: skip
_WRITES: Final = frozenset({"insert", "update", "delete"})


class RowEvent(NamedTuple):
    """One row change seen by the update hook."""

    op: str  # "INSERT", "UPDATE" or "DELETE"
    table: str
    #: 0 for a change the statement makes itself, 1 for a trigger's or a foreign-key action's.
    depth: int
    rowid: int
    new_rowid: int


@dataclass(slots=True)
class Activity:
    """What one execution of a statement did."""

    full_scan_steps: int = 0
    rows: int = 0
    events: list[RowEvent] = field(default_factory=list)
    changes: int = 0
    #: Every row change, triggers' and foreign-key actions' included (``total_changes``).
    all_changes: int = 0
    #: The first value of the only row returned, when it is an integer (a count).
    counted: int | None = None
    #: Rowid lookups skipped because their key is not an integer (``WHERE id = NULL``).
    skipped_seeks: int = 0
    #: The value of a plain top-level ``LIMIT n``, when known.
    limit: int | None = None


class SchemaInfo(Protocol):
    """The schema facts the estimate needs (answered by the engine, cached per schema)."""

    def secondary_indexes(self, table: str) -> Sequence[frozenset[str] | None]: ...

    def autoincrement(self, table: str) -> bool: ...

    def row_count(self, table: str) -> int: ...

    def table_of_root(self, root: int) -> str | None: ...


class SchemaSnapshot(NamedTuple):
    """``sqlite_schema`` rows as ``(type, name, tbl_name)``, for DDL estimates."""

    objects: frozenset[tuple[str, str, str]]

    @property
    def has_sequence(self) -> bool:
        return ("table", "sqlite_sequence", "sqlite_sequence") in self.objects


def _touched_indexes(
    indexes: Sequence[frozenset[str] | None], columns: set[str], rowid_changed: bool
) -> int:
    if rowid_changed:
        return len(indexes)
    return sum(1 for index in indexes if index is None or index & columns)


def _writes(shape: Shape, activity: Activity, schema: SchemaInfo) -> tuple[int, int]:
    """Return ``(rows written, reads caused by REPLACE deletes and triggers)``."""
    events = activity.events
    # Rows of WITHOUT ROWID tables change unseen by the update hook (one write each).
    unseen = max(0, activity.all_changes - len(events)) if events else 0
    written_tables = shape.written_tables
    if written_tables:
        # Rows a virtual table writes into its shadow tables come from nested statements,
        # which D1 does not count; they are the only writes outside the statement's targets.
        events = [event for event in events if event.table in written_tables]
    if not events:
        # A virtual table (FTS5) counts each row it is given; nothing else was written.
        return (activity.changes if shape.kind in _WRITES else 0), 0
    writes_at_top = any(event.depth == 0 and event.op != "DELETE" for event in events)
    written = 0
    extra_reads = 0
    sequences: set[str] = set()
    for position, event in enumerate(events):
        table = event.table
        if event.op == "INSERT":
            written += 1 + len(schema.secondary_indexes(table))
            if schema.autoincrement(table):
                sequences.add(table)
            continue
        if event.op == "UPDATE":
            columns = shape.targets.updated_columns.get(table, set())
            indexes = schema.secondary_indexes(table)
            written += 1 + _touched_indexes(indexes, columns, event.rowid != event.new_rowid)
        elif event.depth > 0 or not writes_at_top:
            written += 1
        else:
            # REPLACE removing a conflicting row: not a counted write. Overwriting the same
            # rowid needs no extra seek; a row found through a UNIQUE index does.
            following = next((e for e in events[position + 1 :] if e.depth == 0), None)
            if following is not None and following.rowid != event.rowid:
                extra_reads += 1
    return written + len(sequences) + unseen, extra_reads


def _scanned(shape: Shape, activity: Activity, schema: SchemaInfo) -> int:
    # Each scan loop reads its first row (Rewind) and every successful full-scan step; an
    # inner loop of a join starts again for every row of the outer one.
    scanned = activity.full_scan_steps + shape.scans if shape.scans else 0
    if shape.nested_scans and shape.outer_root is not None:
        outer = schema.table_of_root(shape.outer_root)
        restarts = max(1, schema.row_count(outer) if outer else 1) - 1
        scanned += shape.nested_scans * restarts
    return scanned


def _insert_reads(
    shape: Shape, activity: Activity, schema: SchemaInfo, top: list[RowEvent], scanned: int
) -> int:
    # Scans here are sqlite_sequence (AUTOINCREMENT) and INSERT ... SELECT sources.
    reads = scanned
    if shape.rowid_seeks:
        # An explicit INTEGER PRIMARY KEY is looked up once per row (the REPLACE path's own
        # lookup is counted with its delete); so is a foreign key's parent row.
        rows = max(1, sum(1 for event in top if event.op != "DELETE"))
        tables = [schema.table_of_root(root) for root in shape.seek_roots]
        parents = sum(1 for table in tables if table not in shape.targets.inserted)
        own = len(tables) > parents  # the rowid given explicitly
        reads += rows * (int(own) + parents)
    if shape.conflict_seeks:
        # An upsert's conflict shows as its UPDATE. A REPLACE's delete is not seen (the
        # update hook does not report it): a REPLACE into a table keyed by a UNIQUE index
        # (no rowid given) is taken to replace a row, one given a rowid to replace that row
        # in place (README).
        if shape.replaces and not shape.rowid_seeks:
            reads += sum(1 for event in top if event.op == "INSERT")
        elif not shape.replaces:
            reads += sum(1 for event in top if event.op == "UPDATE")
    if shape.queues:  # INSERT ... SELECT from a recursive CTE: its queue, row by row
        reads += shape.queues * (sum(1 for event in top if event.op == "INSERT") + 1)
    if shape.returning:
        reads += _returned(activity)
        if shape.ephemeral_scans >= 2:  # multi-row VALUES staged in a temporary table
            reads += sum(1 for event in top if event.op == "INSERT")
    return reads


def _returned(activity: Activity) -> int:
    # RETURNING buffers its rows in a temporary table, rewound (one read) even when empty,
    # then stepped once per further row.
    return max(1, activity.rows)


def _rowset_update(shape: Shape) -> bool:
    # UPDATE ... RETURNING over a full scan: no index range, one scan, one rowid lookup
    # per collected row.
    return (
        shape.kind == "update"
        and shape.returning
        and shape.scans == 1
        and not shape.nested_scans
        and shape.ephemeral_scans == 1
        and shape.rowid_seeks == 1
        and not shape.index_seeks
        and not shape.sorts
    )


def _subquery_lookup(shape: Shape) -> bool:
    # SELECT ... WHERE id IN (SELECT ... FROM one table scanned): nothing else loops.
    return (
        shape.kind == "select"
        and shape.subquery_lookups == 1
        and shape.rowid_seeks == 1
        and shape.scans == 1
        and shape.ephemeral_scans == 1
        and not (shape.nested_scans or shape.index_seeks or shape.sorts or shape.aggregates)
        and not (shape.counted_roots or shape.vtab_steps or shape.queues or shape.limited)
    )


def _complete(shape: Shape, activity: Activity) -> bool:
    # No LIMIT, or fewer rows than the LIMIT came back: every row the loops found was used.
    return not shape.limited or (activity.limit is not None and activity.rows < activity.limit)


def _query_reads(shape: Shape, activity: Activity, top: list[RowEvent], scanned: int) -> int:
    # SELECT, UPDATE and DELETE: the driving loop, the lookups it makes, sorts, virtual
    # tables, RETURNING rows and recursive queues.
    if (
        shape.counts_only
        and shape.index_loops == 1
        and not scanned
        and not shape.ephemeral_scans
        and activity.counted is not None
    ):
        # count() over one index range: the count is the entries matched (and a bounded
        # range reads the entry past them).
        return activity.counted + shape.range_loops
    if _rowset_update(shape):
        # Rows first collected in a temporary table (RETURNING turns off the one-pass
        # UPDATE), then each looked up by rowid: that table is rewound even when empty.
        changed = len(top)
        return scanned + max(1, changed) + changed + _returned(activity)
    if _subquery_lookup(shape):
        # The subquery's scan fills a temporary index once; its values (rewound even when
        # none) each look a row up, taken to be found (the rows returned).
        return scanned + max(1, activity.rows) + activity.rows
    driver = scanned or (shape.ephemeral_rows if shape.ephemeral_scans else 0)
    reads = driver
    seeks = shape.rowid_seeks + shape.index_seeks
    if seeks and driver and shape.range_loops and not shape.scans:
        # An IN list driving an index range: each value reads its matches and the entry
        # past them; values come in ascending order, so the last may have none after it.
        found = activity.rows if shape.kind == "select" else len(top)
        reads += found + shape.range_loops * (driver - 1)
    elif seeks and driver:
        reads += seeks * driver  # one lookup per row of the driving loop
    elif seeks:
        found = activity.rows if shape.kind == "select" else len(top)
        # A LIMIT stops the range before its end, unless a sorter takes every row first or
        # fewer rows than the LIMIT came back.
        stopped = shape.limited and not shape.sorts and not _complete(shape, activity)
        past = 0 if stopped else shape.range_loops
        missed = shape.missable_seeks + activity.skipped_seeks
        reads += max(seeks, found) + past if found else max(0, seeks - missed)
    complete = _complete(shape, activity)
    if shape.sorts and not shape.aggregates and shape.limited and complete:
        # A sorter bounded by LIMIT reads each row it holds (and what it drops past the
        # LIMIT): here the rows returned; it is rewound even when empty.
        reads += shape.sorts * max(1, activity.rows)
    elif shape.sorts and not shape.aggregates and complete and shape.kind == "select":
        # An ORDER BY sorter is read once per row sorted: without a LIMIT, the rows returned
        # (with one, taken to be every row of the loop); it is rewound even when empty.
        reads += shape.sorts * max(1, activity.rows)
    elif shape.sorts:
        sorts = shape.sorts
        if shape.group_sorts and complete and shape.kind == "select":
            # ORDER BY over GROUP BY's groups: its sorter holds one entry per group (and is
            # rewound even when empty).
            sorts -= shape.group_sorts
            reads += shape.group_sorts * max(1, activity.rows)
        if sorts:
            reads += sorts * max(1, driver or activity.rows)
    if shape.vtab_steps:
        reads += activity.rows
    if shape.returning:
        reads += _returned(activity)
    if shape.queues:  # a recursive CTE rewinds its queue once per row, and once more
        reads += shape.queues * (activity.rows + 1)
    return reads


def estimate(shape: Shape, activity: Activity, schema: SchemaInfo) -> tuple[int, int]:
    """Return ``(rows_read, rows_written)`` for one execution of a DML or query statement."""
    if shape.kind == "pragma":
        return 0, 0
    written, reads = _writes(shape, activity, schema)
    if shape.truncates is not None or shape.never_loops:
        return 0, written
    top = [event for event in activity.events if event.depth == 0]
    if shape.trigger_seeks:
        # A trigger's statements look their rows up once for each row that fires it.
        fired = sum(1 for event in top if event.op != "DELETE") or len(top)
        reads += shape.trigger_seeks * fired
    for root in shape.counted_roots:
        table = schema.table_of_root(root)
        reads += schema.row_count(table) if table else 0
    scanned = _scanned(shape, activity, schema)
    if shape.kind == "insert":
        return reads + _insert_reads(shape, activity, schema, top, scanned), written
    return reads + _query_reads(shape, activity, top, scanned), written


def ddl_rows(
    kind: str, before: SchemaSnapshot, after: SchemaSnapshot, schema: SchemaInfo
) -> tuple[int, int]:
    """Return ``(rows_read, rows_written)`` for a schema statement, from the schema change.

    ``CREATE TABLE``/``VIEW``/``TRIGGER``/``INDEX`` follow Miniflare's counts (an index on
    ``n`` rows reads ``2n`` plus its first seeks and writes ``n + 1``); ``DROP`` reads the
    schema table; ``ALTER TABLE`` is approximated by ``ADD COLUMN``'s counts.
    """
    created = after.objects - before.objects
    removed = before.objects - after.objects
    if kind == "create_table":
        tables = [name for kind_, name, _ in created if kind_ == "table"]
        tables = [name for name in tables if name != "sqlite_sequence"]
        if not tables:
            return 0, 0
        autoindexes = sum(
            1 for kind_, name, _ in created if kind_ == "index" and name.startswith("sqlite_")
        )
        rows = sum(schema.row_count(name) for name in tables)
        sequence = 0 if before.has_sequence or not after.has_sequence else 1
        return 1 + sequence, 2 + autoindexes + rows + 2 * sequence
    if kind == "create_vtable":  # its shadow tables are made by nested statements
        return (1, 2) if created else (0, 0)
    if kind == "create_view":
        return (1, 2) if created else (0, 0)
    if kind == "create_trigger":
        return (0, 1) if created else (0, 0)
    if kind == "create_index":
        indexes = [tbl for kind_, _, tbl in created if kind_ == "index"]
        if not indexes:
            return 0, 0
        rows = schema.row_count(indexes[0])
        return 2 * max(1, rows) + min(rows, 2), rows + 1
    if kind == "drop":
        return (len(before.objects) + len(removed), 0) if removed else (0, 0)
    if kind == "alter":
        return len(before.objects) + 2, 1
    return 0, 0
