"""What the engine's sources need to behave as D1: its row counters and the change counters
Miniflare's bookmark leaves, in SQLite 3.47.0's amalgamation, and D1's reading of TEXT that
is not UTF-8 in apsw's result conversion.

D1 bills, and reports in ``meta``, the rows each statement reads and writes. workerd counts
them inside SQLite's virtual machine (its ``patches/sqlite/0001-row-counts-plain.patch``):
a read for every row a cursor lands on (``Rewind``, ``Last``, ``Next``/``Prev``, a seek,
a rowid lookup, a virtual table's ``VNext``) plus every entry ``Count`` counts; a write for
every row inserted, deleted or updated in a table or index that is not a scratch
(ephemeral) table, and for every row ``Clear`` removes. The counters belong to the
statement and are reset before each run.

The same rules are added here at the same places, with one change of plumbing: apsw has no
way to read a statement's counters, so they are kept on the connection instead, zeroed
whenever the application starts running a statement, and read right after it with
``sqlite3_db_status(db, D1_DBSTATUS_ROWS, &read, &written, 0)`` (apsw's
``Connection.status``). Only the statement the application steps counts: what SQLite or
an extension runs as a program of its own, while another statement runs or is prepared
(re-reading the schema after a ``CREATE``, FTS5 reading its configuration, its shadow tables
or its blobs), has counters of its own on D1 and is not reported.

Miniflare writes a bookmark row into ``_cf_METADATA`` after every request that succeeded, on
the same connection, so ``changes()`` starts the next request at 1 and ``total_changes()``
grows by one per request. Running that upsert would cost a write per request; two more
verbs set the counters it would leave instead: ``D1_DBSTATUS_BOOKMARK`` counts one bookmark
write (``changes()`` 1, ``total_changes()`` one more) and ``D1_DBSTATUS_FRESH_CHANGES`` gives
the counters of a fresh connection (both 0), as the Durable Object has after a reset.

Every edit is anchored on text that must occur exactly once, so a different amalgamation
fails the build instead of being miscounted.
"""

from __future__ import annotations

#: ``sqlite3_db_status`` verb of the counters: current = rows read, high-water = written.
DBSTATUS_ROWS = 1024
#: ``sqlite3_db_status`` verb that counts one bookmark write in the change counters.
DBSTATUS_BOOKMARK = 1025
#: ``sqlite3_db_status`` verb that zeroes the change counters, as on a fresh connection.
DBSTATUS_FRESH_CHANGES = 1026

_MACROS = f"""\
/* D1's row counters (see native/source_patches.py). */
#define D1_ROWS_READ 0
#define D1_ROWS_WRITTEN 1
#define D1_DBSTATUS_ROWS {DBSTATUS_ROWS}
#define D1_DBSTATUS_BOOKMARK {DBSTATUS_BOOKMARK}
#define D1_DBSTATUS_FRESH_CHANGES {DBSTATUS_FRESH_CHANGES}
#define D1_COUNT(p, which, n) \\
  do{{ if( (p)==(p)->db->pD1Statement ) (p)->db->aD1Rows[which] += (n); }}while(0)
"""

# workerd omits shared-cache mode (SQLITE_OMIT_SHARED_CACHE), which removes this function;
# apsw links against it, so it stays, refusing to switch shared cache on.
_SHARED_CACHE_STUB = """
#undef sqlite3_enable_shared_cache
SQLITE_API int sqlite3_enable_shared_cache(int enable){
  return enable ? SQLITE_MISUSE : SQLITE_OK;
}
"""

_READ = "D1_COUNT(p, D1_ROWS_READ, 1);"
_WRITE = "if( !pC->isEphemeral ) D1_COUNT(p, D1_ROWS_WRITTEN, 1);"

