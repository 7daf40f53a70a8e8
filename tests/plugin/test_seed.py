"""``cf_seed``: a downstream suite seeds once per session or module; each test starts from
the seed, restored, whatever the tests before it changed."""

from __future__ import annotations

import pytest

from tests.plugin.test_environment import write_project

SESSION_CONFTEST = """
import pytest

RUNS = []


@pytest.fixture(scope="session")
def cf_seed():
    def seed(emulator):
        RUNS.append("seeded")
        emulator.kv("SESSIONS").seed_many((f"user:{i:05d}", str(i)) for i in range(10_000))
        emulator.d1("DB").sqlite_utils["products"].insert_all(
            {"id": i, "name": f"product {i}"} for i in range(10_000)
        )
    return seed
"""

SESSION_TESTS = """
import pytest

from conftest import RUNS


@pytest.mark.parametrize("round", range(3))
async def test_each_test_starts_from_the_seed(round, cf_kv, cf_d1):
    assert len(cf_kv.snapshot()) == 10_000
    assert await cf_kv.get("user:00042") == "42"
    assert await cf_d1.prepare("SELECT count(*) AS n FROM products").first("n") == 10_000
    await cf_kv.put("user:00042", "changed")
    await cf_kv.delete("user:00001")
    await cf_d1.prepare("DELETE FROM products WHERE id < 5000").run()
    await cf_d1.exec("CREATE TABLE leftovers (x);")


async def test_leftovers_never_reach_the_next_test(cf_d1):
    tables = await cf_d1.prepare("SELECT name FROM sqlite_master WHERE name = 'leftovers'").raw()
    assert tables == []


def test_the_seed_ran_once():
    assert RUNS == ["seeded"]
"""


def test_a_session_seed_runs_once_and_every_test_gets_it_back(
    downstream: pytest.Pytester,
) -> None:
    downstream.makeconftest(SESSION_CONFTEST)
    downstream.makepyfile(test_seeded=SESSION_TESTS)
    result = downstream.runpytest_inprocess("-p", "no:randomly", "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=5)


MODULE_CONFTEST = """
import pytest

RUNS = []


def seeder(label):
    async def seed(emulator):
        RUNS.append(label)
        await emulator.kv("SESSIONS").put("label", label)
        await emulator.d1("DB").exec("CREATE TABLE t (v TEXT);")
    return seed
"""

MODULE_TESTS = """
import pytest

from conftest import RUNS, seeder


@pytest.fixture(scope="module")
def cf_seed():
    return seeder("{label}")


@pytest.mark.parametrize("round", range(2))
async def test_the_module_seed(round, cf_env):
    assert await cf_env.kv("SESSIONS").get("label") == "{label}"
    await cf_env.kv("SESSIONS").put("label", "changed")
    assert RUNS.count("{label}") == 1
"""

UNSEEDED = """
async def test_without_an_override_nothing_is_seeded(cf_kv, cf_d1):
    assert cf_kv.snapshot() == {}
    assert await cf_d1.prepare("SELECT name FROM sqlite_master WHERE name = 't'").raw() == []
"""


def test_a_module_seed_is_an_async_function_run_once_per_module(
    downstream: pytest.Pytester,
) -> None:
    downstream.makeconftest(MODULE_CONFTEST)
    downstream.makepyfile(
        test_one=MODULE_TESTS.replace("{label}", "one"),
        test_two=MODULE_TESTS.replace("{label}", "two"),
        test_unseeded=UNSEEDED,
    )
    result = downstream.runpytest_inprocess("-p", "no:randomly", "-o", "asyncio_mode=auto")
    result.assert_outcomes(passed=5)


SHOP_CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def cf_seed():
    def seed(emulator):
        emulator.d1("DB").sqlite_utils["products"].insert({"name": "kettle"})
        emulator.kv("{binding}")
    return seed
"""

SHOP_TESTS = """
import pytest

pytestmark = pytest.mark.asyncio

async def test_seeded(cf_d1, cf_kv):
    assert await cf_d1.prepare("SELECT name FROM products").raw() == [["kettle"]]
    names = await cf_d1.prepare("SELECT name FROM d1_migrations").raw()
    assert names == [["0001_products.sql"]]
    assert cf_kv.id == "0f2ac74b498b48028cb68387c421e279"
"""


def run_shop(downstream: pytest.Pytester, binding: str) -> pytest.RunResult:
    """A wrangler project with one migration, seeded through ``binding``."""
    write_project(
        downstream.path,
        {"0001_products.sql": "CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT);"},
    )
    downstream.makeconftest(SHOP_CONFTEST.replace("{binding}", binding))
    downstream.makepyfile(test_shop=SHOP_TESTS)
    return downstream.runpytest_inprocess()


def test_the_migrated_and_seeded_database_is_restored(downstream: pytest.Pytester) -> None:
    run_shop(downstream, "SESSIONS").assert_outcomes(passed=1)


def test_a_seed_is_held_to_the_bindings_the_config_declares(
    downstream: pytest.Pytester,
) -> None:
    result = run_shop(downstream, "SESIONS")  # a typo: the config declares SESSIONS
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "E * ValueError: binding 'SESIONS' is not declared in wrangler.toml "
            "(declared: DB, SESSIONS); did you mean 'SESSIONS'?"
        ]
    )


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ('{"SESSIONS": {"k": "v"}}', "must return a function that seeds an Emulator, not dict"),
        (
            "Slotted()",
            "must return a function (or an object that can be weakly referenced), not Slotted",
        ),
    ],
    ids=["not-callable", "no-weak-reference"],
)
def test_cf_seed_must_return_a_function(
    downstream: pytest.Pytester, returned: str, message: str
) -> None:
    downstream.makeconftest(
        f"""
        import pytest

        class Slotted:
            __slots__ = ()

            def __call__(self, emulator):
                pass

        @pytest.fixture(scope="session")
        def cf_seed():
            return {returned}
        """
    )
    downstream.makepyfile(test_bad="def test_bad(cf_emulator):\n    pass\n")
    result = downstream.runpytest_inprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"E * TypeError: cf_seed {message}"])
