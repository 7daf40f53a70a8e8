"""``SQLiteKVStore``: the ``KVStore`` on one apsw connection.

Schema: one ``WITHOUT ROWID`` table keyed by the key's UTF-8 bytes as a BLOB, so SQLite's
BINARY order is UTF-8 byte order (the order ``list`` must return) and a prefix is a range
scan. The value is the last column: a ``list`` page reads key, expiration and metadata
without walking the overflow pages of large values. A partial index on ``expiration``
makes purging expired rows cheap whether there are none or many.

Durability (a file at ``path``): WAL journal with ``synchronous=FULL``. Every write is one
transaction whose commit fsyncs the WAL before the call returns, so a completed ``put`` or
``delete`` survives a killed process *and* a power loss or OS crash (on a disk that honours
fsync). ``synchronous=NORMAL`` would survive a killed process but could lose the last
commits on power loss; that trade is not worth a test tool's data. Without ``path`` the
database is in memory and lives as long as the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import cast

from emulator import _apsw as apsw
from emulator.kv.storage import ListedRow, StoredRow, WriteRow
from emulator.sqlite_image import check_image, user_version

__all__ = ["SQLiteKVStore"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv_entries (
    key BLOB PRIMARY KEY NOT NULL,
    expiration INTEGER,
    metadata TEXT,
    value BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_entries_expiration
    ON kv_entries (expiration) WHERE expiration IS NOT NULL;
"""

_GET = "SELECT expiration, metadata, value FROM kv_entries WHERE key = ?"
_PUT = "INSERT OR REPLACE INTO kv_entries (key, expiration, metadata, value) VALUES (?, ?, ?, ?)"
_DELETE = "DELETE FROM kv_entries WHERE key = ?"
_ANY_EXPIRED = "SELECT 1 FROM kv_entries WHERE expiration <= ? LIMIT 1"
_DELETE_EXPIRED = "DELETE FROM kv_entries WHERE expiration <= ?"
_DELETE_KEY_IF_EXPIRED = "DELETE FROM kv_entries WHERE key = ? AND expiration <= ?"
# Every stored key is valid UTF-8, which never contains the byte 0xFF, so prefix + 0xFF is
# an exclusive upper bound for the keys starting with prefix (and 0xFF alone bounds all).
_LIST_AFTER = (
    "SELECT key, expiration, metadata FROM kv_entries"
    " WHERE key > ? AND key < ? ORDER BY key LIMIT ?"
)
_LIST_FROM = (
    "SELECT key, expiration, metadata FROM kv_entries"
    " WHERE key >= ? AND key < ? ORDER BY key LIMIT ?"
)
_SCAN = "SELECT key, expiration, metadata, value FROM kv_entries ORDER BY key"
_COUNT = "SELECT count(*) FROM kv_entries"
_CLEAR = "DELETE FROM kv_entries"


class SQLiteKVStore:
    """A ``KVStore`` in SQLite: in memory by default, or the WAL database file at ``path``."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = None if path is None else Path(path)
        self._conn = apsw.Connection(":memory:" if self.path is None else str(self.path))
        if self.path is not None:
            # A second process (the REST server, a test) may hold the same file briefly.
            self._conn.set_busy_timeout(5000)
            self._conn.execute("PRAGMA journal_mode=WAL").fetchall()
            self._conn.execute("PRAGMA synchronous=FULL")
        version = cast(int, self._conn.execute("PRAGMA user_version").fetchall()[0][0])
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"{self.path} holds KV schema version {version}; this version reads up to "
                f"{SCHEMA_VERSION}"
            )
        with self._conn:
            self._conn.execute(_SCHEMA)
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        # The hot paths share one cursor: each statement runs to completion before the
        # call returns, so nothing is left half-read on it.
        self._cursor = self._conn.cursor()

    def get(self, key: bytes) -> StoredRow | None:
        rows = self._cursor.execute(_GET, (key,)).fetchall()
        return StoredRow._make(rows[0]) if rows else None

    def put(self, key: bytes, expiration: int | None, metadata: str | None, value: bytes) -> None:
        self._cursor.execute(_PUT, (key, expiration, metadata, value))

    def put_many(self, rows: Iterable[WriteRow]) -> int:
        written = 0

        def counted() -> Iterator[WriteRow]:
            nonlocal written
            for row in rows:
                written += 1
                yield row

        with self._conn:
            self._conn.cursor().executemany(_PUT, counted())
        return written

    def delete(self, key: bytes) -> None:
        self._cursor.execute(_DELETE, (key,))

    def delete_expired(self, at: float, key: bytes | None = None) -> int:
        if key is not None:
            self._cursor.execute(_DELETE_KEY_IF_EXPIRED, (key, at))
            return self._conn.changes()
        # Look before writing: the common case (nothing expired) stays a cheap index probe
        # and never takes the write lock.
        if not self._cursor.execute(_ANY_EXPIRED, (at,)).fetchall():
            return 0
        self._cursor.execute(_DELETE_EXPIRED, (at,))
        return self._conn.changes()

    def list_after(self, prefix: bytes, after: bytes, limit: int) -> list[ListedRow]:
        upper = prefix + b"\xff"
        if after >= prefix:
            rows = self._cursor.execute(_LIST_AFTER, (after, upper, limit)).fetchall()
        else:
            rows = self._cursor.execute(_LIST_FROM, (prefix, upper, limit)).fetchall()
        return cast(list[ListedRow], rows)

    def scan(self) -> Iterator[tuple[bytes, StoredRow]]:
        for key, expiration, metadata, value in self._conn.cursor().execute(_SCAN):
            yield cast(bytes, key), StoredRow(expiration, metadata, value)

    def count(self) -> int:
        rows = self._cursor.execute(_COUNT).fetchall()
        return cast(int, rows[0][0])

    def clear(self) -> None:
        self._cursor.execute(_CLEAR)

    def image(self) -> bytes:
        """Return the store's database bytes (``sqlite3_serialize``)."""
        return self._conn.serialize("main") or b""

    def restore(self, image: bytes) -> None:
        """Replace every row with those of ``image`` (``sqlite3_deserialize``: one copy).

        Raises ``ValueError`` for a store kept in a file, or an image of another schema.
        """
        data = check_image(image, "KV namespace")
        if user_version(data) != SCHEMA_VERSION:
            raise ValueError(f"not a KV namespace image: schema version {user_version(data)}")
        if self.path is not None:
            raise ValueError("only an in-memory KV namespace can be restored from an image")
        self._conn.deserialize("main", data)

    def close(self) -> None:
        self._conn.close()

    def __repr__(self) -> str:
        return f"SQLiteKVStore({str(self.path) if self.path else ':memory:'})"
