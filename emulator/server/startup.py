"""Opening a state folder for ``serve`` and the data commands, with one-line refusals.

Every mistake a user can make at start (a folder that is a file, a folder holding both
layouts, a folder another program owns, a missing ``migrations_dir``, a failing migration)
becomes a ``StartupError`` whose text is one line saying what to fix; the command line
prints it and exits with status 2.

The layout guess (``--layout auto``): wrangler's layout for ``.wrangler/state``, a folder
named ``v3`` or one holding ``v3/``; the emulator's own layout for anything else. A folder
holding both the emulator's files (``emulator.json``, ``kv/``, ``d1/``) and ``v3/`` is
refused: guessing would hide one of the two sets of data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emulator.core import Emulator, EmulatorLayout, PersistenceLayout
from emulator.errors import D1Error
from emulator.ownership import FolderInUseError
from emulator.registry import REGISTRY_FILE
from emulator.server.wrangler_layout import (
    D1_OBJECT,
    DEFAULT_WRANGLER_STATE,
    KV_OBJECT,
    WranglerLayout,
    is_wrangler_state,
    wrangler_root,
)
from emulator.wrangler import WranglerConfig, WranglerConfigError

__all__ = [
    "AppliedMigrations",
    "StartupError",
    "apply_config_migrations",
    "choose_layout",
    "describe_state",
    "open_emulator",
]

_EMULATOR_MARKERS = (REGISTRY_FILE, "kv", "d1")


class StartupError(Exception):
    """A mistake found before serving or running a command: one line, exit status 2."""


@dataclass(frozen=True)
class AppliedMigrations:
    """The migrations applied to one D1 binding at start (maybe none)."""

    binding: str
    names: tuple[str, ...]


def choose_layout(persist_to: Path | None, layout: str) -> PersistenceLayout | None:
    """The persistence layout for ``--persist-to`` and ``--layout`` (``None``: in memory).

    ``wrangler`` without a folder uses wrangler's default, ``.wrangler/state``. Raises
    ``StartupError`` for a folder that is a file, or that holds both layouts under
    ``auto``.
    """
    folder = persist_to
    if folder is None and layout == "wrangler":
        folder = Path(DEFAULT_WRANGLER_STATE)
    if folder is None:
        return None
    if folder.exists() and not folder.is_dir():
        raise StartupError(f"--persist-to {folder} is a file: give a folder (it is created)")
    if layout == "wrangler":
        return WranglerLayout(wrangler_root(folder))
    if layout == "emulator":
        return EmulatorLayout(folder)
    own = [name for name in _EMULATOR_MARKERS if (folder / name).exists()]
    if is_wrangler_state(folder):
        if own and folder.name != "v3":
            raise StartupError(
                f"{folder} holds both the emulator's files ({', '.join(own)}) and wrangler's "
                "(v3/): pass --layout emulator or --layout wrangler"
            )
        return WranglerLayout(wrangler_root(folder))
    return EmulatorLayout(folder)


def open_emulator(
    layout: PersistenceLayout | None, *, config: WranglerConfig | None = None
) -> Emulator:
    """Open an ``Emulator`` on ``layout``, its clock an ``OffsetClock``, bound as ``config``
    says. Raises ``StartupError`` when the folder is in use or the config cannot be bound.
    """
    from emulator.server.clock import OffsetClock  # the server's movable wall clock

    try:
        emulator = Emulator(clock=OffsetClock(), layout=layout)
    except (FolderInUseError, ValueError) as exc:
        raise StartupError(str(exc)) from None
    except OSError as exc:
        raise StartupError(f"cannot open {layout.root if layout else 'state'}: {exc}") from None
    if config is not None:
        try:
            config.apply(emulator)
        except WranglerConfigError as exc:
            emulator.close()
            raise StartupError(str(exc)) from None
    return emulator


def apply_config_migrations(emulator: Emulator, config: WranglerConfig) -> list[AppliedMigrations]:
    """Apply each D1 database's ``migrations_dir``; raise ``StartupError`` on any failure.

    A missing folder is refused (as the plugin refuses it) rather than skipped. A failing
    migration is rolled back whole; the ones before it stay applied, as with wrangler.
    """
    applied: list[AppliedMigrations] = []
    for db in config.d1_databases:
        if not db.migrations_dir.is_dir():
            raise StartupError(
                f"--apply-migrations: D1 binding {db.binding}'s migrations_dir "
                f"{db.migrations_dir} does not exist (set migrations_dir in {config.path})"
            )
        try:
            names = emulator.d1(db.binding).apply_migrations(
                db.migrations_dir, table=db.migrations_table
            )
        except (D1Error, ValueError, OSError) as exc:
            failing = next(
                (note for note in getattr(exc, "__notes__", ()) if "migration" in note), None
            )
            where = f" {failing.removeprefix('while applying migration ')}" if failing else ""
            raise StartupError(
                f"--apply-migrations: migration{where} of D1 binding {db.binding} failed "
                f"and was rolled back: {_one_line(str(exc))}"
            ) from None
        applied.append(AppliedMigrations(db.binding, tuple(names)))
    return applied


def describe_state(layout: PersistenceLayout | None, emulator: Emulator) -> str:
    """``/abs/dir (emulator layout): 2 KV namespaces, 1 D1 database`` and the like."""
    if layout is None:
        return "in memory (gone when the server stops)"
    kv, d1 = len(emulator.resources("kv")), len(emulator.resources("d1"))
    found = f"{_count(kv, 'KV namespace')}, {_count(d1, 'D1 database')}"
    if isinstance(layout, WranglerLayout):
        on_disk = (
            _files(layout.root / "kv" / KV_OBJECT),
            _files(layout.root / "d1" / D1_OBJECT),
        )
        files = f"wrangler's files for {_count(on_disk[0], 'KV namespace')}, " + _count(
            on_disk[1], "D1 database"
        )
        return f"{layout.root.resolve()} (wrangler's layout): {found}; {files}"
    return f"{layout.root.resolve()} (emulator layout): {found}"


def _files(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.glob("*.sqlite") if p.name != "metadata.sqlite")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _one_line(text: str) -> str:
    return " ".join(text.split())
