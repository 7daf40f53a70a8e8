"""Wrangler's local state layout (``.wrangler/state/v3``), shared with ``wrangler --local``.

State written by ``wrangler kv key put --local`` or ``wrangler d1 execute --local`` (and
``wrangler dev``) is read by the emulator, and the other way round. The files, as
Miniflare 4 lays them out (``packages/miniflare``: ``plugins/kv``, ``plugins/d1``,
``workers/shared/keyvalue.worker.ts``, ``blob.worker.ts``)::

    v3/kv/miniflare-KVNamespaceObject/<hash>.sqlite   table _mf_entries (key TEXT PRIMARY
                                                      KEY, blob_id, expiration ms, metadata)
    v3/kv/<namespace_id>/blobs/<blob_id>              one file per value
    v3/d1/miniflare-D1DatabaseObject/<hash>.sqlite    the D1 database itself
    v3/emulator.json                                  the emulator's registry (titles)

``<hash>`` is the Durable Object id workerd derives from the namespace or database id with
``idFromName``: ``k = sha256(unique_key)``, ``a = hmac_sha256(k, name)[:16]``,
``b = hmac_sha256(k, a)[:16]``, hex of ``a + b`` (Miniflare's
``durableObjectNamespaceIdFromName``; checked against a real wrangler run in the tests).

Use one program at a time on a state folder: stop ``wrangler dev`` before serving the same
folder, and the other way round.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from pathlib import Path

from emulator.core import Binding, BindingKind, Emulator, validate_binding_id
from emulator.server.miniflare_kv import MiniflareKVStore

__all__ = [
    "D1_OBJECT",
    "DEFAULT_WRANGLER_STATE",
    "KV_OBJECT",
    "WranglerLayout",
    "durable_object_id_from_name",
    "is_wrangler_state",
    "wrangler_root",
]

DEFAULT_WRANGLER_STATE = ".wrangler/state"
KV_OBJECT = "miniflare-KVNamespaceObject"
D1_OBJECT = "miniflare-D1DatabaseObject"
_STATE_VERSION = "v3"


def durable_object_id_from_name(unique_key: str, name: str) -> str:
    """The hex Durable Object id workerd gives ``idFromName(name)`` in a namespace."""
    key = hashlib.sha256(unique_key.encode("utf-8")).digest()
    name_mac = hmac.new(key, name.encode("utf-8"), hashlib.sha256).digest()[:16]
    check = hmac.new(key, name_mac, hashlib.sha256).digest()[:16]
    return (name_mac + check).hex()


def wrangler_root(persist_to: Path) -> Path:
    """The ``v3`` folder for a wrangler ``--persist-to`` folder (or ``v3`` itself)."""
    return persist_to if persist_to.name == _STATE_VERSION else persist_to / _STATE_VERSION


def is_wrangler_state(folder: Path) -> bool:
    """Whether ``folder`` is wrangler's state: ``.wrangler/state``, named ``v3``, or
    holding a ``v3`` folder."""
    return (
        folder.parts[-2:] == (".wrangler", "state")
        or folder.name == _STATE_VERSION
        or (folder / _STATE_VERSION).is_dir()
    )


class WranglerLayout:
    """A ``PersistenceLayout`` over wrangler's ``.wrangler/state/v3`` folder (``root``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def kv_database(self, namespace_id: str) -> Path:
        """The SQLite file holding a KV namespace's keys."""
        digest = durable_object_id_from_name(KV_OBJECT, validate_binding_id(namespace_id))
        return self.root / "kv" / KV_OBJECT / f"{digest}.sqlite"

    def kv_blobs(self, namespace_id: str) -> Path:
        """The folder of a KV namespace's value files.

        Miniflare sanitises the id for the file system and URL-encodes it; ids the
        emulator accepts (letters, digits, ``-``, ``_``) come out unchanged.
        """
        return self.root / "kv" / validate_binding_id(namespace_id) / "blobs"

    def d1_database(self, database_id: str) -> Path:
        """The SQLite file of a D1 database."""
        digest = durable_object_id_from_name(D1_OBJECT, validate_binding_id(database_id))
        return self.root / "d1" / D1_OBJECT / f"{digest}.sqlite"

    def open(self, kind: BindingKind, name: str, binding_id: str, emulator: Emulator) -> Binding:
        if kind == "kv":
            store = MiniflareKVStore(self.kv_database(binding_id), self.kv_blobs(binding_id))
            return emulator.open_binding("kv", name, binding_id, None, store=store)
        path = self.d1_database(binding_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        return emulator.open_binding("d1", name, binding_id, path)

    def remove(self, kind: BindingKind, binding_id: str) -> None:
        database = self.kv_database(binding_id) if kind == "kv" else self.d1_database(binding_id)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        if kind == "kv":
            blobs = self.kv_blobs(binding_id)
            if blobs.is_dir():
                for blob in blobs.iterdir():
                    blob.unlink(missing_ok=True)
            for folder in (blobs, blobs.parent):
                with contextlib.suppress(OSError):  # missing, or holding other files
                    folder.rmdir()

    def __repr__(self) -> str:
        return f"WranglerLayout({str(self.root)!r})"
