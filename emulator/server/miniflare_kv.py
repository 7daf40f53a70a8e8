"""``MiniflareKVStore``: a ``KVStore`` over Miniflare's on-disk KV format.

Miniflare keeps a namespace's index in SQLite and each value in its own file::

    CREATE TABLE _mf_entries (key TEXT PRIMARY KEY, blob_id TEXT NOT NULL,
                              expiration INTEGER, metadata TEXT);   -- expiration in ms
    <blobs>/<blob_id>                                              -- the value bytes

Blob ids are 32 random bytes and the 8-byte big-endian millisecond time, in hex (80
characters), as Miniflare's ``generateBlobId``. A write stores the blob (fsynced, renamed
into place) before committing the row that points at it, and deletes the replaced blob only
after the commit, so a killed process never leaves a row without its value. TEXT keys
compare bytewise in SQLite (BINARY collation on UTF-8), the order KV lists keys in.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import cast

from emulator import _apsw as apsw
from emulator.kv.storage import ListedRow, StoredRow, WriteRow

__all__ = ["MiniflareKVStore", "prefix_upper_bound"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS _mf_entries (
  key TEXT PRIMARY KEY,
  blob_id TEXT NOT NULL,
  expiration INTEGER,
  metadata TEXT
);
CREATE INDEX IF NOT EXISTS _mf_entries_expiration_idx ON _mf_entries(expiration);
"""
_GET = "SELECT blob_id, expiration, metadata FROM _mf_entries WHERE key = ?"
_PUT = "INSERT OR REPLACE INTO _mf_entries (key, blob_id, expiration, metadata) VALUES (?, ?, ?, ?)"
_DELETE = "DELETE FROM _mf_entries WHERE key = ? RETURNING blob_id"
_ANY_EXPIRED = "SELECT 1 FROM _mf_entries WHERE expiration <= ? LIMIT 1"
_DELETE_EXPIRED = "DELETE FROM _mf_entries WHERE expiration <= ? RETURNING blob_id"
_DELETE_KEY_EXPIRED = "DELETE FROM _mf_entries WHERE key = ? AND expiration <= ? RETURNING blob_id"
_LIST = "SELECT key, expiration, metadata FROM _mf_entries WHERE key > ? AND key >= ?"
_SCAN = "SELECT key, blob_id, expiration, metadata FROM _mf_entries ORDER BY key"
_CLEAR = "DELETE FROM _mf_entries RETURNING blob_id"
_MAX_CODE_POINT = 0x10FFFF


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string above every string starting with ``prefix`` (``None``: none).

    Code point order is UTF-8 byte order, so incrementing the last code point bounds the
    prefix range; surrogates cannot appear in UTF-8 and are skipped.
    """
    chars = list(prefix)
    while chars:
        last = ord(chars.pop())
        if last < _MAX_CODE_POINT:
            following = last + 1
            if 0xD800 <= following <= 0xDFFF:
                following = 0xE000
            return "".join(chars) + chr(following)
    return None


def _blob_id() -> str:
    millis = int(time.time() * 1000)
    return secrets.token_hex(32) + millis.to_bytes(8, "big").hex()


class MiniflareKVStore:
    """The KV namespace stored at ``database`` (SQLite) with its values under ``blobs``."""

    def __init__(self, database: Path, blobs: Path) -> None:
        self.database = database
        self.blobs = blobs
        database.parent.mkdir(parents=True, exist_ok=True)
        blobs.mkdir(parents=True, exist_ok=True)
        self._conn = apsw.Connection(str(database))
        self._conn.set_busy_timeout(5000)
        # workerd opens Durable Object databases in WAL mode; FULL makes each commit
        # durable before the call returns, as the emulator's own store does.
        self._conn.execute("PRAGMA journal_mode=WAL").fetchall()
        self._conn.execute("PRAGMA synchronous=FULL")
        with self._conn:
            self._conn.execute(_SCHEMA)

    # -- blobs ---------------------------------------------------------------------------

    def _write_blob(self, value: bytes) -> str:
        blob_id = _blob_id()
        final = self.blobs / blob_id
        partial = self.blobs / f".{blob_id}.partial"
        with open(partial, "wb") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)
        return blob_id

    def _read_blob(self, blob_id: str) -> bytes | None:
        path = self.blobs / blob_id
        if path.parent != self.blobs:  # an id from the file must not leave the folder
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def _drop_blobs(self, blob_ids: Iterable[str]) -> None:
        for blob_id in blob_ids:
            path = self.blobs / blob_id
            if path.parent == self.blobs:
                path.unlink(missing_ok=True)

    # -- KVStore ---------------------------------------------------------------------------

    def get(self, key: bytes) -> StoredRow | None:
        rows = self._conn.execute(_GET, (key.decode(),)).fetchall()
        if not rows:
            return None
        blob_id, expiration, metadata = rows[0]
        value = self._read_blob(cast(str, blob_id))
        if value is None:
            return None  # the value file is gone: Miniflare reads such a key as missing
        return StoredRow(_seconds(expiration), cast(str | None, metadata), value)

    def put(self, key: bytes, expiration: int | None, metadata: str | None, value: bytes) -> None:
        self.put_many([(key, expiration, metadata, value)])

    def put_many(self, rows: Iterable[WriteRow]) -> int:
        written: list[tuple[str, str, int | None, str | None]] = []
        try:
            for key, expiration, metadata, value in rows:
                millis = None if expiration is None else expiration * 1000
                written.append((key.decode(), self._write_blob(value), millis, metadata))
        except BaseException:
            self._drop_blobs(blob for _, blob, _, _ in written)
            raise
        replaced: list[str] = []
        with self._conn:
            for entry in written:
                replaced.extend(
                    cast(str, row[0]) for row in self._conn.execute(_GET, (entry[0],)).fetchall()
                )
                self._conn.execute(_PUT, entry)
        self._drop_blobs(replaced)
        return len(written)

    def delete(self, key: bytes) -> None:
        with self._conn:
            rows = self._conn.execute(_DELETE, (key.decode(),)).fetchall()
        self._drop_blobs(cast(str, row[0]) for row in rows)

    def delete_expired(self, at: float, key: bytes | None = None) -> int:
        millis = at * 1000
        if key is not None:
            with self._conn:
                rows = self._conn.execute(_DELETE_KEY_EXPIRED, (key.decode(), millis)).fetchall()
        else:
            if not self._conn.execute(_ANY_EXPIRED, (millis,)).fetchall():
                return 0
            with self._conn:
                rows = self._conn.execute(_DELETE_EXPIRED, (millis,)).fetchall()
        self._drop_blobs(cast(str, row[0]) for row in rows)
        return len(rows)

    def list_after(self, prefix: bytes, after: bytes, limit: int) -> list[ListedRow]:
        text_prefix = prefix.decode("utf-8", "replace")
        sql = _LIST
        params: list[str | int] = [after.decode("utf-8", "replace"), text_prefix]
        upper = prefix_upper_bound(text_prefix)
        if upper is not None:
            sql += " AND key < ?"
            params.append(upper)
        sql += " ORDER BY key LIMIT ?"
        params.append(limit)
        return [
            (cast(str, key).encode(), _seconds(expiration), cast(str | None, metadata))
            for key, expiration, metadata in self._conn.execute(sql, params).fetchall()
        ]

    def scan(self) -> Iterator[tuple[bytes, StoredRow]]:
        for key, blob_id, expiration, metadata in self._conn.execute(_SCAN).fetchall():
            value = self._read_blob(cast(str, blob_id))
            if value is not None:
                yield (
                    cast(str, key).encode(),
                    StoredRow(_seconds(expiration), cast(str | None, metadata), value),
                )

    def count(self) -> int:
        return cast(int, self._conn.execute("SELECT count(*) FROM _mf_entries").fetchall()[0][0])

    def clear(self) -> None:
        with self._conn:
            rows = self._conn.execute(_CLEAR).fetchall()
        self._drop_blobs(cast(str, row[0]) for row in rows)

    def close(self) -> None:
        self._conn.close()


def _seconds(millis: object) -> int | None:
    # KV expirations are whole seconds; Miniflare stores them multiplied by 1000.
    return None if millis is None else int(cast(int, millis)) // 1000
