"""Command-line flags and ini keys of the plugin, resolved once into ``Settings``.

Every option is both a flag and an ini key (the flag wins). Everything is checked at
configure time, so a typo fails the run before collection with a message that says what to
fix, instead of failing every test deep inside a fixture.

This module stays light: the wrangler config is parsed by ``emulator.wrangler``, imported
only when a config is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import pytest

if TYPE_CHECKING:
    from emulator.wrangler import WranglerConfig

__all__ = [
    "BACKENDS",
    "DEFAULT_D1_BINDING",
    "DEFAULT_KV_BINDING",
    "DEFAULT_SESSION_TABLE",
    "PLUGIN_NAME",
    "SETTINGS_KEY",
    "TARGETS",
    "Backend",
    "Settings",
    "Target",
    "add_options",
    "parse_backends",
    "resolve_settings",
]

Backend = Literal["kv", "d1"]
Target = Literal["emulator", "remote"]
TARGETS: tuple[Target, ...] = ("emulator", "remote")

#: The entry-point name: ``-p no:cf_kv_d1_emulator`` disables the plugin.
PLUGIN_NAME = "cf_kv_d1_emulator"
#: Every session backend, in the order tests are parametrised.
BACKENDS: tuple[Backend, ...] = ("kv", "d1")
DEFAULT_KV_BINDING = "SESSIONS"
DEFAULT_D1_BINDING = "DB"
DEFAULT_SESSION_TABLE = "sessions"


@dataclass(frozen=True)
class _Option:
    flag: str
    ini: str
    help: str
    metavar: str


_OPTIONS = (
    _Option(
        "--cf-session-backend",
        "cf_session_backend",
        "session backends that tests using cf_session_backend run on: "
        "'kv', 'd1' or 'kv,d1' (default: both)",
        "BACKENDS",
    ),
    _Option(
        "--cf-wrangler-config",
        "cf_wrangler_config",
        "wrangler.toml or wrangler.jsonc whose kv_namespaces and d1_databases (with their "
        "migrations) make up cf_env (default: KV SESSIONS and D1 DB)",
        "PATH",
    ),
    _Option(
        "--cf-wrangler-env",
        "cf_wrangler_env",
        "the [env.<name>] section of the wrangler config to read bindings from "
        "(default: the top level)",
        "NAME",
    ),
    _Option(
        "--cf-kv-binding",
        "cf_kv_binding",
        "KV binding behind cf_kv and the KV session backend (default: SESSIONS, or the "
        "first KV namespace of the wrangler config)",
        "NAME",
    ),
    _Option(
        "--cf-d1-binding",
        "cf_d1_binding",
        "D1 binding behind cf_d1 and the D1 session backend (default: DB, or the first D1 "
        "database of the wrangler config)",
        "NAME",
    ),
    _Option(
        "--cf-target",
        "cf_target",
        "where cf_env's bindings live: 'emulator' (in-process, the default) or 'remote' "
        "(emulator.remote: Cloudflare with CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN, "
        "or the server of --cf-remote-base-url); tests needing cf_time skip on 'remote'",
        "TARGET",
    ),
    _Option(
        "--cf-remote-base-url",
        "cf_remote_base_url",
        "with --cf-target=remote, the REST API to use instead of Cloudflare's, such as "
        "http://127.0.0.1:8787/client/v4 for python -m emulator serve",
        "URL",
    ),
    _Option(
        "--cf-session-table",
        "cf_session_table",
        "D1 table of the D1 session backend, created for each test (default: sessions)",
        "NAME",
    ),
)


def add_options(parser: pytest.Parser) -> None:
    """Register every option as a command-line flag and as an ini key."""
    group = parser.getgroup(PLUGIN_NAME, "Cloudflare KV/D1 emulator (cf_* fixtures)")
    for option in _OPTIONS:
        group.addoption(
            option.flag,
            dest=option.ini,
            default=None,
            metavar=option.metavar,
            help=f"{option.help}. Ini key: {option.ini}.",
        )
        parser.addini(option.ini, help=option.help, type="string", default="")


@dataclass(frozen=True)
class Settings:
    """The plugin's configuration for one pytest run (kept in ``config.stash``)."""

    backends: tuple[Backend, ...] = BACKENDS
    #: Where ``backends`` came from, for the report header.
    backends_origin: str = "default"
    #: The bindings behind ``cf_kv`` / ``cf_d1`` and the session backends (``None``: the
    #: wrangler config declares none of that kind).
    kv_binding: str | None = DEFAULT_KV_BINDING
    d1_binding: str | None = DEFAULT_D1_BINDING
    session_table: str = DEFAULT_SESSION_TABLE
    #: The parsed wrangler config whose bindings make up ``cf_env``, if one is named.
    wrangler: WranglerConfig | None = None
    #: ``(D1 binding, migrations folder, tracking table or None)`` applied to every fresh
    #: database.
    migrations: tuple[tuple[str, Path, str | None], ...] = ()
    #: Where the bindings live (``--cf-target``), and the REST API of the remote target.
    target: Target = "emulator"
    remote_base_url: str | None = None

    @property
    def kv_names(self) -> tuple[str, ...]:
        """Every KV binding of ``cf_env``."""
        if self.wrangler is None:
            return () if self.kv_binding is None else (self.kv_binding,)
        return tuple(kv.binding for kv in self.wrangler.kv_namespaces)

    @property
    def d1_names(self) -> tuple[str, ...]:
        """Every D1 binding of ``cf_env``."""
        if self.wrangler is None:
            return () if self.d1_binding is None else (self.d1_binding,)
        return tuple(db.binding for db in self.wrangler.d1_databases)

    def header(self) -> list[str]:
        """Lines for ``pytest_report_header``."""
        source = "default bindings" if self.wrangler is None else str(self.wrangler.path)
        if self.wrangler is not None and self.wrangler.env is not None:
            source += f" [env.{self.wrangler.env}]"
        kv = ", ".join(self.kv_names) or "none"
        d1 = ", ".join(self.d1_names) or "none"
        migrations = "".join(
            f"; migrations {folder} -> {name}" for name, folder, _ in self.migrations
        )
        target = []
        if self.target == "remote":
            where = self.remote_base_url or "Cloudflare's REST API"
            target = [f"{PLUGIN_NAME}: target: remote ({where}); cf_time tests skip"]
        return [
            *target,
            f"{PLUGIN_NAME}: session backends: {', '.join(self.backends)} ({self.backends_origin})",
            f"{PLUGIN_NAME}: cf_env from {source}: KV {kv}; D1 {d1}; "
            f"cf_kv={self.kv_binding or '-'}, cf_d1={self.d1_binding or '-'}, "
            f"session table {self.session_table}{migrations}",
        ]


