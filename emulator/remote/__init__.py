"""Production bindings: the KV and D1 binding API over Cloudflare's REST API v4.

The same application code runs on the in-process emulator in tests, on
``python -m emulator serve`` in offline development and on Cloudflare in production::

    async with emulator.remote.connect("wrangler.toml") as env:
        app = make_app(env)   # Handler(env) takes it as it takes Emulator.env

Module map: ``env`` (``connect``, ``RemoteEnv``), ``kv`` (``RemoteKVNamespace``), ``d1``
(``RemoteD1Database``), ``transport`` (the pooled client, retries), ``errors`` (failures in
the bindings' words).
"""

from emulator.remote.d1 import RemoteD1Database, RemoteD1PreparedStatement
from emulator.remote.env import RemoteEnv, connect
from emulator.remote.kv import RemoteKVNamespace

__all__ = [
    "RemoteD1Database",
    "RemoteD1PreparedStatement",
    "RemoteEnv",
    "RemoteKVNamespace",
    "connect",
]
