"""``Emulator``: the one state object that owns the clock and every named binding.

The same ``Emulator`` is shared by the in-process API, the REST server and the pytest
fixtures. Bindings are created on first use and are the same objects afterwards; ``reset``
empties them in place, so references that tests hold stay valid.

Persistence layout (``persist_to``)::

    <persist_to>/emulator.json      binding names -> ids (written atomically)
    <persist_to>/kv/<id>.sqlite     one SQLite file (WAL) per KV namespace
    <persist_to>/d1/<id>.sqlite     one plain SQLite file per D1 database

Ids are derived from the binding name (``uuid5``) unless given, so the same name finds the
same file in a fresh process; ids from a wrangler config are used as they are.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

from emulator.clock import Clock, SystemClock
from emulator.d1 import D1Database
from emulator.kv import KVNamespace

__all__ = ["BindingRecord", "Emulator", "Env"]

BindingKind = Literal["kv", "d1"]

_REGISTRY_FILE = "emulator.json"
_REGISTRY_VERSION = 1
# Binding names are JS identifiers in wrangler; ids end up in file names, so both are
# checked before they get near the filesystem.
_NAME_PATTERN = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,127}")
_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_ID_NAMESPACE = uuid.UUID("6f0b6a57-3b1f-4f5e-9a55-6c1f2f1d0e11")


def validate_binding_name(name: str) -> str:
    """Return ``name`` if it can name a binding; raise ``ValueError`` otherwise."""
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"invalid binding name {name!r}: use letters, digits, '_' or '$', "
            "not starting with a digit (as wrangler binding names)"
        )
    return name


def validate_binding_id(binding_id: str) -> str:
    """Return ``binding_id`` if it is safe as a file name; raise ``ValueError`` otherwise."""
    if not isinstance(binding_id, str) or not _ID_PATTERN.fullmatch(binding_id):
        raise ValueError(
            f"invalid binding id {binding_id!r}: use 1-64 letters, digits, '-' or '_'"
        )
    return binding_id


def default_binding_id(kind: BindingKind, name: str) -> str:
    """The id a binding gets when none is given: stable for the same kind and name."""
    return uuid.uuid5(_ID_NAMESPACE, f"{kind}:{name}").hex


@dataclass(frozen=True)
class BindingRecord:
    """What the registry remembers about a binding."""

    kind: BindingKind
    name: str
    id: str


class Env:
    """Attribute and item access to an emulator's bindings: ``env.SESSIONS``, ``env["DB"]``."""

    __slots__ = ("_emulator",)

    def __init__(self, emulator: Emulator) -> None:
        object.__setattr__(self, "_emulator", emulator)

    def __getattr__(self, name: str) -> KVNamespace | D1Database:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(self._missing(name)) from None

    def __getitem__(self, name: str) -> KVNamespace | D1Database:
        binding = self._emulator.binding(name)
        if binding is None:
            raise KeyError(self._missing(name))
        return binding

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("bindings are created with Emulator.kv(name) or Emulator.d1(name)")

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._emulator.binding(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._emulator.binding_names())

    def __dir__(self) -> list[str]:
        return [*self._emulator.binding_names(), *super().__dir__()]

    def get(self, name: str) -> KVNamespace | D1Database | None:
        """Return the binding called ``name``, or ``None``."""
        return self._emulator.binding(name)

    def _missing(self, name: str) -> str:
        known = ", ".join(self._emulator.binding_names()) or "none yet"
        return (
            f"no binding named {name!r} (bindings: {known}); "
            "create it with Emulator.kv(name) or Emulator.d1(name)"
        )

    def __repr__(self) -> str:
        return f"Env({', '.join(self._emulator.binding_names())})"


