"""Options: each a flag and an ini key, the flag winning, bad values failing the run at once.

Usage errors are checked in-process (pytest stops at configure time, nothing runs); the
report header and backend narrowing run in a subprocess, as users run pytest.
"""

from __future__ import annotations

import textwrap
import tomllib

import pytest

from emulator.session import constants as session_constants
from pytest_plugin.options import BACKENDS, PLUGIN_NAME, parse_backends

BACKEND_TESTS = """
import pytest

def test_backend(cf_session_backend):
    assert cf_session_backend in ("kv", "d1")

@pytest.mark.cf_session_backend("d1")
def test_d1_only(cf_session_backend):
    assert cf_session_backend == "d1"
"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("kv", ("kv",)),
        ("d1", ("d1",)),
        ("kv,d1", ("kv", "d1")),
        ("d1, kv", ("kv", "d1")),
        (" kv ,", ("kv",)),
        (["d1", "kv"], ("kv", "d1")),
    ],
)
def test_parse_backends_keeps_the_canonical_order(
    value: str | list[str], expected: tuple[str, ...]
) -> None:
    assert parse_backends(value, where="here") == expected


def test_backends_are_kv_then_d1() -> None:
    assert BACKENDS == ("kv", "d1")


def test_every_option_is_a_flag_and_an_ini_key(downstream: pytest.Pytester) -> None:
    result = downstream.runpytest_inprocess("--help")
    assert result.ret == pytest.ExitCode.OK
    for name in (
        "cf_session_backend",
        "cf_wrangler_config",
        "cf_wrangler_env",
        "cf_kv_binding",
        "cf_d1_binding",
        "cf_session_table",
    ):
        flag = "--" + name.replace("_", "-")
        result.stdout.fnmatch_lines([f"*{flag}=*", f"*{name} (string):*"])


def test_help_works_even_when_an_option_is_wrong(downstream: pytest.Pytester) -> None:
    downstream.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\ncf_session_backend = redis\n"
    )
    result = downstream.runpytest_inprocess("--help")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*--cf-session-backend=BACKENDS*"])


def test_the_flag_beats_the_ini_key_and_the_header_says_so(
    downstream: pytest.Pytester,
) -> None:
    downstream.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "filterwarnings = error\ncf_session_backend = d1\n"
    )
    downstream.makepyfile(test_backends=BACKEND_TESTS)
    result = downstream.runpytest_subprocess("-v", "-rs", "--cf-session-backend=kv")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            f"{PLUGIN_NAME}: session backends: kv (--cf-session-backend)",
            f"{PLUGIN_NAME}: cf_env from default bindings: KV SESSIONS; D1 DB; "
            "cf_kv=SESSIONS, cf_d1=DB, session table sessions",
            "*test_backend?kv? PASSED*",
            "*test_d1_only?d1? SKIPPED*",
            "SKIPPED ?1? test_backends.py:*: needs session backend d1; this run allows only "
            "kv (--cf-session-backend)",
        ]
    )


def test_the_ini_key_narrows_the_backends_without_a_flag(downstream: pytest.Pytester) -> None:
    downstream.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\ncf_session_backend = d1\n"
    )
    downstream.makepyfile(test_backends=BACKEND_TESTS)
    result = downstream.runpytest_inprocess("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            f"{PLUGIN_NAME}: session backends: d1 (ini option cf_session_backend)",
            "*test_backend?d1? PASSED*",
            "*test_d1_only?d1? PASSED*",
        ]
    )
    result.stdout.no_fnmatch_line("*test_*?kv?*")


def test_a_binding_option_renames_the_default_bindings(downstream: pytest.Pytester) -> None:
    downstream.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "cf_kv_binding = CACHE\ncf_d1_binding = MAIN\ncf_session_table = web_sessions\n"
    )
    downstream.makepyfile(
        test_env="""
        def test_env(cf_env, cf_kv, cf_d1):
            assert sorted(cf_env) == ["CACHE", "MAIN"]
            assert cf_env.CACHE is cf_kv
            assert cf_env.MAIN is cf_d1
        """
    )
    result = downstream.runpytest_inprocess()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            f"{PLUGIN_NAME}: cf_env from default bindings: KV CACHE; D1 MAIN; "
            "cf_kv=CACHE, cf_d1=MAIN, session table web_sessions"
        ]
    )


def _toml_error(text: str) -> str:
    # The TOML parser's own message (it words errors differently across Python versions).
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return str(exc)
    raise AssertionError("expected invalid TOML")


WRANGLER_TOML = """\
name = "app"

