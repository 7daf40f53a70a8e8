"""Registration and the setups users have: entry point, light import, strict and auto
asyncio modes, pytest-aiohttp alongside, pytest-xdist, disabling with ``-p no:``.

Downstream test files run in a subprocess, as ``pytest`` runs them in a user's project.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distributions
from pathlib import Path

import pytest

import pytest_plugin
from pytest_plugin import plugin as plugin_module
from pytest_plugin.options import PLUGIN_NAME

STRICT_MODE_TESTS = """
import pytest
from aiohttp import web

from emulator import Emulator, cf


def test_env_has_the_default_bindings(cf_emulator, cf_env, cf_kv, cf_d1):
    assert isinstance(cf_emulator, Emulator)
    assert sorted(cf_env) == ["DB", "SESSIONS"]
    assert cf_kv is cf_env.SESSIONS and cf_d1 is cf_env.DB


@pytest.mark.asyncio
async def test_state_written_here(cf_kv):
    await cf_kv.put("leak", "x")
    assert await cf_kv.get("leak") == "x"


@pytest.mark.asyncio
async def test_is_gone_in_the_next_test(cf_kv):
    assert await cf_kv.get("leak") is None


@pytest.mark.asyncio
async def test_sessions_on_each_backend(cf_client, cf_session_backend):
    async def handler(request):
        session = await cf.session()
        session.set("n", (session.get("n") or 0) + 1)
        return web.json_response({"n": session.get("n")})

    client = await cf_client(handler)
    assert (await (await client.get("/")).json()) == {"n": 1}
    assert (await (await client.get("/")).json()) == {"n": 2}
"""


def test_the_plugin_is_registered_under_a_distinctive_entry_point() -> None:
    # Every installed distribution, as pytest scans them (a stale egg-info in the working
    # folder must not hide the installed metadata).
    found = {
        (dist.metadata["Name"], entry.value)
        for dist in distributions()
        for entry in dist.entry_points
        if entry.group == "pytest11" and entry.name == PLUGIN_NAME
    }
    assert found == {("cf-kv-d1-emulator", "pytest_plugin.plugin")}
    assert PLUGIN_NAME == "cf_kv_d1_emulator"


def probe(code: str) -> list[str]:
    """What ``code`` prints, run in a fresh interpreter (nothing imported yet)."""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return run.stdout.splitlines()


def test_importing_the_plugin_loads_no_emulator_sqlite_server_or_time_library() -> None:
    assert probe(
        "import sys, pytest_plugin.plugin\n"
        "heavy = ['emulator._apsw', 'aiohttp', 'aiohttp.web', 'emulator', 'freezegun', 'respx',"
        " 'httpx', 'sqlite_utils', 'sqlite3']\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    ) == ["[]"]


def test_public_names_are_exported_lazily() -> None:
    assert probe(
        "import pytest_plugin\n"
        "print(sorted(name for name in pytest_plugin.__all__ if name in vars(pytest_plugin)))\n"
        "from pytest_plugin import *\n"
        "print(sorted(name for name in pytest_plugin.__all__ if name in vars(pytest_plugin)))\n"
    ) == ["[]", str(sorted(pytest_plugin.__all__))]
    with pytest.raises(AttributeError) as caught:
        _ = pytest_plugin.nothing_here  # type: ignore[attr-defined]
    assert str(caught.value) == "module 'pytest_plugin' has no attribute 'nothing_here'"


def test_the_markers_are_registered(downstream: pytest.Pytester) -> None:
    result = downstream.runpytest_inprocess("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.cf_time(when): start the test's frozen clock (cf_time) at `when`*",
            "@pytest.mark.cf_session_backend(*backends): run this test only on these session "
            "backends*",
        ]
    )


def test_a_downstream_project_gets_the_fixtures_in_strict_mode(
    downstream: pytest.Pytester,
) -> None:
    downstream.makepyfile(test_downstream=STRICT_MODE_TESTS)
    result = downstream.runpytest_subprocess("-v", "-p", "no:randomly")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(
        [
            f"{PLUGIN_NAME}: session backends: kv, d1 (default)",
            f"{PLUGIN_NAME}: cf_env from default bindings: KV SESSIONS; D1 DB; "
            "cf_kv=SESSIONS, cf_d1=DB, session table sessions",
            "asyncio: mode=*STRICT*",
            "*test_sessions_on_each_backend?kv? PASSED*",
            "*test_sessions_on_each_backend?d1? PASSED*",
        ]
    )


def test_auto_mode_pytest_aiohttp_and_xdist_work_together(downstream: pytest.Pytester) -> None:
    downstream.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\n"
    )
    downstream.makepyfile(
        test_parallel="""
        import pytest
        from aiohttp import web
        from emulator import cf

        async def handler(request):
            session = await cf.session()
            session.set("seen", True)
            return web.Response(text="ok")

        async def plain_text(request):
            return web.Response(text="plain")

        @pytest.mark.parametrize("user", range(3))
        async def test_many_users(cf_client, cf_cookies, cf_session_backend, user):
            client = await cf_client(handler)
            assert await (await client.get("/")).text() == "ok"
            assert cf_cookies.get("__session") is not None

        async def test_next_to_aiohttp_client(aiohttp_client, cf_client):
            app = web.Application()
            app.router.add_get("/", plain_text)
            plain = await aiohttp_client(app)
            wired = await cf_client(handler)
            assert await (await plain.get("/")).text() == "plain"
            assert await (await wired.get("/")).text() == "ok"
        """
    )
    result = downstream.runpytest_subprocess("-n", "2")
    # 3 users x 2 backends, plus the pytest-aiohttp test on each backend.
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["*2 workers*"])


def test_p_no_disables_the_plugin(downstream: pytest.Pytester) -> None:
    downstream.makepyfile(test_needs_plugin="def test_x(cf_emulator):\n    pass\n")
    result = downstream.runpytest_subprocess("-p", f"no:{PLUGIN_NAME}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'cf_emulator' not found*"])
    result.stdout.no_fnmatch_line(f"{PLUGIN_NAME}:*")


def test_async_fixtures_without_pytest_asyncio_fail_the_run_with_the_fix(
    downstream: pytest.Pytester,
) -> None:
    downstream.makeini("[pytest]\n")
    downstream.makepyfile(test_needs_asyncio="def test_x(cf_cookies):\n    pass\n")
    result = downstream.runpytest_inprocess("-p", "no:asyncio", "-p", "no:aiohttp")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        f"ERROR: {PLUGIN_NAME}: cf_client, cf_cookies and cf_session_config are async "
        "fixtures and need pytest-asyncio: pip install pytest-asyncio (and do not disable "
        "it with -p no:asyncio)"
    ) in result.stderr.lines


def test_the_readme_documents_every_public_name_fixture_and_option() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme.split("## pytest plugin", 1)[1].split("\n## ", 1)[0]
    fixtures = [name for name in plugin_module.__all__ if name.startswith("cf_")]
    options = ["cf_session_backend", "cf_wrangler_config", "cf_wrangler_env"]
    options += ["cf_kv_binding", "cf_d1_binding", "cf_session_table"]
    for name in [*pytest_plugin.__all__, *fixtures, *options]:
        assert f"`{name}" in section, name
    for option in options:
        assert f"`--{option.replace('_', '-')}" in section, option