class Emulator:
    """Own the clock and every KV namespace and D1 database, in memory or in a folder.

    ``persist_to``: a folder (created if missing) where all state survives a restart;
    ``None`` keeps everything in memory. ``clock``: defaults to ``SystemClock()``, which
    freezegun and time-machine move; pass a ``ManualClock`` to move time by hand.

    ``kv_write_rate_limit`` and ``kv_eventual_consistency_seed`` switch on production
    behaviours that Miniflare does not show (see ``KVNamespace``), for every namespace.
    """

    def __init__(
        self,
        persist_to: str | os.PathLike[str] | None = None,
        clock: Clock | None = None,
        *,
        kv_write_rate_limit: bool = False,
        kv_eventual_consistency_seed: int | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.persist_to: Path | None = None if persist_to is None else Path(persist_to)
        self.kv_write_rate_limit = kv_write_rate_limit
        self.kv_eventual_consistency_seed = kv_eventual_consistency_seed
        self.env = Env(self)
        self._records: dict[str, BindingRecord] = {}
        self._bindings: dict[str, KVNamespace | D1Database] = {}
        self._lock = threading.RLock()
        self._closed = False
        if self.persist_to is not None:
            self.persist_to.mkdir(parents=True, exist_ok=True)
            self._load_registry()

    # -- bindings -------------------------------------------------------------------------

    def kv(self, name: str, *, id: str | None = None) -> KVNamespace:
        """Return the KV namespace bound as ``name``, creating it on first use."""
        binding = self._get_or_create("kv", name, id)
        assert isinstance(binding, KVNamespace)
        return binding

    def d1(self, name: str, *, id: str | None = None) -> D1Database:
        """Return the D1 database bound as ``name``, creating it on first use."""
        binding = self._get_or_create("d1", name, id)
        assert isinstance(binding, D1Database)
        return binding

    def binding(self, name: str) -> KVNamespace | D1Database | None:
        """Return the binding called ``name`` (opening a persisted one), or ``None``."""
        with self._lock:
            record = self._records.get(name)
            if record is None:
                return None
            return self._get_or_create(record.kind, name, record.id)

    def binding_names(self) -> list[str]:
        """Names of every known binding, sorted."""
        with self._lock:
            return sorted(self._records)

    def records(self) -> list[BindingRecord]:
        """Every known binding's kind, name and id, sorted by name."""
        with self._lock:
            return [self._records[name] for name in sorted(self._records)]

    def _get_or_create(
        self, kind: BindingKind, name: str, binding_id: str | None
    ) -> KVNamespace | D1Database:
        validate_binding_name(name)
        with self._lock:
            if self._closed:
                raise RuntimeError("this Emulator is closed")
            record = self._records.get(name)
            if record is not None and record.kind != kind:
                raise ValueError(
                    f"binding {name!r} is a {record.kind.upper()} binding, not {kind.upper()}"
                )
            if record is not None and binding_id is not None and binding_id != record.id:
                raise ValueError(
                    f"binding {name!r} already has id {record.id!r}, not {binding_id!r}"
                )
            existing = self._bindings.get(name)
            if existing is not None:
                return existing
            if record is None:
                resolved = binding_id if binding_id is not None else default_binding_id(kind, name)
                record = BindingRecord(kind, name, validate_binding_id(resolved))
                self._records[name] = record
                self._save_registry()
            binding = self._open(record)
            self._bindings[name] = binding
            return binding

    def _open(self, record: BindingRecord) -> KVNamespace | D1Database:
        path = None
        if self.persist_to is not None:
            folder = self.persist_to / record.kind
            folder.mkdir(exist_ok=True)
            path = folder / f"{record.id}.sqlite"
        if record.kind == "kv":
            return KVNamespace(
                record.name,
                clock=self.clock,
                path=path,
                namespace_id=record.id,
                write_rate_limit=self.kv_write_rate_limit,
                eventual_consistency_seed=self.kv_eventual_consistency_seed,
            )
        return D1Database(record.name, clock=self.clock, path=path, database_id=record.id)

    # -- registry -------------------------------------------------------------------------

    def _registry_path(self) -> Path:
        assert self.persist_to is not None
        return self.persist_to / _REGISTRY_FILE

    def _load_registry(self) -> None:
        path = self._registry_path()
        if not path.exists():
            return
        try:
            data = json.loads(path.read_text("utf-8"))
            entries = data["bindings"]
            for entry in entries:
                kind = entry["kind"]
                if kind not in ("kv", "d1"):
                    raise ValueError(f"unknown binding kind {kind!r}")
                record = BindingRecord(
                    kind,
                    validate_binding_name(entry["name"]),
                    validate_binding_id(entry["id"]),
                )
                self._records[record.name] = record
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path} is not a valid emulator registry: {exc}") from exc

    def _save_registry(self) -> None:
        if self.persist_to is None:
            return
        path = self._registry_path()
        payload = {
            "version": _REGISTRY_VERSION,
            "bindings": [
                {"kind": r.kind, "name": r.name, "id": r.id}
                for r in sorted(self._records.values(), key=lambda r: r.name)
            ],
        }
        tmp = path.with_suffix(".json.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    # -- lifecycle ------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty every binding in place; the binding objects stay valid."""
        with self._lock:
            for name in list(self._records):
                binding = self.binding(name)
                assert binding is not None
                binding.reset()

    def close(self) -> None:
        """Close every open binding; the Emulator cannot be used afterwards."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            bindings, self._bindings = self._bindings, {}
        for binding in bindings.values():
            binding.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "memory" if self.persist_to is None else str(self.persist_to)
        return f"Emulator({where}, clock={self.clock!r}, bindings={self.binding_names()})"

