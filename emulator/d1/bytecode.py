"""A statement's bytecode (``EXPLAIN``) read into a ``Shape``: what its loops read.

Which loops scan a table, which seek a rowid or an index range (and whether that range ends
at a bound, past which D1 reads one more entry), which sort, count, or read temporary
tables and recursive queues; trigger programs' lookups; the conflict path of upserts and
``REPLACE``. ``row_counts`` turns a ``Shape`` and what one execution did into D1's
``rows_read`` / ``rows_written``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from emulator.d1.authorizer import WriteTargets

__all__ = ["ExplainRow", "Shape", "shape_from_program"]

_SEEK_EQ: Final = 0x02  # OPFLAG_SEEKEQ on OpenRead/OpenWrite
_BTREE_OPENS: Final = frozenset({"OpenRead", "OpenWrite", "ReopenIdx"})
_EPHEMERAL_OPENS: Final = frozenset({"OpenEphemeral", "OpenAutoindex"})
_RANGE_SEEKS: Final = frozenset({"SeekGE", "SeekGT", "SeekLE", "SeekLT"})
_RANGE_ENDS: Final = frozenset({"IdxGT", "IdxGE", "IdxLT", "IdxLE"})


class ExplainRow(NamedTuple):
    """One row of ``EXPLAIN``: an instruction of the statement's program."""

    addr: int
    opcode: str
    p1: int
    p2: int
    p3: int
    p4: object
    p5: int
    comment: object


@dataclass(slots=True)
class Shape:
    """What a statement's bytecode says about its reads (see the module docstring)."""

    kind: str
    scans: int = 0
    nested_scans: int = 0
    outer_root: int | None = None
    queues: int = 0
    rowid_seeks: int = 0
    index_seeks: int = 0
    missable_seeks: int = 0
    ephemeral_scans: int = 0
    ephemeral_rows: int = 0
    sorts: int = 0
    vtab_steps: int = 0
    counted_roots: tuple[int, ...] = ()
    seek_roots: tuple[int, ...] = ()
    trigger_seeks: int = 0
    #: Loops over a bounded range of an index (a seek, ``Next``/``Prev``, an end test): D1
    #: also counts the entry past the range, when there is one (assumed).
    range_loops: int = 0
    #: Loops over an index range, bounded or running to the index's end.
    index_loops: int = 0
    #: The statement aggregates with one ``count()`` and nothing else.
    counts_only: bool = False
    #: The statement aggregates (``AggStep``): a sorter may feed GROUP BY.
    aggregates: int = 0
    #: Sorters filled after aggregation (``ORDER BY`` over groups): one entry per group.
    group_sorts: int = 0
    #: Rowid lookups driven by a subquery's rows materialized once (``id IN (SELECT ...)``).
    subquery_lookups: int = 0
    #: An INSERT's lookups of the row a UNIQUE index conflicts with (upsert, REPLACE).
    conflict_seeks: int = 0
    #: ``INSERT OR REPLACE`` / ``REPLACE INTO``.
    replaces: bool = False
    returning: bool = False
    truncates: str | None = None
    #: ``WHERE 0`` / ``LIMIT 0``: no loop runs, so nothing is read.
    never_loops: bool = False
    #: A top-level ``LIMIT``: a loop may stop before its range ends.
    limited: bool = False
    #: A plain ``LIMIT n``'s value when literal, or the number of the parameter binding it.
    limit_literal: int | None = None
    limit_param: int | None = None
    targets: WriteTargets = field(default_factory=WriteTargets)
    written_tables: frozenset[str] = frozenset()
    #: Where each rowid lookup's key comes from, when loaded just before it: the bound
    #: parameter's number, or 0 for a NULL constant. A key that is not an integer skips
    #: the lookup, which then reads nothing.
    rowid_keys: tuple[int, ...] = ()


def _segments(program: Sequence[ExplainRow]) -> list[list[ExplainRow]]:
    # EXPLAIN lists trigger sub-programs after the main one, each numbered from 0 again
    # (with its own cursor numbers).
    segments: list[list[ExplainRow]] = []
    previous = -1
    for row in program:
        if row.addr <= previous or not segments:
            segments.append([])
        segments[-1].append(row)
        previous = row.addr
    return segments


