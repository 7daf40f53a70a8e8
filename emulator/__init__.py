"""Cloudflare Workers KV and D1, emulated in-process, on one clock that tests can move."""

from emulator.clock import Clock, FreezableClock, ManualClock, MovableClock, SystemClock
from emulator.core import Emulator, Env
from emulator.d1 import D1Database, D1ExecResult, D1PreparedStatement, D1Result
from emulator.errors import D1Error, D1TypeError, EmulatorError, KVArgumentError, KVError
from emulator.image import EmulatorImage
from emulator.kv import KVEntry, KVListKey, KVListResult, KVNamespace, KVValueWithMetadata
from emulator.ownership import FolderInUseError

__all__ = [
    "Clock",
    "D1Database",
    "D1Error",
    "D1ExecResult",
    "D1PreparedStatement",
    "D1Result",
    "D1TypeError",
    "Emulator",
    "EmulatorError",
    "EmulatorImage",
    "Env",
    "FolderInUseError",
    "FreezableClock",
    "KVArgumentError",
    "KVEntry",
    "KVError",
    "KVListKey",
    "KVListResult",
    "KVNamespace",
    "KVValueWithMetadata",
    "ManualClock",
    "MovableClock",
    "SystemClock",
]
