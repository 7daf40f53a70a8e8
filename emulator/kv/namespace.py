"""``KVNamespace``: the Workers KV binding, emulated on a ``KVStore``.

The binding methods are coroutines, as in Workers; each validates its arguments in the
runtime's order (argument conversion, then the KV service's checks; see
``emulator.kv.validation``), reads the clock once, and touches storage only after every
check passed, so a failed call writes nothing. Expired rows are deleted lazily: by the
read that finds one, and before each ``list`` page (a cheap index probe when none are due).
The sync helpers for tests (``snapshot``, ``entry``, ``seed``, ``seed_many``) come from
``emulator.kv.helpers``.

Opt-in production strictness (off by default; Miniflare shows neither):

- ``write_rate_limit``: a second ``put``/``delete`` of one key within 1 s fails with 429.
- ``eventual_consistency_seed``: reads (``get``, bulk ``get``, ``get_with_metadata``) may
  see a key's state from up to 60 s earlier, reproducibly for a given seed. ``list`` stays
  strongly consistent: key listings are where tests page and count, and a reproducible
  stale listing would need a model of index propagation that production does not document.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, Literal, overload

from emulator.clock import Clock
from emulator.kv import constants as c
from emulator.kv.bulk import get_bulk
from emulator.kv.helpers import KVTestHelpers
from emulator.kv.results import KVListKey, KVListResult, KVValueWithMetadata
from emulator.kv.sqlite_store import SQLiteKVStore
from emulator.kv.storage import ClosedKVStore, KVStore, StoredRow
from emulator.kv.strict import ConsistencyWindow, WriteRateLimiter, strict_write
from emulator.kv.validation import (
    check_list_limit,
    check_optional_str,
    check_read,
    decode_cursor,
    encode_cursor,
    encode_key,
    encode_prefix,
    not_string,
)
from emulator.kv.values import decoder, parse_metadata
from emulator.kv.writes import KVWrite, put_arguments, read_value, validate_put

__all__ = ["KVNamespace"]

BulkKeys = builtins.list[str] | tuple[str, ...]


class KVNamespace(KVTestHelpers):
    """A Workers KV namespace: ``get``, ``get_with_metadata``, ``put``, ``delete``, ``list``.

    Usually obtained from ``Emulator.kv(name)``. ``path=None`` keeps the data in memory; a
    path is a SQLite file (WAL, fsynced on every write) that survives a restart. ``store``
    plugs in another ``KVStore`` instead. Not safe for concurrent use from several threads.
    """

    def __init__(
        self,
        name: str,
        *,
        clock: Clock,
        path: Path | None = None,
        namespace_id: str | None = None,
        write_rate_limit: bool = False,
        eventual_consistency_seed: int | None = None,
        store: KVStore | None = None,
    ) -> None:
        if store is not None and path is not None:
            raise ValueError("pass either path or store, not both")
        self.name = name
        self.id = namespace_id if namespace_id is not None else name
        self.path = path
        self.clock = clock
        self._store: KVStore = store if store is not None else SQLiteKVStore(path)
        self._limiter: WriteRateLimiter | None = None
        self._window: ConsistencyWindow | None = None
        self.write_rate_limit = write_rate_limit
        self.eventual_consistency_seed = eventual_consistency_seed

    # -- strict modes -------------------------------------------------------------------

    @property
    def write_rate_limit(self) -> bool:
        """Whether a second write to a key within 1 s fails with 429 (production's limit)."""
        return self._limiter is not None

    @write_rate_limit.setter
    def write_rate_limit(self, enabled: bool) -> None:
        if not enabled:
            self._limiter = None
        elif self._limiter is None:
            self._limiter = WriteRateLimiter()

    @property
    def eventual_consistency_seed(self) -> int | None:
        """The seed of stale reads (reads may lag writes by up to 60 s), or ``None``: off.

        Setting it (again) starts a fresh history and random sequence.
        """
        return None if self._window is None else self._window.seed

    @eventual_consistency_seed.setter
    def eventual_consistency_seed(self, seed: int | None) -> None:
        self._window = None if seed is None else ConsistencyWindow(seed)

    # -- reads --------------------------------------------------------------------------

    @overload
    async def get(
        self, key: str, type: Literal["text"] = ..., *, cache_ttl: float | None = ...
    ) -> str | None: ...
    @overload
    async def get(
        self, key: str, type: Literal["bytes"], *, cache_ttl: float | None = ...
    ) -> bytes | None: ...
    @overload
    async def get(
        self, key: str, type: Literal["stream"], *, cache_ttl: float | None = ...
    ) -> AsyncIterator[bytes] | None: ...
    @overload
    async def get(self, key: str, type: str, *, cache_ttl: float | None = ...) -> Any: ...
    @overload
    async def get(
        self, key: BulkKeys, type: str = ..., *, cache_ttl: float | None = ...
    ) -> dict[str, Any]: ...
    async def get(self, key: str | BulkKeys, type: str = "text", *, cache_ttl: Any = None) -> Any:
        """Return the value of ``key`` decoded per ``type``, or ``None`` if it is missing.

        ``type``: ``"text"`` (``str``), ``"json"`` (parsed), ``"bytes"``, ``"stream"`` (an
        async iterator of ``bytes`` chunks). A list or tuple of keys is a bulk get: a
        ``dict`` in request order holding every requested key (missing ones as ``None``),
        ``"text"`` or ``"json"`` only, 1 to 100 keys.

        Raises ``KVArgumentError`` for a key that is not a ``str``, empty, ``"."`` or
        ``".."``, and for an unknown ``type`` (only if the key exists, as the runtime does);
        ``KVError`` 414 for a key over 512 UTF-8 bytes, 400 for a ``cache_ttl`` under 30;
        ``json.JSONDecodeError`` for a stored value that is not JSON read as ``"json"``.
        """
        if key.__class__ is not str:
            if isinstance(key, builtins.list | tuple):
                return self._bulk(key, type, cache_ttl, with_metadata=False)
            if not isinstance(key, str):
                not_string("get", "string or Array")
        row = self._read(key, cache_ttl)
        if row is None:
            return None
        return decoder(type)(row[2])

    @overload
    async def get_with_metadata(
        self, key: str, type: str = ..., *, cache_ttl: float | None = ...
    ) -> KVValueWithMetadata[Any]: ...
    @overload
    async def get_with_metadata(
        self, key: BulkKeys, type: str = ..., *, cache_ttl: float | None = ...
    ) -> dict[str, KVValueWithMetadata[Any] | None]: ...
    async def get_with_metadata(
        self, key: str | BulkKeys, type: str = "text", *, cache_ttl: Any = None
    ) -> Any:
        """Return the value of ``key`` (as ``get``) with its metadata.

        A missing key gives ``value=None, metadata=None``; ``cache_status`` is always
        ``None``. A list or tuple of keys gives a ``dict`` key -> result, or ``None`` for a
        missing key. Raises what ``get`` raises.
        """
        if key.__class__ is not str:
            if isinstance(key, builtins.list | tuple):
                return self._bulk(key, type, cache_ttl, with_metadata=True)
            if not isinstance(key, str):
                not_string("get_with_metadata", "string or Array")
        row = self._read(key, cache_ttl)
        if row is None:
            return KVValueWithMetadata(None)
        return KVValueWithMetadata(decoder(type)(row[2]), parse_metadata(row[1]))

    @overload
    async def get_with_expiration(
        self, key: str, type: str = ..., *, cache_ttl: float | None = ...
    ) -> tuple[KVValueWithMetadata[Any], int | None]: ...
    @overload
    async def get_with_expiration(
        self, key: BulkKeys, type: str = ..., *, cache_ttl: float | None = ...
    ) -> dict[str, tuple[KVValueWithMetadata[Any], int | None] | None]: ...
    async def get_with_expiration(
        self, key: str | BulkKeys, type: str = "text", *, cache_ttl: Any = None
    ) -> Any:
        """As ``get_with_metadata``, paired with the key's expiration (``None`` if none).

        Not a Workers binding method: for adapters whose answers carry the expiration (the
        REST API's value and bulk reads). Each key is read once, as ``get`` reads it:
        expired keys are missing and the eventual-consistency window applies. A list of
        keys gives a ``dict`` key -> pair, or ``None`` for a missing key. Raises what
        ``get_with_metadata`` raises.
        """
        if key.__class__ is not str:
            if not isinstance(key, builtins.list | tuple):
                not_string("get_with_metadata", "string or Array")
            return self._bulk_with_expiration(key, type, cache_ttl)
        row = self._read(key, cache_ttl)
        if row is None:
            return KVValueWithMetadata(None), None
        return KVValueWithMetadata(decoder(type)(row[2]), parse_metadata(row[1])), row[0]

    def _bulk_with_expiration(
        self, keys: BulkKeys, type: object, cache_ttl: Any
    ) -> dict[str, tuple[KVValueWithMetadata[Any], int | None] | None]:
        now = self.clock.now()
        expirations: dict[bytes, int | None] = {}

        def read(encoded: bytes) -> StoredRow | None:
            row = self._live_row(encoded, now)
            if row is not None:
                expirations[encoded] = row[0]
            return row

        found = get_bulk(keys, type, cache_ttl, with_metadata=True, read=read)
        return {
            name: None if result is None else (result, expirations.get(name.encode()))
            for name, result in found.items()
        }

    def _read(self, key: str, cache_ttl: Any) -> StoredRow | None:
        return self._live_row(check_read(key, cache_ttl), self.clock.now())

    def _bulk(
        self, keys: BulkKeys, type: object, cache_ttl: Any, *, with_metadata: bool
    ) -> dict[str, Any]:
        now = self.clock.now()  # one operation, one reading of the clock
        return get_bulk(
            keys,
            type,
            cache_ttl,
            with_metadata=with_metadata,
            read=lambda key: self._live_row(key, now),
        )

    def _live_row(self, key: bytes, now: float) -> StoredRow | None:
        """The row a read at ``now`` sees: expired rows are deleted and read as missing."""
        row = self._store.get(key)
        if row is not None and row[0] is not None and now >= row[0]:
            # Gone once now >= expiration, for every read alike (docs/kv.md#expiration).
            self._store.delete_expired(now, key)
            row = None
        window = self._window
        if window is not None:
            row = window.choose(key, now, row)
            if row is not None and row[0] is not None and now >= row[0]:
                row = None
        return row

    # -- writes -------------------------------------------------------------------------

    async def put(
        self,
        key: str,
        value: Any,
        *,
        expiration: int | float | None = None,
        expiration_ttl: int | float | None = None,
        metadata: Any = None,
    ) -> None:
        """Store ``value`` under ``key``, replacing value, metadata and expiration together.

        ``value``: a ``str`` (stored as UTF-8), bytes-like, or an async iterable of
        bytes-like chunks. ``expiration`` is absolute epoch seconds, ``expiration_ttl``
        seconds from now (it wins when both are given); floats are truncated. ``metadata``:
        any JSON-serialisable value, ``None`` for none.

        Raises ``KVArgumentError`` for a bad key or value type, a non-int option or one
        outside int32; ``KVError`` 400 for an invalid expiration, 413 for metadata over
        1024 bytes or a value over 26,214,400 bytes, 414 for a key over 512 bytes, 429 when
        ``write_rate_limit`` is on; ``TypeError``/``ValueError`` from ``json`` for metadata
        JSON cannot hold. Nothing is written when it raises.
        """
        arguments = put_arguments(
            key, value, expiration=expiration, expiration_ttl=expiration_ttl, metadata=metadata
        )
        now = self.clock.now()
        write = validate_put(arguments, now=now)
        if arguments.stream is not None:
            write = await read_value(write, arguments)
        self._apply(write, now)

    def _apply(self, write: KVWrite, now: float) -> None:
        if self._limiter is None and self._window is None:
            self._store.put(write.key, write.expiration, write.metadata, write.value)
        else:
            strict_write(
                self._store,
                self._limiter,
                self._window,
                write.key,
                now,
                c.PUT,
                StoredRow(write.expiration, write.metadata, write.value),
            )

    def write_many(self, writes: Iterable[KVWrite]) -> int:
        """Store writes validated by ``emulator.kv.writes.validate_put`` (with a clock).

        Without strict modes, in one transaction (all or none, one fsync); with them, one
        by one so each write meets the rate limit and the stale-read history. Returns the
        count written.
        """
        if self._limiter is None and self._window is None:
            return self._store.put_many(write.row for write in writes)
        now = self.clock.now()
        count = 0
        for write in writes:
            self._apply(write, now)
            count += 1
        return count

    async def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is no error.

        Raises ``KVArgumentError`` for a bad key, ``KVError`` 414 for a key over 512 bytes
        and 429 when ``write_rate_limit`` is on and the key was written within 1 s.
        """
        if key.__class__ is not str and not isinstance(key, str):
            not_string("delete")
        encoded = encode_key(key, c.DELETE)
        if self._limiter is None and self._window is None:
            self._store.delete(encoded)
        else:
            strict_write(
                self._store, self._limiter, self._window, encoded, self.clock.now(), c.DELETE, None
            )

    # -- list ---------------------------------------------------------------------------

    async def list(
        self, *, prefix: str | None = None, limit: int | None = 1000, cursor: str | None = None
    ) -> KVListResult:
        """Return one page of keys in UTF-8 byte order, with expiration and metadata.

        ``prefix`` matches bytewise (case-sensitive, ``%``/``_`` literal). ``limit``: 1 to
        1000; ``0`` or ``None`` mean 1000. ``cursor``: the previous page's, to go on after
        its last key (``""`` or ``None``: from the start). ``list_complete`` is true only
        when no key is left; ``cursor`` is ``None`` then.

        Raises ``KVArgumentError`` for a ``limit`` that is not an int (Python is stricter
        than JavaScript, which would truncate 2.9 and parse "3") or a non-str prefix/cursor;
        ``KVError`` 400 for a negative limit or one over 1000, 414 for a prefix over 512
        bytes.
        """
        prefix = check_optional_str(prefix, "prefix")
        cursor = check_optional_str(cursor, "cursor")
        page = check_list_limit(limit)
        start = encode_prefix(prefix)
        after = decode_cursor(cursor)
        now = self.clock.now()
        self._store.delete_expired(now)
        rows = self._store.list_after(start, after, page + 1)
        complete = len(rows) <= page
        if not complete:
            del rows[page]
        keys = [
            KVListKey(name.decode(), expiration, parse_metadata(metadata))
            for name, expiration, metadata in rows
        ]
        return KVListResult(keys, complete, None if complete else encode_cursor(rows[-1][0]))

    # -- lifecycle ----------------------------------------------------------------------

    def reset(self) -> None:
        """Remove every key in place, and forget the strict modes' history."""
        self._store.clear()
        self._forget_history()

    def restore(self, image: bytes) -> None:
        """Replace every key with those of ``image`` (from ``image()``), in place, and
        forget the strict modes' history.

        One copy of the bytes (``sqlite3_deserialize``): 10,000 keys take well under a
        millisecond. Raises ``ValueError`` for a namespace persisted to a file or bytes
        that are not a namespace image.
        """
        self._sqlite_store().restore(image)
        self._forget_history()

    def _forget_history(self) -> None:
        if self._limiter is not None:
            self._limiter = WriteRateLimiter()
        if self._window is not None:
            self._window.clear()

    def close(self) -> None:
        """Close the storage; afterwards every call raises ``RuntimeError``."""
        store, self._store = self._store, ClosedKVStore(f"KV namespace {self.name!r}")
        store.close()

    def __repr__(self) -> str:
        where = "memory" if self.path is None else str(self.path)
        return f"KVNamespace({self.name!r}, id={self.id!r}, {where})"