def _trigger_seeks(segment: Sequence[ExplainRow]) -> int:
    opened = {row.p1 for row in segment if row.opcode in _BTREE_OPENS}
    seeks = ("SeekRowid", "NotExists", *_RANGE_SEEKS)
    return sum(1 for row in segment if row.opcode in seeks and row.p1 in opened)


@dataclass(slots=True)
class _Cursors:
    """What a program's cursors are: b-trees (root page, opened for an equality seek),
    ephemeral tables, recursive-CTE queues, and the ``Once`` blocks that run one time."""

    btree: dict[int, tuple[int, bool]] = field(default_factory=dict)
    ephemeral: set[int] = field(default_factory=set)
    queues: set[int] = field(default_factory=set)
    once_blocks: list[tuple[int, int]] = field(default_factory=list)
    #: Index cursors whose loop ends at a bound (``IdxGE``...): ranges, not full scans.
    bounded: set[int] = field(default_factory=set)


def _cursors(program: Sequence[ExplainRow]) -> _Cursors:
    cursors = _Cursors()
    for row in program:
        if row.opcode in _BTREE_OPENS:
            cursors.btree[row.p1] = (row.p2, bool(row.p5 & _SEEK_EQ))
        elif row.opcode in _EPHEMERAL_OPENS or row.opcode == "OpenDup":
            cursors.ephemeral.add(row.p1)
        elif row.opcode == "Once":
            cursors.once_blocks.append((row.addr, row.p2))
    for row in program:
        if row.opcode == "Delete" and row.p1 in cursors.ephemeral:
            cursors.queues.add(row.p1)  # a recursive CTE's queue: popped as it is read
        elif row.opcode in _RANGE_ENDS and row.p1 in cursors.btree:
            cursors.bounded.add(row.p1)
    return cursors


