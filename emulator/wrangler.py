"""Read the KV and D1 bindings of a wrangler config (``wrangler.toml``, ``.json``, ``.jsonc``).

Only what the emulator needs is read: ``kv_namespaces`` (``binding``, ``id``,
``preview_id``) and ``d1_databases`` (``binding``, ``database_id``, ``database_name``,
``preview_database_id``, ``migrations_dir``), at the top level or in an ``[env.<name>]``
section. As in wrangler, bindings are not inherited by environments: an environment
without ``kv_namespaces`` has none.

The ids used locally are wrangler's local ids: ``id`` for a KV namespace and
``preview_database_id``, else ``database_id``, for a D1 database; when a config leaves the
id out (allowed for local development), the binding name is the id, as ``wrangler dev``
does. So a namespace id in ``wrangler.toml`` is the id in the REST API's paths and in
wrangler's ``.wrangler/state/v3`` file names.

Every problem raises ``WranglerConfigError`` (a ``ValueError``) naming the file and the
entry to fix.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.core import Emulator

__all__ = [
    "CONFIG_FILE_NAMES",
    "D1DatabaseConfig",
    "KVNamespaceConfig",
    "WranglerConfig",
    "WranglerConfigError",
    "find_wrangler_config",
    "load_wrangler_config",
    "parse_jsonc",
]

# wrangler looks for these, in this order, in the working directory.
CONFIG_FILE_NAMES = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")
DEFAULT_MIGRATIONS_DIR = "migrations"


class WranglerConfigError(ValueError):
    """A wrangler config is missing, unreadable or has a malformed KV/D1 binding."""


@dataclass(frozen=True)
class KVNamespaceConfig:
    """One ``[[kv_namespaces]]`` entry."""

    binding: str
    id: str
    preview_id: str | None = None

    @property
    def local_id(self) -> str:
        """The id wrangler uses for this namespace in local development."""
        return self.id


@dataclass(frozen=True)
class D1DatabaseConfig:
    """One ``[[d1_databases]]`` entry; ``migrations_dir`` is resolved against the config."""

    binding: str
    database_id: str
    database_name: str
    migrations_dir: Path
    preview_database_id: str | None = None
    #: wrangler's ``migrations_table``; ``None`` means its default, ``d1_migrations``.
    migrations_table: str | None = None

    @property
    def local_id(self) -> str:
        """The id wrangler uses for this database locally (the preview id wins)."""
        return self.preview_database_id or self.database_id


@dataclass(frozen=True)
class WranglerConfig:
    """The KV and D1 bindings of one wrangler config file (for one environment)."""

    path: Path
    name: str | None
    env: str | None
    kv_namespaces: tuple[KVNamespaceConfig, ...]
    d1_databases: tuple[D1DatabaseConfig, ...]

    def apply(self, emulator: Emulator) -> None:
        """Bind every namespace and database of this config on ``emulator``, by local id.

        KV namespaces are titled after their binding and D1 databases after their
        ``database_name``. Afterwards the emulator refuses to create bindings the config does
        not declare (``Emulator.declare_bindings``). Raises ``WranglerConfigError`` if an id
        or binding name cannot be used by the emulator.
        """
        try:
            for kv in self.kv_namespaces:
                emulator.bind("kv", kv.binding, kv.local_id, title=kv.binding)
            for db in self.d1_databases:
                emulator.bind("d1", db.binding, db.local_id, title=db.database_name)
        except ValueError as exc:
            raise WranglerConfigError(f"{self.path}: {exc}") from exc
        # As wrangler, know only the declared bindings: a typo must not create a new one.
        declared = [kv.binding for kv in self.kv_namespaces]
        declared += [db.binding for db in self.d1_databases]
        emulator.declare_bindings(declared, source=self.path.name)


def find_wrangler_config(folder: str | os.PathLike[str] = ".") -> Path | None:
    """Return the wrangler config wrangler itself would pick in ``folder``, or ``None``."""
    for name in CONFIG_FILE_NAMES:
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    return None


def load_wrangler_config(path: str | os.PathLike[str], *, env: str | None = None) -> WranglerConfig:
    """Parse the KV and D1 bindings of ``path`` (TOML, JSON or JSONC, by extension).

    ``env`` selects an ``[env.<name>]`` section. Raises ``WranglerConfigError``.
    """
    config_path = Path(path)
    try:
        text = config_path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WranglerConfigError(f"cannot read wrangler config {config_path}: {exc}") from exc
    try:
        if config_path.suffix == ".toml":
            data: Any = tomllib.loads(text)
        else:
            data = parse_jsonc(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError and json errors are ValueErrors
        raise WranglerConfigError(f"{config_path} is not valid: {exc}") from exc
    if not isinstance(data, dict):
        raise WranglerConfigError(f"{config_path}: the top level must be a table/object")
    section: dict[str, Any] = data
    if env is not None:
        envs = data.get("env")
        if not isinstance(envs, dict) or not isinstance(envs.get(env), dict):
            known = ", ".join(sorted(envs)) if isinstance(envs, dict) else "none"
            raise WranglerConfigError(
                f"{config_path}: no environment {env!r} (environments: {known})"
            )
        section = envs[env]
    where = config_path if env is None else f"{config_path} [env.{env}]"
    name = data.get("name")
    return WranglerConfig(
        path=config_path,
        name=name if isinstance(name, str) else None,
        env=env,
        kv_namespaces=tuple(
            _kv_entry(entry, f"{where}: kv_namespaces[{index}]")
            for index, entry in enumerate(_entries(section, "kv_namespaces", where))
        ),
        d1_databases=tuple(
            _d1_entry(entry, f"{where}: d1_databases[{index}]", config_path.parent)
            for index, entry in enumerate(_entries(section, "d1_databases", where))
        ),
    )


def _entries(section: dict[str, Any], key: str, where: object) -> list[dict[str, Any]]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise WranglerConfigError(f"{where}: {key} must be an array of tables/objects")
    return value


def _string(entry: dict[str, Any], key: str, where: str, *, required: bool) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise WranglerConfigError(f"{where} needs a non-empty string {key!r}")
    return value


def _kv_entry(entry: dict[str, Any], where: str) -> KVNamespaceConfig:
    binding = _string(entry, "binding", where, required=True)
    assert binding is not None
    namespace_id = _string(entry, "id", where, required=False) or binding
    preview_id = _string(entry, "preview_id", where, required=False)
    return KVNamespaceConfig(binding, namespace_id, preview_id)


def _d1_entry(entry: dict[str, Any], where: str, base: Path) -> D1DatabaseConfig:
    binding = _string(entry, "binding", where, required=True)
    assert binding is not None
    database_id = _string(entry, "database_id", where, required=False) or binding
    database_name = _string(entry, "database_name", where, required=False) or binding
    preview_id = _string(entry, "preview_database_id", where, required=False)
    migrations = _string(entry, "migrations_dir", where, required=False)
    return D1DatabaseConfig(
        binding=binding,
        database_id=database_id,
        database_name=database_name,
        migrations_dir=base / (migrations or DEFAULT_MIGRATIONS_DIR),
        preview_database_id=preview_id,
        migrations_table=_string(entry, "migrations_table", where, required=False),
    )


def parse_jsonc(text: str) -> Any:
    """Parse JSON with comments (``//``, ``/* */``) and trailing commas, as wrangler does.

    Raises ``ValueError`` (a ``json.JSONDecodeError``, with line and column) when the text
    is not valid once comments and trailing commas are removed.
    """
    return json.loads(_strip_jsonc(text))


def _strip_jsonc(text: str) -> str:
    # Comments become spaces (newlines kept), so json's line/column in errors still point
    # at the original text.
    out: list[str] = []
    last = ""  # the last significant character kept, to tell trailing commas apart
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            end = i + 1
            while end < n and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            out.append(text[i : end + 1])
            last = '"'
            i = end + 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end == -1 else end
            out.append(" " * (end - i))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end == -1:
                raise json.JSONDecodeError("unterminated /* comment", text, i)
            out.append("".join(c if c == "\n" else " " for c in text[i : end + 2]))
            i = end + 2
        elif ch == ",":
            # Only a comma after a value, before "]" or "}", is a trailing one: "{,}" and
            # "[1,,]" stay errors.
            close = _next_significant(text, i + 1)
            trailing = close in ("]", "}") and last not in ("{", "[", ",", "")
            out.append(" " if trailing else ",")
            last = last if trailing else ","
            i += 1
        else:
            out.append(ch)
            if not ch.isspace():
                last = ch
            i += 1
    return "".join(out)


def _next_significant(text: str, j: int) -> str:
    """The next character at or after ``j`` that is not space or comment ("" at the end)."""
    n = len(text)
    while j < n:
        if text[j].isspace():
            j += 1
        elif text.startswith("//", j):
            nl = text.find("\n", j)
            j = n if nl == -1 else nl
        elif text.startswith("/*", j):
            close = text.find("*/", j + 2)
            j = n if close == -1 else close + 2
        else:
            return text[j]
    return ""
