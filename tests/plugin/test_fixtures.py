"""``cf_emulator``, ``cf_env``, ``cf_kv``, ``cf_d1``, ``cf_session_backend``: fresh state per
test, bindings from the defaults or a wrangler config, misuse reported at collection.
"""

from __future__ import annotations

import httpx
import pytest
import respx
from cloudflare import Cloudflare
from respx.models import AllMockedAssertionError

from emulator import D1Database, Emulator, Env, KVNamespace, SystemClock
from emulator.core import default_binding_id


def test_cf_emulator_is_in_memory_on_the_system_clock(cf_emulator: Emulator) -> None:
    assert cf_emulator.persist_to is None
    assert isinstance(cf_emulator.clock, SystemClock)


def test_cf_env_holds_the_default_bindings(
    cf_emulator: Emulator, cf_env: Env, cf_kv: KVNamespace, cf_d1: D1Database
) -> None:
    assert cf_env is cf_emulator.env
    assert sorted(cf_env) == ["DB", "SESSIONS"]
    assert cf_kv is cf_env.SESSIONS
    assert cf_d1 is cf_env.DB
    assert cf_kv.id == default_binding_id("kv", "SESSIONS")


async def test_cf_kv_starts_empty(cf_kv: KVNamespace) -> None:
    listed = await cf_kv.list()
    assert listed.keys == []


def test_each_test_gets_a_new_emulator_and_the_old_one_is_closed(
    downstream: pytest.Pytester,
) -> None:
    downstream.makepyfile(
        test_fresh="""
        import pytest

        seen = []

        def test_first(cf_emulator):
            seen.append(cf_emulator)

        def test_second(cf_emulator):
            assert cf_emulator is not seen[0]
            with pytest.raises(RuntimeError, match="this Emulator is closed"):
                seen[0].kv("SESSIONS")
        """
    )
    result = downstream.runpytest_inprocess("-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_cf_session_backend_cannot_be_requested_dynamically(
    downstream: pytest.Pytester,
) -> None:
    downstream.makepyfile(
        test_dynamic="""
        def test_dynamic(request):
            request.getfixturevalue("cf_session_backend")
        """
    )
    result = downstream.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*cf_session_backend is parametrised when tests are collected: request it (or "
            "cf_session_config / cf_client) as a test argument, not with "
            "request.getfixturevalue()*"
        ]
    )


def test_a_test_may_parametrize_the_backend_itself(downstream: pytest.Pytester) -> None:
    downstream.makepyfile(
        test_own="""
        import pytest

        @pytest.mark.parametrize("cf_session_backend", ["d1"])
        def test_own(cf_session_backend):
            assert cf_session_backend == "d1"
        """
    )
    result = downstream.runpytest_inprocess("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_own?d1? PASSED*"])


ONLY_D1 = """\
[[d1_databases]]
binding = "MAIN"
database_name = "app"
database_id = "7b4b1f5e-8c7a-4c1e-9a4e-1d2c3b4a5f60"
"""


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "def test_kv(cf_kv):\n    pass\n",
            "test_uses.py::test_kv: cf_kv needs a KV binding, but {config} declares none",
        ),
        (
            "def test_backends(cf_session_backend):\n    pass\n",
            "test_uses.py::test_backends: the 'kv' session backend needs a KV binding, but "
            "{config} declares none: add one, or narrow the backends (--cf-session-backend "
            "or @pytest.mark.cf_session_backend)",
        ),
    ],
    ids=["cf_kv", "kv-backend"],
)
def test_a_fixture_needing_a_binding_the_config_lacks_fails_collection(
    downstream: pytest.Pytester, source: str, message: str
) -> None:
    downstream.path.joinpath("wrangler.toml").write_text(ONLY_D1, "utf-8")
    downstream.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "cf_wrangler_config = wrangler.toml\n"
    )
    downstream.makepyfile(test_uses=source)
    result = downstream.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    config = downstream.path.resolve() / "wrangler.toml"
    result.stdout.fnmatch_lines([message.format(config=config)])


def test_a_config_without_kv_still_runs_d1_tests(downstream: pytest.Pytester) -> None:
    downstream.path.joinpath("wrangler.toml").write_text(ONLY_D1, "utf-8")
    downstream.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "cf_wrangler_config = wrangler.toml\ncf_session_backend = d1\n"
    )
    downstream.makepyfile(
        test_d1="""
        def test_d1(cf_env, cf_d1, cf_session_backend):
            assert list(cf_env) == ["MAIN"]
            assert cf_d1 is cf_env.MAIN
            assert cf_session_backend == "d1"
        """
    )
    result = downstream.runpytest_inprocess()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*KV none; D1 MAIN; cf_kv=-, cf_d1=MAIN*"])


async def test_cf_api_answers_the_official_sdk_from_cf_emulator(
    cf_api: respx.MockRouter, cf_kv: KVNamespace
) -> None:
    await cf_kv.put("user:1", "ada")
    sdk = Cloudflare(api_token="test", max_retries=0)
    namespaces = sdk.kv.namespaces.list(account_id="any")
    assert [(ns.id, ns.title) for ns in namespaces] == [(cf_kv.id, "SESSIONS")]
    keys = sdk.kv.namespaces.keys.list(namespace_id=cf_kv.id, account_id="any")
    assert [key.name for key in keys] == ["user:1"]
    # The namespace list is paged until an empty page: 2 calls, then 1 for the keys.
    assert cf_api.calls.call_count == 3


async def test_cf_api_refuses_hosts_it_does_not_answer(cf_api: respx.MockRouter) -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(AllMockedAssertionError, match="RESPX: <Request"):
            await client.get("https://example.com/")