#: Where ``pytest_configure`` keeps the resolved ``Settings``.
SETTINGS_KEY = pytest.StashKey[Settings]()


def parse_backends(value: str | Sequence[object], *, where: str) -> tuple[Backend, ...]:
    """Parse ``"kv"``, ``"d1"``, ``"kv,d1"`` (or a sequence of names) into backends.

    Raises ``ValueError`` naming ``where`` and the accepted names for anything else.
    """
    raw: list[object] = (
        [part.strip() for part in value.split(",")] if isinstance(value, str) else list(value)
    )
    names = [item for item in raw if item != ""]
    if not names:
        raise ValueError(f"{where}: name at least one session backend: 'kv' or 'd1'")
    unknown = [item for item in names if item not in BACKENDS]
    if unknown:
        shown = ", ".join(repr(item) for item in unknown)
        raise ValueError(
            f"{where}: unknown session backend {shown}; use 'kv', 'd1' or both ('kv,d1')"
        )
    # Keep the canonical order so test ids stay stable whatever order was written.
    return tuple(backend for backend in BACKENDS if backend in names)


def _lookup(config: pytest.Config, ini: str) -> tuple[str | None, str]:
    flag_value = cast("str | None", config.getoption(ini))
    if flag_value is not None:
        return flag_value, "--" + ini.replace("_", "-")
    ini_value = cast(str, config.getini(ini)).strip()
    if ini_value:
        return ini_value, f"ini option {ini}"
    return None, "default"


def _check_names(*names: tuple[str | None, str, Literal["table", "binding"]]) -> None:
    # The session port's own checks, so an option is refused exactly when the
    # SessionConfig built from it would be; imported only when a name is set.
    from emulator.session.config import validate_binding_name, validate_table_name
    from emulator.session.errors import CfArgumentError

    for value, origin, kind in names:
        if value is None:
            continue
        try:
            (validate_table_name if kind == "table" else validate_binding_name)(value)
        except CfArgumentError as exc:
            raise pytest.UsageError(f"{origin}: {exc}") from None


def _base_dir(config: pytest.Config, origin: str) -> Path:
    # A path from the command line is relative to where pytest was started; one from
    # the ini file is relative to that file, wherever pytest is started from.
    if origin.startswith("--") or config.inipath is None:
        return Path(config.invocation_params.dir)
    return config.inipath.parent


