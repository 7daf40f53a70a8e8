"""Build the fresh ``Emulator`` each test gets, from the resolved ``Settings``.

One function builds it, for the ``cf_emulator`` fixture and for the configure-time check
that a wrangler config's bindings and migrations work (so a broken migration fails the run
once, before collection, instead of failing every test).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from pytest_plugin.options import Settings

if TYPE_CHECKING:
    from emulator import Emulator

__all__ = ["build_emulator", "check_environment"]


def build_emulator(settings: Settings, *, migrate: bool = True) -> Emulator:
    """Return a new in-memory ``Emulator`` on the system clock (which ``cf_time`` moves).

    Its bindings are the wrangler config's (by their local ids) or the default KV and D1
    bindings, and every D1 database has its migrations applied (unless ``migrate`` is
    false), as ``wrangler d1 migrations apply --local`` would. Raises what the emulator
    raises.
    """
    from emulator import Emulator

    emulator = Emulator()
    try:
        if settings.wrangler is not None:
            settings.wrangler.apply(emulator)
        else:
            if settings.kv_binding is not None:
                emulator.kv(settings.kv_binding)
            if settings.d1_binding is not None:
                emulator.d1(settings.d1_binding)
        for binding, folder, table in settings.migrations if migrate else ():
            emulator.d1(binding).apply_migrations(folder, table=table)
    except BaseException:
        emulator.close()
        raise
    return emulator


def check_environment(settings: Settings) -> None:
    """Build one emulator from ``settings`` and throw it away.

    Raises ``pytest.UsageError`` naming the wrangler config when a binding id cannot be
    used or a migration fails.
    """
    try:
        build_emulator(settings).close()
    except Exception as exc:
        where = settings.wrangler.path if settings.wrangler is not None else "cf_env"
        # The migration runner notes which file failed ("while applying migration ...").
        notes = "".join(f" ({note})" for note in getattr(exc, "__notes__", ()))
        raise pytest.UsageError(
            f"{where}: cannot build the test environment: {type(exc).__name__}: {exc}{notes}"
        ) from None