class _Reader:
    """Walks a program once, filling a ``Shape``."""

    def __init__(self, shape: Shape, cursors: _Cursors) -> None:
        self.shape = shape
        self.cursors = cursors
        self.counted: list[int] = []
        self.seek_roots: list[int] = []
        self.ephemeral_inserts: dict[int, int] = {}
        self.loops: list[tuple[int, int]] = []
        self.range_seeks: set[int] = set()
        self.stepped: set[int] = set()
        self.aggregates: list[str] = []
        #: The instruction before the one being read.
        self.previous: ExplainRow | None = None
        self.rowid_keys: list[int] = []
        self.last_ephemeral: int | None = None
        self.finalized = False
        #: Temporary tables filled inside a ``Once`` block, and the loop over one of them
        #: that is running (its cursor and end address).
        self.materialized: set[int] = set()
        self.driving: tuple[int, int] | None = None
        self.group_sorters: set[int] = set()

    def read(self, program: Sequence[ExplainRow]) -> None:
        previous: ExplainRow | None = None
        fk_guard = (-1, -1)
        for row in program:
            if row.opcode == "FkIfZero":
                fk_guard = (row.addr, row.p2)  # a foreign-key re-check run only on violations
            # A Rewind right after a Goto that jumps over it is a fallback path, and a Next
            # after one is never reached by the loop (min()/max()).
            skipped = (
                previous is not None and previous.opcode == "Goto" and previous.p2 > row.addr
            ) or fk_guard[0] < row.addr < fk_guard[1]
            self._instruction(row, skipped)
            previous = row
            self.previous = row
            if skipped and row.opcode in ("Next", "Prev"):
                self.stepped.discard(row.p1)  # min()/max(): the loop stops at its first row
        self.shape.counted_roots = tuple(self.counted)
        self.shape.seek_roots = tuple(self.seek_roots)
        self.shape.rowid_keys = tuple(self.rowid_keys)
        self.shape.range_loops = len(self.range_seeks & self.stepped & self.cursors.bounded)
        self.shape.index_loops = len(self.range_seeks & self.stepped)
        self.shape.counts_only = len(self.aggregates) == 1 and self.aggregates[0] == "count"
        self.shape.aggregates = len(self.aggregates)

    def _instruction(self, row: ExplainRow, skipped: bool) -> None:
        shape, btree = self.shape, self.cursors.btree
        opcode, p1 = row.opcode, row.p1
        if opcode in ("Rewind", "Last"):
            if not skipped:
                self._loop(row)
        elif opcode in ("SeekRowid", "NotExists") and p1 in btree:
            if (
                self.previous is not None
                and self.previous.opcode == "IdxRowid"
                and shape.kind == "insert"
            ):
                # The row a UNIQUE index conflicts with: read only on a conflict.
                shape.conflict_seeks += 1
                return
            shape.rowid_seeks += 1
            self.seek_roots.append(btree[p1][0])
            if self.driving is not None and row.addr < self.driving[1]:
                shape.subquery_lookups += 1
            loaded = self.previous
            if loaded is not None and loaded.opcode == "Variable" and loaded.p2 == row.p3:
                self.rowid_keys.append(loaded.p1)
            elif loaded is not None and loaded.opcode == "Null" and loaded.p2 == row.p3:
                self.rowid_keys.append(0)
        elif opcode in _RANGE_SEEKS and p1 in btree:
            shape.index_seeks += 1
            self.range_seeks.add(p1)
            if btree[p1][1]:
                shape.missable_seeks += 1
        elif opcode in ("Next", "Prev"):
            self.stepped.add(p1)
        elif opcode == "AggStep":
            self.aggregates.append(str(row.p4).split("(")[0])
        elif opcode in ("IdxInsert", "Insert") and p1 in self.cursors.ephemeral:
            self.ephemeral_inserts[p1] = self.ephemeral_inserts.get(p1, 0) + 1
            if any(start < row.addr < stop for start, stop in self.cursors.once_blocks):
                self.materialized.add(p1)
            if self.finalized:
                self.group_sorters.add(p1)
        elif opcode == "SorterInsert" and self.finalized:
            self.group_sorters.add(p1)
        elif opcode == "AggFinal":
            self.finalized = True
        elif opcode in ("SorterSort", "Sort"):
            shape.sorts += 1
            if p1 in self.group_sorters:
                shape.group_sorts += 1
        elif opcode == "VNext":
            shape.vtab_steps += 1
        elif opcode == "Count" and p1 in btree:
            self.counted.append(btree[p1][0])

    def _loop(self, row: ExplainRow) -> None:
        shape, cursors = self.shape, self.cursors
        if row.p1 in cursors.bounded:
            # A range from the index's first entry to a bound: read like a seek's range.
            shape.index_seeks += 1
            self.range_seeks.add(row.p1)
        elif row.p1 in cursors.btree:
            shape.scans += 1
            if shape.outer_root is None:
                shape.outer_root = cursors.btree[row.p1][0]
            guarded = any(start < row.addr < stop for start, stop in cursors.once_blocks)
            if not guarded and any(start < row.addr < stop for start, stop in self.loops):
                shape.nested_scans += 1
            self.loops.append((row.addr, row.p2))
        elif row.p1 in cursors.queues and row.opcode == "Rewind":
            shape.queues += 1
        elif row.p1 in cursors.ephemeral:
            if row.p1 in self.materialized:
                self.driving = (row.p1, row.p2)
            shape.ephemeral_scans += 1
            shape.ephemeral_rows += self.ephemeral_inserts.get(row.p1, 0)
            self.last_ephemeral = self.ephemeral_inserts.get(row.p1, 0)


def shape_from_program(
    kind: str, program: Sequence[ExplainRow], *, returning: bool = False
) -> Shape:
    """Read a statement's ``EXPLAIN`` rows into a ``Shape``."""
    segments = _segments(program)
    main = segments[0] if segments else []
    shape = Shape(kind, returning=returning)
    reader = _Reader(shape, _cursors(main))
    reader.read(main)
    if returning and kind in ("update", "delete") and reader.last_ephemeral is not None:
        # The last temporary table read is RETURNING's buffer: its rows are the rows
        # returned (counted as such), not a loop driving the statement.
        shape.ephemeral_scans -= 1
        shape.ephemeral_rows -= reader.last_ephemeral
    shape.trigger_seeks = sum(_trigger_seeks(segment) for segment in segments[1:])
    return shape
