"""Workers KV: limits and messages, validation, storage and the namespace binding."""

from emulator.kv.namespace import KVNamespace

__all__ = ["KVNamespace"]
