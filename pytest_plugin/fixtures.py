"""The ``cf_*`` fixtures.

Everything heavy (the emulator, aiohttp's server side, freezegun, respx) is imported inside
the fixture that needs it, so loading the plugin costs a pytest run nothing it does not
use. The async fixtures are ``pytest_asyncio`` fixtures, so they work in strict and auto
mode alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, cast

import pytest

from pytest_plugin.markers import CF_TIME_MARKER, instant_from_marker
from pytest_plugin.options import SETTINGS_KEY, Backend, Settings

if TYPE_CHECKING:
    import respx

    from emulator import D1Database, Emulator, Env, KVNamespace
    from emulator.session import SessionConfig
    from pytest_plugin.client import ClientFactory
    from pytest_plugin.cookies import EmulatorCookieJar
    from pytest_plugin.seeding import Seed
    from pytest_plugin.time_travel import TimeTravel

__all__ = [
    "cf_api",
    "cf_client",
    "cf_cookie_jar_factory",
    "cf_cookies",
    "cf_d1",
    "cf_emulator",
    "cf_env",
    "cf_kv",
    "cf_seed",
    "cf_session_backend",
    "cf_session_config",
    "cf_time",
]

try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - pytest-asyncio is a dependency of the test kit
    # pytest_collection_modifyitems reports a missing pytest-asyncio before any of these
    # fixtures could run, with the command that fixes it.
    _async_fixture = pytest.fixture  # type: ignore[assignment]


def _settings(request: pytest.FixtureRequest) -> Settings:
    return request.config.stash[SETTINGS_KEY]


@pytest.fixture(scope="session")
def cf_seed() -> Seed | None:
    """Override to seed KV and D1 once per session (or module, at that scope): return a
    function that writes the seed into the ``Emulator`` it gets (sync or ``async``).

    ``cf_emulator`` then starts every test from a restored copy of that state instead of
    seeding again (see ``pytest_plugin.seeding``). The default, ``None``, seeds nothing.
    """
    return None


@pytest.fixture
def cf_emulator(request: pytest.FixtureRequest, cf_seed: Seed | None) -> Iterator[Emulator]:
    """A fresh, in-memory ``Emulator`` for this test, on the test clock.

    Its bindings are KV ``SESSIONS`` and D1 ``DB``, or those of the wrangler config named
    by ``cf_wrangler_config`` (with every D1 migration applied), holding what ``cf_seed``
    wrote, if it is overridden. It reads time through ``time.time()``, so ``cf_time``
    moves it.
    """
    settings = _settings(request)
    if cf_seed is None:
        from pytest_plugin.environment import build_emulator

        emulator = build_emulator(settings)
    else:
        from pytest_plugin.seeding import seeded_emulator

        emulator = seeded_emulator(request.config, settings, cf_seed)
    yield emulator
    emulator.close()


def _target(request: pytest.FixtureRequest) -> Any:
    """What holds the bindings: ``cf_emulator``, or on ``--cf-target=remote`` the remote env
    (both have ``kv(name)`` and ``d1(name)``)."""
    if _settings(request).target == "remote":
        return request.getfixturevalue("cf_remote_env")
    return request.getfixturevalue("cf_emulator")


@pytest.fixture
def cf_env(request: pytest.FixtureRequest) -> Env:
    """The bindings of ``cf_emulator``: ``cf_env.SESSIONS``, ``cf_env.DB``...

    On ``--cf-target=remote``, an ``emulator.remote.RemoteEnv`` with the same surface.
    """
    target = _target(request)
    return cast("Env", target if _settings(request).target == "remote" else target.env)


@pytest.fixture
def cf_kv(request: pytest.FixtureRequest) -> KVNamespace:
    """The KV namespace named by ``cf_kv_binding`` (default ``SESSIONS``).

    On ``--cf-target=remote``, an ``emulator.remote.RemoteKVNamespace``.
    """
    name = _settings(request).kv_binding
    assert name is not None, "checked at collection (pytest_plugin.plugin)"
    return cast("KVNamespace", _target(request).kv(name))


@pytest.fixture
def cf_d1(request: pytest.FixtureRequest) -> D1Database:
    """The D1 database named by ``cf_d1_binding`` (default ``DB``).

    On ``--cf-target=remote``, an ``emulator.remote.RemoteD1Database``.
    """
    name = _settings(request).d1_binding
    assert name is not None, "checked at collection (pytest_plugin.plugin)"
    return cast("D1Database", _target(request).d1(name))


@pytest.fixture
def cf_time(request: pytest.FixtureRequest) -> Iterator[TimeTravel]:
    """Frozen time for this test (freezegun, ``real_asyncio=True``).

    Starts at ``@pytest.mark.cf_time(when)`` or the wall clock (whole seconds); move it
    with ``move_to``/``shift``. Fails the test when time-machine is travelling.
    """
    from pytest_plugin.time_travel import TimeTravel, TimeTravelConflictError

    marker = request.node.get_closest_marker(CF_TIME_MARKER)
    start = None if marker is None else instant_from_marker(marker, request.node.nodeid)
    travel = TimeTravel(start)
    try:
        travel.start()
    except TimeTravelConflictError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield travel
    travel.stop()


@_async_fixture
async def cf_cookies() -> EmulatorCookieJar:
    """The cookie jar ``cf_client`` uses by default; read it with ``cf_cookies.get(name)``."""
    from pytest_plugin.cookies import EmulatorCookieJar

    return EmulatorCookieJar()


@pytest.fixture
def cf_cookie_jar_factory() -> type[EmulatorCookieJar]:
    """Make more jars, one per simulated user: ``cf_cookie_jar_factory()``.

    Call it from an async test (aiohttp jars need a running event loop).
    """
    from pytest_plugin.cookies import EmulatorCookieJar

    return EmulatorCookieJar


@pytest.fixture
def cf_session_backend(request: pytest.FixtureRequest) -> Backend:
    """``"kv"`` or ``"d1"``: each test using it runs once per allowed backend."""
    backend: Backend | None = getattr(request, "param", None)
    if backend is None:
        pytest.fail(
            "cf_session_backend is parametrised when tests are collected: request it (or "
            "cf_session_config / cf_client) as a test argument, not with "
            "request.getfixturevalue()",
            pytrace=False,
        )
    return backend


@_async_fixture
async def cf_session_config(
    cf_session_backend: Backend, request: pytest.FixtureRequest
) -> SessionConfig:
    """A ``SessionConfig`` for the active backend, with the D1 table created.

    KV: ``SessionConfig.kv(<cf_kv_binding>)``; D1: ``SessionConfig.d1(<cf_d1_binding>,
    <cf_session_table>)``. Both with the seed's defaults (cookie ``__session``, max age
    86400): derive others with ``.max_age(...)`` / ``.cookie_name(...)``.
    """
    from emulator.session import SessionConfig

    settings = _settings(request)
    if cf_session_backend == "kv":
        assert settings.kv_binding is not None, "checked at collection"
        return SessionConfig.kv(settings.kv_binding)
    assert settings.d1_binding is not None, "checked at collection"
    config = SessionConfig.d1(settings.d1_binding, settings.session_table)
    await config.create_table(_target(request).d1(settings.d1_binding))
    return config


@_async_fixture
async def cf_client(
    cf_env: Env, cf_session_config: SessionConfig, cf_cookies: EmulatorCookieJar
) -> AsyncIterator[ClientFactory]:
    """``await cf_client(app_or_handler, jar=None, session=None)``: a started test client.

    The app gets the session middleware on ``cf_env`` with ``cf_session_config``; cookies
    go to ``cf_cookies`` unless ``jar=cf_cookie_jar_factory()`` gives a user their own.
    """
    from pytest_plugin.client import ClientFactory

    factory = ClientFactory(cf_env, cf_session_config, cf_cookies)
    yield factory
    await factory.close()


@pytest.fixture
def cf_api(cf_emulator: Emulator) -> Iterator[respx.MockRouter]:
    """A respx router answering ``https://api.cloudflare.com/client/v4/...`` from
    ``cf_emulator``, with the REST server's own handlers.
    """
    from emulator.server import mock_cloudflare_api

    with mock_cloudflare_api(cf_emulator) as router:
        yield router
