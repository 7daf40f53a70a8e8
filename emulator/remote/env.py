"""``connect()``: an env of remote bindings, from a wrangler config or an explicit mapping.

::

    async with emulator.remote.connect("wrangler.toml") as env:
        await env.SESSIONS.put("k", "v")          # RemoteKVNamespace
        row = await env["DB"].prepare("SELECT 1 AS x").first()

Bindings map to the ids a deployed Worker uses: ``id`` for ``kv_namespaces`` and
``database_id`` for ``d1_databases`` (``preview_id`` / ``preview_database_id`` are for
``wrangler dev`` and are not used), from the top level or an ``[env.NAME]`` section.
Credentials fall back to ``CLOUDFLARE_ACCOUNT_ID`` and ``CLOUDFLARE_API_TOKEN``, the base
URL to ``CLOUDFLARE_BASE_URL`` and then Cloudflare's. Every binding of one env shares one
pooled HTTP client, closed when the ``async with`` block ends (or by ``aclose()``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Literal

from emulator.remote.d1 import RemoteD1Database
from emulator.remote.kv import RemoteKVNamespace
from emulator.remote.transport import Transport
from emulator.wrangler import find_wrangler_config, load_wrangler_config

__all__ = ["RemoteBinding", "RemoteEnv", "connect"]

RemoteBinding = RemoteKVNamespace | RemoteD1Database
BindingSpec = tuple[Literal["kv", "d1"], str]

ACCOUNT_ENV = "CLOUDFLARE_ACCOUNT_ID"
TOKEN_ENV = "CLOUDFLARE_API_TOKEN"
BASE_URL_ENV = "CLOUDFLARE_BASE_URL"


class RemoteEnv:
    """Remote bindings by name: ``env.SESSIONS``, ``env["DB"]``, ``"DB" in env``.

    ``env.kv(name)`` and ``env.d1(name)`` return a binding typed for its kind and raise
    ``TypeError`` when the name is bound to the other kind (``KeyError`` when unbound).
    """

    __slots__ = ("_bindings", "_transport")
    _bindings: dict[str, RemoteBinding]
    _transport: Transport

    def __init__(self, transport: Transport, bindings: Mapping[str, RemoteBinding]) -> None:
        object.__setattr__(self, "_transport", transport)
        object.__setattr__(self, "_bindings", dict(bindings))

    def __getattr__(self, name: str) -> RemoteBinding:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(self._missing(name)) from None

    def __getitem__(self, name: str) -> RemoteBinding:
        try:
            return self._bindings[name]
        except KeyError:
            raise KeyError(self._missing(name)) from None

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("remote bindings come from connect(); they cannot be set")

    def __contains__(self, name: object) -> bool:
        return name in self._bindings

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._bindings))

    def __dir__(self) -> list[str]:
        return [*sorted(self._bindings), *super().__dir__()]

    def get(self, name: str) -> RemoteBinding | None:
        """Return the binding called ``name``, or ``None``."""
        return self._bindings.get(name)

    def kv(self, name: str) -> RemoteKVNamespace:
        """Return the KV binding ``name``; ``TypeError`` if it is a D1 binding."""
        binding = self[name]
        if not isinstance(binding, RemoteKVNamespace):
            raise TypeError(f"binding {name!r} is a D1 binding, not KV")
        return binding

    def d1(self, name: str) -> RemoteD1Database:
        """Return the D1 binding ``name``; ``TypeError`` if it is a KV binding."""
        binding = self[name]
        if not isinstance(binding, RemoteD1Database):
            raise TypeError(f"binding {name!r} is a KV binding, not D1")
        return binding

    def _missing(self, name: str) -> str:
        known = ", ".join(sorted(self._bindings)) or "none"
        return f"no binding named {name!r} (bindings: {known})"

    async def aclose(self) -> None:
        """Close the pooled HTTP client shared by every binding."""
        await self._transport.aclose()

    async def __aenter__(self) -> RemoteEnv:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"RemoteEnv({', '.join(sorted(self._bindings))}; {self._transport.base_url})"


def _config_bindings(config: str | os.PathLike[str], env: str | None) -> dict[str, BindingSpec]:
    loaded = load_wrangler_config(config, env=env)
    found: dict[str, BindingSpec] = {kv.binding: ("kv", kv.id) for kv in loaded.kv_namespaces}
    found.update({db.binding: ("d1", db.database_id) for db in loaded.d1_databases})
    return found


def _required(value: str | None, variable: str, what: str) -> str:
    value = value if value is not None else os.environ.get(variable)
    if not value:
        raise ValueError(f"no {what}: pass it to connect() or set {variable}")
    return value


def connect(
    config: str | os.PathLike[str] | None = None,
    *,
    account_id: str | None = None,
    api_token: str | None = None,
    base_url: str | None = None,
    env: str | None = None,
    bindings: Mapping[str, BindingSpec] | None = None,
) -> RemoteEnv:
    """Return an env of remote bindings; use it as ``async with connect(...) as env``.

    ``config``: a wrangler.toml / wrangler.json / wrangler.jsonc (``env`` picks an
    ``[env.NAME]`` section); without ``config`` or ``bindings``, the config wrangler would
    find in the working directory. ``bindings={"NAME": ("kv" | "d1", id)}`` adds to (or
    replaces) the config's. Raises ``ValueError`` for missing credentials or a bad
    binding, ``emulator.wrangler.WranglerConfigError`` for a bad config.
    """
    specs: dict[str, BindingSpec] = {}
    if config is None and bindings is None:
        config = find_wrangler_config()
        if config is None:
            raise ValueError("no wrangler config here: pass config= or bindings=")
    if config is not None:
        specs.update(_config_bindings(Path(config), env))
    for name, spec in (bindings or {}).items():
        if not isinstance(spec, tuple) or len(spec) != 2 or spec[0] not in ("kv", "d1"):
            raise ValueError(f"binding {name!r} must be ('kv' | 'd1', id), not {spec!r}")
        specs[name] = spec
    account = _required(account_id, ACCOUNT_ENV, "account id")
    token = _required(api_token, TOKEN_ENV, "API token")
    transport = Transport(api_token=token, base_url=base_url or os.environ.get(BASE_URL_ENV))
    made: dict[str, RemoteBinding] = {}
    for name, (kind, binding_id) in specs.items():
        cls = RemoteKVNamespace if kind == "kv" else RemoteD1Database
        made[name] = cls(
            binding_id, account_id=account, api_token=token, transport=transport, name=name
        )
    return RemoteEnv(transport, made)