# (anchor, replacement): each anchor occurs exactly once in the 3.47.0 amalgamation.
_EDITS: tuple[tuple[str, str], ...] = (
    # The counters live on the connection.
    (
        "  int nVdbeExec;                /* Number of nested calls to VdbeExec() */\n",
        "  int nVdbeExec;                /* Number of nested calls to VdbeExec() */\n"
        "  u64 aD1Rows[2];               /* D1's rows read and written */\n"
        "  Vdbe *pD1Statement;           /* The statement they count (compared, never used) */\n",
    ),
    # The statement counted is the one the application steps: not one SQLite or an
    # extension steps while another runs or is being prepared, nor a blob handle's program
    # (sqlite3_blob_reopen runs it without sqlite3_step).
    (
        "    db->nVdbeExec++;\n    rc = sqlite3VdbeExec(p);\n    db->nVdbeExec--;\n",
        "    if( db->nVdbeExec==0 && db->pParse==0 ) db->pD1Statement = p;\n"
        "    db->nVdbeExec++;\n    rc = sqlite3VdbeExec(p);\n    db->nVdbeExec--;\n",
    ),
    # Count: an exact count reads every entry it counts.
    (
        "    rc = sqlite3BtreeCount(db, pCrsr, &nEntry);\n",
        "    rc = sqlite3BtreeCount(db, pCrsr, &nEntry);\n    D1_COUNT(p, D1_ROWS_READ, nEntry);\n",
    ),
    # SeekGE/GT/LE/LT that found a place to stand.
    (
        "#ifdef SQLITE_TEST\n  sqlite3_search_count++;\n#endif\n"
        "  if( oc>=OP_SeekGE ){  assert( oc==OP_SeekGE || oc==OP_SeekGT );\n",
        f"  {_READ}\n#ifdef SQLITE_TEST\n  sqlite3_search_count++;\n#endif\n"
        "  if( oc>=OP_SeekGE ){  assert( oc==OP_SeekGE || oc==OP_SeekGT );\n",
    ),
    # SeekRowid / NotExists: a lookup by rowid, found or not.
    (
        "  VdbeBranchTaken(res!=0,2);\n  pC->seekResult = res;\n  if( res!=0 ){\n",
        f"  VdbeBranchTaken(res!=0,2);\n  pC->seekResult = res;\n  {_READ}\n  if( res!=0 ){{\n",
    ),
    # Insert into a table.
    (
        "  assert( (pOp->p5 & OPFLAG_LASTROWID)==0 || (pOp->p5 & OPFLAG_NCHANGE)!=0 );\n",
        "  assert( (pOp->p5 & OPFLAG_LASTROWID)==0 || (pOp->p5 & OPFLAG_NCHANGE)!=0 );\n"
        f"  {_WRITE}\n",
    ),
    # Delete of a counted row.
    (
        "  if( opflags & OPFLAG_NCHANGE ){\n    p->nChange++;\n",
        f"  if( opflags & OPFLAG_NCHANGE ){{\n    {_WRITE}\n    p->nChange++;\n",
    ),
    # Last.
    (
        "  rc = sqlite3BtreeLast(pCrsr, &res);\n  pC->nullRow = (u8)res;\n"
        "  pC->deferredMoveto = 0;\n  pC->cacheStatus = CACHE_STALE;\n"
        "  if( rc ) goto abort_due_to_error;\n",
        "  rc = sqlite3BtreeLast(pCrsr, &res);\n  pC->nullRow = (u8)res;\n"
        "  pC->deferredMoveto = 0;\n  pC->cacheStatus = CACHE_STALE;\n"
        f"  if( rc ) goto abort_due_to_error;\n  {_READ}\n",
    ),
    # Rewind.
    (
        "  if( rc ) goto abort_due_to_error;\n  pC->nullRow = (u8)res;\n  if( pOp->p2>0 ){\n",
        "  if( rc ) goto abort_due_to_error;\n  pC->nullRow = (u8)res;\n"
        f"  {_READ}\n  if( pOp->p2>0 ){{\n",
    ),
    # Next / Prev that moved to another row.
    (
        "    p->aCounter[pOp->p5]++;\n",
        f"    p->aCounter[pOp->p5]++;\n    {_READ}\n",
    ),
    # Insert into an index.
    (
        "  if( pOp->p5 & OPFLAG_NCHANGE ) p->nChange++;\n",
        f"  if( pOp->p5 & OPFLAG_NCHANGE ) p->nChange++;\n  {_WRITE}\n",
    ),
    # Clear (a DELETE without WHERE): every row removed.
    (
        "    p->nChange += nChange;\n",
        "    p->nChange += nChange;\n    D1_COUNT(p, D1_ROWS_WRITTEN, nChange);\n",
    ),
    # VNext: a virtual table's next row.
    (
        "  rc = pModule->xNext(pCur->uc.pVCur);\n  sqlite3VtabImportErrmsg(p, pVtab);\n"
        "  if( rc ) goto abort_due_to_error;\n",
        "  rc = pModule->xNext(pCur->uc.pVCur);\n  sqlite3VtabImportErrmsg(p, pVtab);\n"
        f"  if( rc ) goto abort_due_to_error;\n  {_READ}\n",
    ),
    # VUpdate that changed a row.
    (
        "    }else{\n      p->nChange++;\n    }\n    if( rc ) goto abort_due_to_error;\n",
        "    }else{\n      D1_COUNT(p, D1_ROWS_WRITTEN, 1);\n      p->nChange++;\n    }\n"
        "    if( rc ) goto abort_due_to_error;\n",
    ),
    # Each run of an application statement counts anew (workerd resets the statement's
    # counters before each run), so one read after the statement gives its counts.
    (
        "      if( p->bIsReader ) db->nVdbeRead++;\n      p->pc = 0;\n",
        "      if( p->bIsReader ) db->nVdbeRead++;\n      p->pc = 0;\n"
        "      if( db->nVdbeExec==0 && db->pParse==0 ){\n"
        "        db->aD1Rows[D1_ROWS_READ] = 0;\n"
        "        db->aD1Rows[D1_ROWS_WRITTEN] = 0;\n"
        "      }\n",
    ),
    # Reading them: rows read as the current value, rows written as the high-water mark;
    # then the change counters' verbs.
    (
        "    case SQLITE_DBSTATUS_CACHE_SPILL:\n",
        "    case D1_DBSTATUS_ROWS: {\n"
        "      *pCurrent = (int)db->aD1Rows[D1_ROWS_READ];\n"
        "      *pHighwater = (int)db->aD1Rows[D1_ROWS_WRITTEN];\n"
        "      if( resetFlag ){\n"
        "        db->aD1Rows[D1_ROWS_READ] = 0;\n"
        "        db->aD1Rows[D1_ROWS_WRITTEN] = 0;\n"
        "      }\n"
        "      break;\n"
        "    }\n"
        # Miniflare's bookmark upsert, counted without running it: one row changed.
        "    case D1_DBSTATUS_BOOKMARK: {\n"
        "      sqlite3VdbeSetChanges(db, 1);\n"
        "      *pCurrent = 0;\n"
        "      *pHighwater = 0;\n"
        "      break;\n"
        "    }\n"
        "    case D1_DBSTATUS_FRESH_CHANGES: {\n"
        "      db->nChange = 0;\n"
        "      db->nTotalChange = 0;\n"
        "      *pCurrent = 0;\n"
        "      *pHighwater = 0;\n"
        "      break;\n"
        "    }\n"
        "    case SQLITE_DBSTATUS_CACHE_SPILL:\n",
    ),
)