def resolve_settings(config: pytest.Config) -> Settings:
    """Read every option of ``config`` into ``Settings``.

    Raises ``pytest.UsageError`` with what to fix for an unknown backend, a bad binding or
    table name, or a missing or malformed wrangler config.
    """
    backends_value, backends_origin = _lookup(config, "cf_session_backend")
    try:
        backends = (
            BACKENDS
            if backends_value is None
            else parse_backends(backends_value, where=backends_origin)
        )
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None

    target_value, target_origin = _lookup(config, "cf_target")
    if target_value is not None and target_value not in TARGETS:
        raise pytest.UsageError(
            f"{target_origin}: unknown target {target_value!r}; use 'emulator' or 'remote'"
        )
    target: Target = "remote" if target_value == "remote" else "emulator"
    base_url, base_url_origin = _lookup(config, "cf_remote_base_url")
    if base_url is not None and target != "remote":
        raise pytest.UsageError(
            f"{base_url_origin} names a remote API, but the target is 'emulator': "
            "add --cf-target=remote (ini cf_target = remote)"
        )

    table_value, table_origin = _lookup(config, "cf_session_table")
    kv_value, kv_origin = _lookup(config, "cf_kv_binding")
    d1_value, d1_origin = _lookup(config, "cf_d1_binding")
    if table_value is not None or kv_value is not None or d1_value is not None:
        _check_names(
            (table_value, table_origin, "table"),
            (kv_value, kv_origin, "binding"),
            (d1_value, d1_origin, "binding"),
        )
    table = table_value or DEFAULT_SESSION_TABLE

    wrangler_value, wrangler_origin = _lookup(config, "cf_wrangler_config")
    env_value, env_origin = _lookup(config, "cf_wrangler_env")
    if wrangler_value is None:
        if env_value is not None:
            raise pytest.UsageError(
                f"{env_origin} selects a wrangler environment, but no wrangler config is "
                "named: set --cf-wrangler-config (ini cf_wrangler_config) too"
            )
        kv_name = kv_value or DEFAULT_KV_BINDING
        d1_name = d1_value or DEFAULT_D1_BINDING
        if kv_name == d1_name:
            raise pytest.UsageError(
                f"cf_kv_binding and cf_d1_binding are both {kv_name!r}: "
                "a KV namespace and a D1 database need different binding names"
            )
        return Settings(
            backends=backends,
            backends_origin=backends_origin,
            kv_binding=kv_name,
            d1_binding=d1_name,
            session_table=table,
            target=target,
            remote_base_url=base_url,
        )

    # Imported here: the plugin module stays light, and only runs that name a wrangler
    # config pay for the emulator package.
    from emulator.wrangler import WranglerConfigError, load_wrangler_config

    path = (_base_dir(config, wrangler_origin) / wrangler_value).resolve()
    if not path.is_file():
        raise pytest.UsageError(
            f"{wrangler_origin}: no wrangler config at {path}: point it at your "
            "wrangler.toml, wrangler.json or wrangler.jsonc"
        )
    try:
        wrangler = load_wrangler_config(path, env=env_value)
    except WranglerConfigError as exc:
        raise pytest.UsageError(f"{wrangler_origin}: {exc}") from None
    kv_declared = [kv.binding for kv in wrangler.kv_namespaces]
    d1_declared = [db.binding for db in wrangler.d1_databases]
    return Settings(
        backends=backends,
        backends_origin=backends_origin,
        kv_binding=_pick(kv_value, kv_origin, kv_declared, "KV", path),
        d1_binding=_pick(d1_value, d1_origin, d1_declared, "D1", path),
        session_table=table,
        wrangler=wrangler,
        migrations=_migrations(wrangler, path),
        target=target,
        remote_base_url=base_url,
    )


def _migrations(wrangler: WranglerConfig, path: Path) -> tuple[tuple[str, Path, str | None], ...]:
    from emulator.wrangler import DEFAULT_MIGRATIONS_DIR

    found = []
    for db in wrangler.d1_databases:
        folder = db.migrations_dir
        if folder.is_dir():
            found.append((db.binding, folder, db.migrations_table))
        elif folder.exists() or folder != path.parent / DEFAULT_MIGRATIONS_DIR:
            # wrangler's default folder may be absent (no migrations yet); a folder the
            # config names explicitly must exist.
            raise pytest.UsageError(
                f"{path.name}: migrations_dir of D1 binding {db.binding!r} is {folder}, "
                "which is not a folder: create it or fix migrations_dir"
            )
    return tuple(found)


def _pick(
    chosen: str | None, origin: str, declared: list[str], kind: str, path: Path
) -> str | None:
    default = DEFAULT_KV_BINDING if kind == "KV" else DEFAULT_D1_BINDING
    if chosen is None:
        if default in declared:
            return default
        return declared[0] if declared else None
    if chosen not in declared:
        names = ", ".join(declared) or "none"
        raise pytest.UsageError(
            f"{origin}: {path.name} declares no {kind} binding {chosen!r} "
            f"(its {kind} bindings: {names}); name one of them or add it to {path.name}"
        )
    return chosen
