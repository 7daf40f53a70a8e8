"""``Emulator``: the one state object that owns the clock and every named binding.

The same ``Emulator`` is shared by the in-process API, the REST server and the pytest
fixtures. Bindings are created on first use and are the same objects afterwards; ``reset``
empties them in place, so references that tests hold stay valid.

Two things are tracked, as on Cloudflare:

- **resources**: KV namespaces and D1 databases, each with an id, a title (the KV
  namespace title or the D1 database name) and a creation time. The REST API lists,
  creates, renames and deletes them by id.
- **bindings**: names (``SESSIONS``, ``DB``) that point at a resource, as a wrangler config
  does. ``emu.kv("SESSIONS")`` creates the binding and its resource on first use.

One resource is one object: two bindings of the same id share it, and the REST API reaches
the very object that ``emu.kv(name)`` returned.

Persistence layout (``persist_to``)::

    <persist_to>/emulator.json      bindings and resources (written atomically)
    <persist_to>/kv/<id>.sqlite     one SQLite file (WAL) per KV namespace
    <persist_to>/d1/<id>.sqlite     one plain SQLite file per D1 database

Another ``PersistenceLayout`` (such as wrangler's ``.wrangler/state/v3``, in
``emulator.server.wrangler_layout``) can be passed as ``layout``. Ids are derived from the
binding name (``uuid5``) unless given, so the same name finds the same file in a fresh
process; ids from a wrangler config are used as they are.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from emulator.clock import Clock, SystemClock
from emulator.d1 import D1Database
from emulator.env import Env, closest_hint
from emulator.image import EmulatorImage, restore_image, take_image
from emulator.kv import KVNamespace
from emulator.ownership import FolderLock, claim_folder

# The registry's names are part of this module's surface (``emulator.core.default_binding_id``).
from emulator.registry import (
    REGISTRY_FILE,
    Binding,
    BindingKind,
    BindingRecord,
    DuplicateTitleError,
    EmulatorLayout,
    PersistenceLayout,
    ResourceKey,
    ResourceRecord,
    default_binding_id,
    is_valid_binding_id,
    load_registry,
    random_resource_id,
    save_registry,
    validate_binding_id,
    validate_binding_name,
    validate_title,
)

__all__ = [
    "Binding",
    "BindingKind",
    "BindingRecord",
    "DuplicateTitleError",
    "Emulator",
    "EmulatorLayout",
    "Env",
    "PersistenceLayout",
    "ResourceRecord",
    "default_binding_id",
    "is_valid_binding_id",
    "random_resource_id",
    "validate_binding_id",
    "validate_binding_name",
    "validate_title",
]


class Emulator:
    """Own the clock and every KV namespace and D1 database, in memory or in a folder.

    ``persist_to``: a folder (created if missing) where all state survives a restart;
    ``None`` keeps everything in memory. ``layout``: how that folder is organised (the
    emulator's own layout by default); giving a layout implies its ``root`` as
    ``persist_to``. ``clock``: defaults to ``SystemClock()``, which freezegun and
    time-machine move; pass a ``ManualClock`` to move time by hand.

    ``kv_write_rate_limit`` and ``kv_eventual_consistency_seed`` switch on production
    behaviours that Miniflare does not show (see ``KVNamespace``), for every namespace.

    Raises ``ValueError`` for a corrupt registry file or a layout whose root disagrees with
    ``persist_to``, and ``FolderInUseError`` when another ``Emulator`` (in this process or
    another, such as ``serve``) or a running ``wrangler dev`` already uses the folder; the
    folder is freed by ``close()``.
    """

    def __init__(
        self,
        persist_to: str | os.PathLike[str] | None = None,
        clock: Clock | None = None,
        *,
        kv_write_rate_limit: bool = False,
        kv_eventual_consistency_seed: int | None = None,
        layout: PersistenceLayout | None = None,
    ) -> None:
        if layout is not None and persist_to is not None and Path(persist_to) != layout.root:
            raise ValueError(f"persist_to {persist_to!s} differs from the layout's {layout.root}")
        if layout is None and persist_to is not None:
            layout = EmulatorLayout(persist_to)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.layout: PersistenceLayout | None = layout
        self.persist_to: Path | None = None if layout is None else layout.root
        self.kv_write_rate_limit = kv_write_rate_limit
        self.kv_eventual_consistency_seed = kv_eventual_consistency_seed
        self.env = Env(self)
        self._records: dict[str, BindingRecord] = {}
        self._resources: dict[ResourceKey, ResourceRecord] = {}
        self._open: dict[ResourceKey, Binding] = {}
        self._lock = threading.RLock()
        self._closed = False
        # One owner per folder (``emulator.ownership``): a second one refuses here.
        self.owner_lock: FolderLock | None = None
        self._declared: tuple[str, frozenset[str]] | None = None
        if self.persist_to is not None:
            self.owner_lock = claim_folder(self.persist_to)
            try:
                self._load_registry()
            except BaseException:
                self.owner_lock.release()
                raise

    # -- bindings -------------------------------------------------------------------------

    def kv(self, name: str, *, id: str | None = None) -> KVNamespace:
        """Return the KV namespace bound as ``name``, creating it on first use.

        Raises ``ValueError`` if ``name`` is a D1 binding or already bound to another id.
        """
        binding = self._get_or_create("kv", name, id)
        assert isinstance(binding, KVNamespace)
        return binding

    def d1(self, name: str, *, id: str | None = None) -> D1Database:
        """Return the D1 database bound as ``name``, creating it on first use.

        Raises ``ValueError`` if ``name`` is a KV binding or already bound to another id.
        """
        binding = self._get_or_create("d1", name, id)
        assert isinstance(binding, D1Database)
        return binding

    def bind(
        self, kind: BindingKind, name: str, binding_id: str, *, title: str | None = None
    ) -> Binding:
        """Point the binding ``name`` at the resource ``binding_id``, as a config says.

        Unlike ``kv(name, id=...)`` this re-points an existing binding (the data of the
        resource it pointed at is kept). The resource is created when missing, titled
        ``title`` (default: the binding name). Raises ``ValueError`` for bad names or ids.
        """
        validate_binding_name(name)
        validate_binding_id(binding_id)
        with self._lock:
            self._check_open()
            record = self._records.get(name)
            _check_kind(record, kind)
            if (kind, binding_id) not in self._resources:
                # A config names what exists; a title clash must not stop it loading.
                self._add_resource(
                    kind, binding_id, title if title is not None else name, unique=False
                )
            self._records[name] = BindingRecord(kind, name, binding_id)
            self._save_registry()
            return self._binding_object(kind, binding_id, name)

    def declare_bindings(self, names: Iterable[str], *, source: str) -> None:
        """From now on, refuse to create a binding that ``source`` does not declare.

        A wrangler config calls this once it has bound its names, so ``emu.kv("CAHCE")``
        (a typo) raises ``ValueError`` naming the closest declared binding, instead of
        creating an empty namespace no test would notice. Bindings already known (declared,
        or persisted in ``persist_to``) stay usable.
        """
        with self._lock:
            self._declared = (source, frozenset(names))

    def binding(self, name: str) -> Binding | None:
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

    def _get_or_create(self, kind: BindingKind, name: str, binding_id: str | None) -> Binding:
        validate_binding_name(name)
        with self._lock:
            self._check_open()
            record = self._records.get(name)
            _check_kind(record, kind)
            if record is not None and binding_id is not None and binding_id != record.id:
                raise ValueError(
                    f"binding {name!r} already has id {record.id!r}, not {binding_id!r}"
                )
            if record is None:
                self._check_declared(name)
                resolved = binding_id if binding_id is not None else default_binding_id(kind, name)
                record = BindingRecord(kind, name, validate_binding_id(resolved))
                self._records[name] = record
                if (kind, record.id) not in self._resources:
                    # Created in-process: titled after the binding, even if a namespace
                    # created over the REST API already uses that title.
                    self._add_resource(kind, record.id, name, unique=False)
                self._save_registry()
            return self._binding_object(kind, record.id, name)

    def _check_declared(self, name: str) -> None:
        if self._declared is None:
            return
        source, declared = self._declared
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise ValueError(
                f"binding {name!r} is not declared in {source} (declared: {known})"
                f"{closest_hint(name, declared)}"
            )

    # -- resources (what the REST API manages) --------------------------------------------

    def resources(self, kind: BindingKind) -> list[ResourceRecord]:
        """Every KV namespace or D1 database, oldest first (ties in creation order)."""
        with self._lock:
            found = [r for (k, _), r in self._resources.items() if k == kind]
        # A stable sort over creation order: a clock that stands still keeps that order.
        return sorted(found, key=lambda r: r.created_at)

    def resource(self, kind: BindingKind, binding_id: str) -> ResourceRecord | None:
        """The KV namespace or D1 database with this id, or ``None``."""
        with self._lock:
            return self._resources.get((kind, binding_id))

    def bindings_of(self, kind: BindingKind, binding_id: str) -> list[str]:
        """Names of the bindings that point at a resource, sorted."""
        with self._lock:
            return sorted(
                r.name for r in self._records.values() if r.kind == kind and r.id == binding_id
            )

    def create_resource(
        self, kind: BindingKind, title: str, *, id: str | None = None
    ) -> ResourceRecord:
        """Create a KV namespace or D1 database titled ``title``, with a random id.

        Raises ``DuplicateTitleError`` when the title is taken (Cloudflare refuses that
        too) and ``ValueError`` for a bad title or an id already in use.
        """
        with self._lock:
            self._check_open()
            resource_id = id if id is not None else random_resource_id(kind)
            validate_binding_id(resource_id)
            if (kind, resource_id) in self._resources:
                raise ValueError(f"a {kind.upper()} resource with id {resource_id!r} exists")
            record = self._add_resource(kind, resource_id, title)
            self._save_registry()
            return record

    def rename_resource(self, kind: BindingKind, binding_id: str, title: str) -> ResourceRecord:
        """Give a resource a new title; raises ``KeyError`` or ``DuplicateTitleError``."""
        with self._lock:
            current = self._require_resource(kind, binding_id)
            self._check_title(kind, validate_title(title), exclude=binding_id)
            renamed = replace(current, title=title)
            self._resources[(kind, binding_id)] = renamed
            self._save_registry()
            return renamed

    def delete_resource(self, kind: BindingKind, binding_id: str) -> None:
        """Delete a resource, its data and files, and every binding pointing at it.

        Raises ``KeyError`` when no such resource exists.
        """
        with self._lock:
            self._require_resource(kind, binding_id)
            binding = self._open.pop((kind, binding_id), None)
            if binding is not None:
                binding.close()
            del self._resources[(kind, binding_id)]
            for name in self.bindings_of(kind, binding_id):
                del self._records[name]
            if self.layout is not None:
                self.layout.remove(kind, binding_id)
            self._save_registry()

    def kv_namespace(self, namespace_id: str) -> KVNamespace:
        """Return the KV namespace with this id; raises ``KeyError`` if there is none."""
        binding = self._resource_object("kv", namespace_id)
        assert isinstance(binding, KVNamespace)
        return binding

    def d1_database(self, database_id: str) -> D1Database:
        """Return the D1 database with this id; raises ``KeyError`` if there is none."""
        binding = self._resource_object("d1", database_id)
        assert isinstance(binding, D1Database)
        return binding

    def _resource_object(self, kind: BindingKind, binding_id: str) -> Binding:
        # Every REST request comes through here: an open resource is one dict lookup (a
        # closed emulator has none open, so it still reaches the check below).
        existing = self._open.get((kind, binding_id))
        if existing is not None:
            return existing
        with self._lock:
            self._check_open()
            record = self._require_resource(kind, binding_id)
            names = self.bindings_of(kind, binding_id)
            return self._binding_object(kind, binding_id, names[0] if names else record.title)

    def _require_resource(self, kind: BindingKind, binding_id: str) -> ResourceRecord:
        record = self._resources.get((kind, binding_id))
        if record is None:
            raise KeyError(f"no {kind.upper()} resource with id {binding_id!r}")
        return record

    def _check_title(self, kind: BindingKind, title: str, *, exclude: str | None) -> None:
        for (other_kind, other_id), other in self._resources.items():
            if other_kind == kind and other_id != exclude and other.title == title:
                raise DuplicateTitleError(
                    f"a {kind.upper()} resource titled {title!r} already exists ({other_id})"
                )

    def _add_resource(
        self, kind: BindingKind, binding_id: str, title: str, *, unique: bool = True
    ) -> ResourceRecord:
        validate_title(title)
        if unique:
            self._check_title(kind, title, exclude=None)
        record = ResourceRecord(kind, binding_id, title, self.clock.now())
        self._resources[(kind, binding_id)] = record
        return record

    def _binding_object(self, kind: BindingKind, binding_id: str, name: str) -> Binding:
        existing = self._open.get((kind, binding_id))
        if existing is not None:
            return existing
        if self.layout is None:
            binding = self.open_binding(kind, name, binding_id, None)
        else:
            binding = self.layout.open(kind, name, binding_id, self)
        self._open[(kind, binding_id)] = binding
        return binding

    def open_binding(
        self, kind: BindingKind, name: str, binding_id: str, path: Path | None, **extra: Any
    ) -> Binding:
        """Construct a KV namespace or D1 database on this emulator's clock and options.

        Layouts call this; ``extra`` keyword arguments go to the binding's constructor.
        """
        if kind == "kv":
            return KVNamespace(
                name,
                clock=self.clock,
                path=path,
                namespace_id=binding_id,
                write_rate_limit=self.kv_write_rate_limit,
                eventual_consistency_seed=self.kv_eventual_consistency_seed,
                **extra,
            )
        return D1Database(name, clock=self.clock, path=path, database_id=binding_id, **extra)

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this Emulator is closed")

    # -- registry -------------------------------------------------------------------------

    def _registry_path(self) -> Path:
        assert self.persist_to is not None
        return self.persist_to / REGISTRY_FILE

    def _load_registry(self) -> None:
        path = self._registry_path()
        if path.exists():
            self._records, self._resources = load_registry(path)

    def _save_registry(self) -> None:
        if self.persist_to is not None:
            save_registry(self._registry_path(), self._records, self._resources)

    # -- images (restoring seeded state) --------------------------------------------------

    def image(self) -> EmulatorImage:
        """Return every binding, resource and byte of data now, for ``restore``."""
        return take_image(self)

    def restore(self, image: EmulatorImage) -> None:
        """Make this in-memory emulator hold what ``image`` holds (see
        ``emulator.image.restore_image``); objects held on its bindings stay valid."""
        restore_image(self, image)

    # -- lifecycle ------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty every binding and resource in place; the objects stay valid."""
        with self._lock:
            self._check_open()
            for kind, binding_id in list(self._resources):
                self._resource_object(kind, binding_id).reset()

    def close(self) -> None:
        """Close every open binding; the Emulator cannot be used afterwards."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            bindings, self._open = self._open, {}
        for binding in bindings.values():
            binding.close()
        if self.owner_lock is not None:
            self.owner_lock.release()

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


def _check_kind(record: BindingRecord | None, kind: BindingKind) -> None:
    """Refuse to use a KV binding's name for D1, or the reverse."""
    if record is not None and record.kind != kind:
        raise ValueError(
            f"binding {record.name!r} is a {record.kind.upper()} binding, not {kind.upper()}"
        )