def apply_edits(source: str, edits: tuple[tuple[str, str], ...], file: str) -> str:
    """Return ``source`` with each ``(anchor, replacement)``; each anchor must occur once."""
    for anchor, replacement in edits:
        found = source.count(anchor)
        if found != 1:
            raise ValueError(
                f"{file}: expected one place for an edit, found {found}: "
                f"{anchor.splitlines()[0].strip()!r}"
            )
        source = source.replace(anchor, replacement)
    return source


def patch_amalgamation(source: str) -> str:
    """Return ``source`` (SQLite 3.47.0's ``sqlite3.c``) with D1's row counters."""
    return _MACROS + apply_edits(source, _EDITS, "sqlite3.c") + _SHARED_CACHE_STUB


# D1 results travel through JavaScript, whose TextDecoder reads TEXT that is not UTF-8 with
# U+FFFD for each invalid sequence; apsw raises UnicodeDecodeError for the whole row. Result
# columns decode with Python's "replace", which follows the same rule (one U+FFFD per
# maximal invalid subpart), so a bad row costs neither the page nor a re-run, and a write's
# RETURNING rows read as on D1.
_APSW_UTIL_EDITS: tuple[tuple[str, str], ...] = (
    (
        "len = sqlite3_column_bytes(stmt, col)));\n"
        "    return PyUnicode_FromStringAndSize(data, len);\n",
        "len = sqlite3_column_bytes(stmt, col)));\n"
        '    return PyUnicode_DecodeUTF8(data, len, "replace");\n',
    ),
)


def patch_apsw_util(source: str) -> str:
    """Return apsw 3.47.0.0's ``src/util.c`` with result TEXT decoded as D1 decodes it."""
    return apply_edits(source, _APSW_UTIL_EDITS, "apsw/src/util.c")
