"""pytest plugin for the Cloudflare KV/D1 emulator: time travel, cookie jars, backends.

Installed with the package and loaded through the ``pytest11`` entry point
``cf_kv_d1_emulator`` (``-p no:cf_kv_d1_emulator`` disables it). The fixtures are
``cf_emulator``, ``cf_env``, ``cf_kv``, ``cf_d1``, ``cf_seed``, ``cf_time``, ``cf_cookies``,
``cf_cookie_jar_factory``, ``cf_session_backend``, ``cf_session_config``, ``cf_client``
and ``cf_api``; see ``pytest_plugin.plugin``.

Every fixture's type is exported here for annotations in tests
(``def test_x(cf_env: Env, cf_time: TimeTravel)``), the emulator's and respx's included:

=========================  ==========================================================
fixture                    type
=========================  ==========================================================
``cf_emulator``            ``Emulator``
``cf_env``                 ``Env`` (``cf_env.kv(name)``, ``cf_env.d1(name)`` are typed)
``cf_kv`` / ``cf_d1``      ``KVNamespace`` / ``D1Database``
``cf_seed``                ``Seed`` (override it to seed KV and D1 once)
``cf_time``                ``TimeTravel``
``cf_cookies``             ``EmulatorCookieJar``
``cf_cookie_jar_factory``  ``type[EmulatorCookieJar]``
``cf_session_backend``     ``Backend``
``cf_session_config``      ``SessionConfig``
``cf_client``              ``ClientFactory``
``cf_api``                 ``MockRouter`` (respx)
=========================  ==========================================================

They are imported on first access, so that loading the plugin does not import the
emulator, aiohttp, freezegun or respx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from respx import MockRouter

    from emulator import D1Database, Emulator, Env, KVNamespace
    from emulator.session import SessionConfig
    from pytest_plugin.client import ClientFactory, HandlerFunction
    from pytest_plugin.cookies import AmbiguousCookieError, EmulatorCookieJar, StoredCookie
    from pytest_plugin.options import Backend
    from pytest_plugin.seeding import Seed
    from pytest_plugin.time_travel import TimeTravel, TimeTravelConflictError

__all__ = [
    "AmbiguousCookieError",
    "Backend",
    "ClientFactory",
    "D1Database",
    "Emulator",
    "EmulatorCookieJar",
    "Env",
    "HandlerFunction",
    "KVNamespace",
    "MockRouter",
    "Seed",
    "SessionConfig",
    "StoredCookie",
    "TimeTravel",
    "TimeTravelConflictError",
]

_MODULES = {
    "AmbiguousCookieError": "pytest_plugin.cookies",
    "Backend": "pytest_plugin.options",
    "ClientFactory": "pytest_plugin.client",
    "D1Database": "emulator",
    "Emulator": "emulator",
    "EmulatorCookieJar": "pytest_plugin.cookies",
    "Env": "emulator",
    "HandlerFunction": "pytest_plugin.client",
    "KVNamespace": "emulator",
    "MockRouter": "respx",
    "Seed": "pytest_plugin.seeding",
    "SessionConfig": "emulator.session",
    "StoredCookie": "pytest_plugin.cookies",
    "TimeTravel": "pytest_plugin.time_travel",
    "TimeTravelConflictError": "pytest_plugin.time_travel",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
