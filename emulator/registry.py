"""The registry's vocabulary and file: resources, bindings, ids, titles, layouts.

``Emulator`` (in ``emulator.core``) keeps two maps, as Cloudflare and wrangler do:

- **resources**, KV namespaces and D1 databases by (kind, id), each with a title (the KV
  namespace title or the D1 database name) and a creation time;
- **bindings**, names such as ``SESSIONS`` pointing at a resource id.

Both are saved atomically to ``<persist_to>/emulator.json``; a ``PersistenceLayout`` says
where each resource's own files live. Ids end up in file names, so they are checked here
before they get near the filesystem.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from emulator.d1 import D1Database
from emulator.kv import KVNamespace

if TYPE_CHECKING:
    from emulator.core import Emulator

__all__ = [
    "REGISTRY_FILE",
    "Binding",
    "BindingKind",
    "BindingRecord",
    "DuplicateTitleError",
    "EmulatorLayout",
    "PersistenceLayout",
    "ResourceKey",
    "ResourceRecord",
    "default_binding_id",
    "is_valid_binding_id",
    "load_registry",
    "random_resource_id",
    "save_registry",
    "validate_binding_id",
    "validate_binding_name",
    "validate_title",
]

BindingKind = Literal["kv", "d1"]
Binding = KVNamespace | D1Database

REGISTRY_FILE = "emulator.json"
_REGISTRY_VERSION = 1
# Binding names are JS identifiers in wrangler; ids end up in file names, so both are
# checked before they get near the filesystem.
_NAME_PATTERN = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]{0,127}")
_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_ID_NAMESPACE = uuid.UUID("6f0b6a57-3b1f-4f5e-9a55-6c1f2f1d0e11")
_MAX_TITLE_LENGTH = 512


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
        raise ValueError(f"invalid binding id {binding_id!r}: use 1-64 letters, digits, '-' or '_'")
    return binding_id


def is_valid_binding_id(binding_id: str) -> bool:
    """Tell whether ``binding_id`` would pass ``validate_binding_id``."""
    return isinstance(binding_id, str) and _ID_PATTERN.fullmatch(binding_id) is not None


def validate_title(title: str) -> str:
    """Return ``title`` if it can title a resource (1-512 characters, no control ones)."""
    if (
        not isinstance(title, str)
        or not title.strip()
        or len(title) > _MAX_TITLE_LENGTH
        or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in title)
    ):
        raise ValueError(f"invalid title {title!r}: use 1-{_MAX_TITLE_LENGTH} printable characters")
    return title


def default_binding_id(kind: BindingKind, name: str) -> str:
    """The id a binding gets when none is given: stable for the same kind and name."""
    return uuid.uuid5(_ID_NAMESPACE, f"{kind}:{name}").hex


def random_resource_id(kind: BindingKind) -> str:
    """A fresh id shaped as Cloudflare's: 32 hex digits for KV, a dashed UUID for D1."""
    fresh = uuid.uuid4()
    return fresh.hex if kind == "kv" else str(fresh)


class DuplicateTitleError(ValueError):
    """Another resource of the same kind already has this title (Cloudflare refuses it)."""


@dataclass(frozen=True)
class BindingRecord:
    """What the registry remembers about a binding."""

    kind: BindingKind
    name: str
    id: str


@dataclass(frozen=True)
class ResourceRecord:
    """A KV namespace or D1 database: id, title (D1: its name) and creation time."""

    kind: BindingKind
    id: str
    title: str
    created_at: float


class PersistenceLayout(Protocol):
    """Where and how bindings keep their state on disk."""

    root: Path

    def open(self, kind: BindingKind, name: str, binding_id: str, emulator: Emulator) -> Binding:
        """Open the KV namespace or D1 database ``binding_id`` (creating it if missing)."""
        ...

    def remove(self, kind: BindingKind, binding_id: str) -> None:
        """Delete every file of the resource ``binding_id``; it is already closed."""
        ...


class EmulatorLayout:
    """The emulator's own layout: ``kv/<id>.sqlite`` and ``d1/<id>.sqlite`` under ``root``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, kind: BindingKind, binding_id: str) -> Path:
        """The SQLite file of a resource (its folder is created)."""
        folder = self.root / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{validate_binding_id(binding_id)}.sqlite"

    def open(self, kind: BindingKind, name: str, binding_id: str, emulator: Emulator) -> Binding:
        return emulator.open_binding(kind, name, binding_id, self.path(kind, binding_id))

    def remove(self, kind: BindingKind, binding_id: str) -> None:
        path = self.path(kind, binding_id)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"EmulatorLayout({str(self.root)!r})"


ResourceKey = tuple[BindingKind, str]


def load_registry(
    path: Path,
) -> tuple[dict[str, BindingRecord], dict[ResourceKey, ResourceRecord]]:
    """Read the bindings (by name) and resources (in creation order) saved at ``path``.

    A registry written before resources were tracked gets one resource per binding, titled
    by the binding name, created when the file was. Raises ``ValueError`` naming the file.
    """
    records: dict[str, BindingRecord] = {}
    resources: dict[ResourceKey, ResourceRecord] = {}
    try:
        data = json.loads(path.read_text("utf-8"))
        for entry in data.get("resources", []):
            kind = _kind(entry["kind"])
            resource = ResourceRecord(
                kind,
                validate_binding_id(entry["id"]),
                validate_title(entry["title"]),
                float(entry["created_at"]),
            )
            resources[(kind, resource.id)] = resource
        for entry in data["bindings"]:
            record = BindingRecord(
                _kind(entry["kind"]),
                validate_binding_name(entry["name"]),
                validate_binding_id(entry["id"]),
            )
            records[record.name] = record
            if (record.kind, record.id) not in resources:
                resources[(record.kind, record.id)] = ResourceRecord(
                    record.kind, record.id, record.name, path.stat().st_mtime
                )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is not a valid emulator registry: {exc}") from exc
    return records, resources


def save_registry(
    path: Path,
    records: Mapping[str, BindingRecord],
    resources: Mapping[ResourceKey, ResourceRecord],
) -> None:
    """Write the registry atomically (temporary file, fsync, rename)."""
    payload: dict[str, Any] = {
        "version": _REGISTRY_VERSION,
        "bindings": [
            {"kind": r.kind, "name": r.name, "id": r.id}
            for r in sorted(records.values(), key=lambda r: r.name)
        ],
        # In creation order, which the REST API lists by.
        "resources": [
            {"kind": r.kind, "id": r.id, "title": r.title, "created_at": r.created_at}
            for r in resources.values()
        ],
    }
    tmp = path.with_suffix(".json.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _kind(value: object) -> BindingKind:
    if value == "kv":
        return "kv"
    if value == "d1":
        return "d1"
    raise ValueError(f"unknown binding kind {value!r}")
