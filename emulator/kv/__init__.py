"""Workers KV: limits and messages, validation, storage and the namespace binding."""

from emulator.kv.namespace import KVNamespace
from emulator.kv.results import KVEntry, KVListKey, KVListResult, KVValueWithMetadata
from emulator.kv.sqlite_store import SQLiteKVStore
from emulator.kv.storage import KVStore

__all__ = [
    "KVEntry",
    "KVListKey",
    "KVListResult",
    "KVNamespace",
    "KVStore",
    "KVValueWithMetadata",
    "SQLiteKVStore",
]
