"""The pytest plugin, loaded through the ``pytest11`` entry point ``cf_kv_d1_emulator``.

``-p no:cf_kv_d1_emulator`` disables it. It registers the options (each a flag and an ini
key), the markers and the ``cf_*`` fixtures, reports the active session backends in the
header, and checks markers and fixture use while tests are collected, so misuse fails the
run early with what to fix.

Importing this module is light: no emulator, SQLite, aiohttp server, freezegun or respx
until a hook or fixture needs them.
"""

from __future__ import annotations

from typing import NoReturn

import pytest

from pytest_plugin.fixtures import (
    cf_api,
    cf_client,
    cf_cookie_jar_factory,
    cf_cookies,
    cf_d1,
    cf_emulator,
    cf_env,
    cf_kv,
    cf_seed,
    cf_session_backend,
    cf_session_config,
    cf_time,
)
from pytest_plugin.markers import (
    CF_SESSION_BACKEND_MARKER,
    CF_TIME_MARKER,
    MARKER_HELP,
    backends_from_marker,
    instant_from_marker,
)
from pytest_plugin.options import (
    PLUGIN_NAME,
    SETTINGS_KEY,
    Backend,
    Settings,
    add_options,
    resolve_settings,
)
from pytest_plugin.remote import cf_remote_env, cf_remote_resources

__all__ = [
    "cf_api",
    "cf_client",
    "cf_cookie_jar_factory",
    "cf_cookies",
    "cf_d1",
    "cf_emulator",
    "cf_env",
    "cf_kv",
    "cf_remote_env",
    "cf_remote_resources",
    "cf_seed",
    "cf_session_backend",
    "cf_session_config",
    "cf_time",
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_generate_tests",
    "pytest_report_header",
]

# Fixtures that run in an event loop: they need pytest-asyncio.
_ASYNC_FIXTURES = ("cf_client", "cf_cookies", "cf_session_config")


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKER_HELP:
        config.addinivalue_line("markers", line)
    if config.getoption("help", False):
        # `pytest --help` must work even with a broken config: it is how one finds the fix.
        config.stash[SETTINGS_KEY] = Settings()
        return
    settings = resolve_settings(config)
    if settings.target == "remote":
        from pytest_plugin.remote import check_credentials

        check_credentials()
    if settings.wrangler is not None:
        from pytest_plugin.environment import check_environment

        check_environment(settings)
    config.stash[SETTINGS_KEY] = settings


def pytest_report_header(config: pytest.Config) -> list[str]:
    return config.stash[SETTINGS_KEY].header()


def _fail(message: str) -> NoReturn:
    # A collection error for the test's module, showing only the message: the run stops
    # before any test starts.
    pytest.fail(message, pytrace=False)


def _parametrized_by_user(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(argnames, str):
            argnames = [part.strip() for part in argnames.split(",")]
        if name in argnames:
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    settings = metafunc.config.stash[SETTINGS_KEY]
    definition = metafunc.definition
    nodeid = definition.nodeid
    names = metafunc.fixturenames

    time_marker = definition.get_closest_marker(CF_TIME_MARKER)
    if time_marker is not None:
        try:
            instant_from_marker(time_marker, nodeid)
        except ValueError as exc:
            _fail(str(exc))
    if (time_marker is not None or "cf_time" in names) and (
        definition.get_closest_marker("time_machine") is not None
    ):
        _fail(
            f"{nodeid}: uses cf_time and @pytest.mark.time_machine: cf_time is built on "
            "freezegun, which cannot run while time-machine travels; drop one of them"
        )

    if "cf_kv" in names and settings.kv_binding is None:
        _fail(f"{nodeid}: cf_kv needs a KV binding, but {_source(settings)} declares none")
    if "cf_d1" in names and settings.d1_binding is None:
        _fail(f"{nodeid}: cf_d1 needs a D1 binding, but {_source(settings)} declares none")

    if "cf_session_backend" in names:
        if not _parametrized_by_user(metafunc, "cf_session_backend"):
            _parametrize_backends(metafunc, settings, nodeid)
    elif any(mark.name == CF_SESSION_BACKEND_MARKER for mark in definition.own_markers):
        # On the test itself (not a module or class), the marker can only be a mistake.
        _fail(
            f"{nodeid}: @pytest.mark.{CF_SESSION_BACKEND_MARKER} has no effect: the test "
            "uses none of cf_session_backend, cf_session_config or cf_client"
        )


def _source(settings: Settings) -> str:
    return "the default environment" if settings.wrangler is None else str(settings.wrangler.path)


def _parametrize_backends(metafunc: pytest.Metafunc, settings: Settings, nodeid: str) -> None:
    marker = metafunc.definition.get_closest_marker(CF_SESSION_BACKEND_MARKER)
    wanted: tuple[Backend, ...] = settings.backends
    if marker is not None:
        try:
            wanted = backends_from_marker(marker, nodeid)
        except ValueError as exc:
            _fail(str(exc))
    allowed = [backend for backend in wanted if backend in settings.backends]
    for backend in allowed:
        binding = settings.kv_binding if backend == "kv" else settings.d1_binding
        if binding is None:
            _fail(
                f"{nodeid}: the {backend!r} session backend needs a {backend.upper()} "
                f"binding, but {_source(settings)} declares none: add one, or narrow the "
                f"backends (--cf-session-backend or @pytest.mark.{CF_SESSION_BACKEND_MARKER})"
            )
    if allowed:
        metafunc.parametrize("cf_session_backend", allowed, indirect=True, ids=allowed)
        return
    # The marker asks only for backends the run excludes: show the test as skipped, with
    # why, rather than dropping it silently.
    reason = (
        f"needs session backend {', '.join(wanted)}; this run allows only "
        f"{', '.join(settings.backends)} ({settings.backends_origin})"
    )
    metafunc.parametrize(
        "cf_session_backend",
        [pytest.param(wanted[0], marks=pytest.mark.skip(reason=reason))],
        indirect=True,
        ids=[wanted[0]],
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.stash[SETTINGS_KEY].target == "remote":
        from pytest_plugin.remote import skip_in_process_tests

        skip_in_process_tests(items)
    needs_asyncio = False
    for item in items:
        fixturenames: list[str] = getattr(item, "fixturenames", [])
        if item.get_closest_marker(CF_TIME_MARKER) is not None and "cf_time" not in fixturenames:
            # The marker alone requests the fixture, first, so time is frozen before any
            # other fixture reads the clock (time-machine's marker does the same).
            fixturenames.insert(0, "cf_time")
        needs_asyncio = needs_asyncio or any(name in fixturenames for name in _ASYNC_FIXTURES)
    if needs_asyncio and not config.pluginmanager.has_plugin("asyncio"):
        raise pytest.UsageError(
            f"{PLUGIN_NAME}: cf_client, cf_cookies and cf_session_config are async "
            "fixtures and need pytest-asyncio: pip install pytest-asyncio (and do not "
            "disable it with -p no:asyncio)"
        )