[[kv_namespaces]]
binding = "SESSIONS"
id = "0f2ac74b498b48028cb68387c421e279"
"""

# (files to write, ini lines, command-line args, the exact usage error)
USAGE_ERRORS = [
    pytest.param(
        {},
        "",
        ["--cf-session-backend=redis"],
        "--cf-session-backend: unknown session backend 'redis'; use 'kv', 'd1' or both ('kv,d1')",
        id="unknown-backend-flag",
    ),
    pytest.param(
        {},
        "cf_session_backend = kv, postgres",
        [],
        "ini option cf_session_backend: unknown session backend 'postgres'; use 'kv', "
        "'d1' or both ('kv,d1')",
        id="unknown-backend-ini",
    ),
    pytest.param(
        {},
        "",
        ["--cf-session-backend=,"],
        "--cf-session-backend: name at least one session backend: 'kv' or 'd1'",
        id="no-backend",
    ),
    pytest.param(
        {},
        "",
        ["--cf-session-table=select"],
        "--cf-session-table: " + session_constants.TABLE_NAME_IS_KEYWORD.format(table="select"),
        id="table-is-keyword",
    ),
    pytest.param(
        {},
        "cf_kv_binding = 1SESSIONS",
        [],
        "ini option cf_kv_binding: "
        + session_constants.INVALID_BINDING_NAME.format(name="1SESSIONS"),
        id="bad-binding-name",
    ),
    pytest.param(
        {},
        "",
        ["--cf-kv-binding=DB"],
        "cf_kv_binding and cf_d1_binding are both 'DB': a KV namespace and a D1 database "
        "need different binding names",
        id="same-binding-twice",
    ),
    pytest.param(
        {},
        "cf_wrangler_env = staging",
        [],
        "ini option cf_wrangler_env selects a wrangler environment, but no wrangler config "
        "is named: set --cf-wrangler-config (ini cf_wrangler_config) too",
        id="env-without-config",
    ),
    pytest.param(
        {},
        "",
        ["--cf-wrangler-config=nope/wrangler.toml"],
        "--cf-wrangler-config: no wrangler config at {root}/nope/wrangler.toml: point it "
        "at your wrangler.toml, wrangler.json or wrangler.jsonc",
        id="config-missing",
    ),
    pytest.param(
        {"wrangler.toml": 'name = "app"\n[[kv_namespaces]\n'},
        "cf_wrangler_config = wrangler.toml",
        [],
        "ini option cf_wrangler_config: {root}/wrangler.toml is not valid: "
        + _toml_error('name = "app"\n[[kv_namespaces]\n'),
        id="config-not-toml",
    ),
    pytest.param(
        {"wrangler.toml": 'kv_namespaces = "SESSIONS"\n'},
        "cf_wrangler_config = wrangler.toml",
        [],
        "ini option cf_wrangler_config: {root}/wrangler.toml: kv_namespaces must be an "
        "array of tables/objects",
        id="config-malformed-binding",
    ),
    pytest.param(
        {"wrangler.jsonc": '{"kv_namespaces": [{"id": "x"}]}'},
        "cf_wrangler_config = wrangler.jsonc",
        [],
        "ini option cf_wrangler_config: {root}/wrangler.jsonc: kv_namespaces[0] needs a "
        "non-empty string 'binding'",
        id="config-entry-without-binding",
    ),
    pytest.param(
        {"wrangler.toml": WRANGLER_TOML},
        "cf_wrangler_config = wrangler.toml",
        ["--cf-wrangler-env=staging"],
        "ini option cf_wrangler_config: {root}/wrangler.toml: no environment 'staging' "
        "(environments: none)",
        id="config-unknown-env",
    ),
    pytest.param(
        {"wrangler.toml": WRANGLER_TOML},
        "cf_wrangler_config = wrangler.toml",
        ["--cf-kv-binding=CACHE"],
        "--cf-kv-binding: wrangler.toml declares no KV binding 'CACHE' (its KV bindings: "
        "SESSIONS); name one of them or add it to wrangler.toml",
        id="binding-not-in-config",
    ),
    pytest.param(
        {
            "wrangler.toml": '[[d1_databases]]\nbinding = "DB"\n'
            'database_name = "app"\nmigrations_dir = "db/migrations"\n'
        },
        "cf_wrangler_config = wrangler.toml",
        [],
        "wrangler.toml: migrations_dir of D1 binding 'DB' is {root}/db/migrations, which "
        "is not a folder: create it or fix migrations_dir",
        id="migrations-dir-missing",
    ),
]


@pytest.mark.parametrize(("files", "ini", "args", "message"), USAGE_ERRORS)
def test_a_bad_option_stops_the_run_before_collection(
    downstream: pytest.Pytester,
    files: dict[str, str],
    ini: str,
    args: list[str],
    message: str,
) -> None:
    downstream.makeini(f"[pytest]\nasyncio_default_fixture_loop_scope = function\n{ini}\n")
    for name, text in files.items():
        downstream.path.joinpath(name).write_text(text, "utf-8")
    downstream.makepyfile(test_never_runs="def test_never_runs():\n    raise AssertionError\n")
    result = downstream.runpytest_inprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    expected = "ERROR: " + message.format(root=downstream.path.resolve())
    assert expected in result.stderr.lines, result.stderr.str()


def test_a_wrangler_config_path_in_the_ini_is_relative_to_the_ini_file(
    downstream: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = downstream.mkdir("config")
    config.joinpath("wrangler.toml").write_text(
        textwrap.dedent(
            """\
            [[kv_namespaces]]
            binding = "CACHE"
            id = "0f2ac74b498b48028cb68387c421e279"

            [[d1_databases]]
            binding = "MAIN"
            database_name = "app"
            database_id = "7b4b1f5e-8c7a-4c1e-9a4e-1d2c3b4a5f60"
            """
        ),
        "utf-8",
    )
    downstream.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "cf_wrangler_config = config/wrangler.toml\n"
    )
    downstream.makepyfile(
        test_env="""
        def test_bindings_come_from_the_config(cf_emulator, cf_env, cf_kv, cf_d1):
            assert sorted(cf_env) == ["CACHE", "MAIN"]
            assert cf_kv is cf_env.CACHE and cf_d1 is cf_env.MAIN
            assert {r.name: r.id for r in cf_emulator.records()} == {
                "CACHE": "0f2ac74b498b48028cb68387c421e279",
                "MAIN": "7b4b1f5e-8c7a-4c1e-9a4e-1d2c3b4a5f60",
            }
        """
    )
    # Started from another folder: the path still resolves against the ini file.
    monkeypatch.chdir(downstream.mkdir("elsewhere"))
    result = downstream.runpytest_inprocess(str(downstream.path))
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            f"{PLUGIN_NAME}: cf_env from {config.resolve()}/wrangler.toml: KV CACHE; D1 MAIN; "
            "cf_kv=CACHE, cf_d1=MAIN, session table sessions"
        ]
    )
