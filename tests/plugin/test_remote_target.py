"""``--cf-target=remote``: a downstream suite runs on ``emulator.remote`` against ``serve``."""

from __future__ import annotations

import pytest

from tests.targets import ACCOUNT, TOKEN, Serve

DOWNSTREAM = """
import pytest
from aiohttp import web

from emulator import cf
from emulator.remote import RemoteD1Database, RemoteEnv, RemoteKVNamespace

pytestmark = pytest.mark.asyncio


async def login(request):
    session = await cf.session()
    session.regenerate()
    session.set("user", (await request.post())["user"])
    return web.json_response({"user": session.get("user")})


async def me(request):
    user = (await cf.session()).get("user", type=str)
    if user is None:
        raise web.HTTPUnauthorized()
    return web.json_response({"user": user})


async def logout(request):
    (await cf.session()).destroy()
    return web.json_response({"user": None})


def create_app():
    app = web.Application()
    app.router.add_post("/login", login)
    app.router.add_get("/me", me)
    app.router.add_post("/logout", logout)
    return app


async def test_1_the_bindings_are_remote(cf_env, cf_kv, cf_d1):
    assert isinstance(cf_env, RemoteEnv)
    assert isinstance(cf_kv, RemoteKVNamespace) and cf_kv is cf_env.SESSIONS
    assert isinstance(cf_d1, RemoteD1Database) and cf_d1 is cf_env["DB"]
    await cf_kv.put("left-over", "v")
    await cf_d1.exec("CREATE TABLE left_over (x)")


async def test_2_each_test_starts_empty(cf_kv, cf_d1):
    assert (await cf_kv.list()).keys == []
    tables = await cf_d1.prepare("SELECT name FROM sqlite_master WHERE name = 'left_over'").all()
    assert tables.results == []


async def test_login_me_logout(cf_client, cf_cookies, cf_session_backend):
    client = await cf_client(create_app())
    await client.post("/login", data={"user": "ada"})
    assert await (await client.get("/me")).json() == {"user": "ada"}
    await client.post("/logout")
    assert cf_cookies.get("__session") is None
    assert (await client.get("/me")).status == 401


def test_time_travel(cf_time):
    cf_time.shift(60)


def test_in_process(cf_emulator):
    pass
"""


def test_a_downstream_suite_runs_on_serve_and_cleans_up(
    downstream: pytest.Pytester, serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    downstream.makepyfile(test_app=DOWNSTREAM)
    result = downstream.runpytest_inprocess(
        "--cf-target=remote", f"--cf-remote-base-url={serve.url}", "-rs", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=4, skipped=2)
    result.stdout.fnmatch_lines(
        [
            f"cf_kv_d1_emulator: target: remote ({serve.url}); cf_time tests skip",
            "SKIPPED [[]1[]] test_app.py: cf_time needs the in-process emulator; "
            "--cf-target=remote runs on a server whose clock and state the test cannot reach "
            "(run it with --cf-target=emulator)",
            "SKIPPED [[]1[]] test_app.py: cf_emulator needs the in-process emulator*",
        ]
    )
    state = serve.call("GET", "/__emulator/state")
    titles = [item["title"] for item in state["kv"]] + [item["name"] for item in state["d1"]]
    assert [title for title in titles if title.startswith("cf-test-")] == []


def test_the_remote_target_needs_credentials(
    downstream: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLOUDFLARE_ACCOUNT_ID", raising=False)
    monkeypatch.delenv("CLOUDFLARE_API_TOKEN", raising=False)
    downstream.makepyfile(test_x="def test_x(cf_env):\n    pass\n")
    result = downstream.runpytest_inprocess("--cf-target=remote")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert (
        "ERROR: --cf-target=remote needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN in the "
        "environment (the account and an API token with Workers KV and D1 edit permissions)"
    ) in result.stderr.lines


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--cf-target=cloud"],
            "ERROR: --cf-target: unknown target 'cloud'; use 'emulator' or 'remote'",
        ),
        (
            ["--cf-remote-base-url=http://127.0.0.1:1/client/v4"],
            "ERROR: --cf-remote-base-url names a remote API, but the target is 'emulator': "
            "add --cf-target=remote (ini cf_target = remote)",
        ),
    ],
)
def test_bad_target_options_stop_the_run(
    downstream: pytest.Pytester, arguments: list[str], message: str
) -> None:
    downstream.makepyfile(test_x="def test_x():\n    pass\n")
    result = downstream.runpytest_inprocess(*arguments)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.lines
