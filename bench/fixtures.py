"""Per-test cost of the plugin's fixtures against a bare aiohttp test client.

One pytest run holds three kinds of test, interleaved so machine load hits each alike, 500
of each by default (``--tests``):

- **bare**: pytest-aiohttp's ``aiohttp_client`` on a one-route app, one GET;
- **cf (kv)** / **cf (d1)**: a fresh ``cf_emulator`` + ``cf_session_config`` + ``cf_client``
  (session middleware, ``cf_env``, ``cf_cookies``) on the same app, one GET, on each
  session backend.

A small recorder plugin times each test's setup + call + teardown; the medians are printed
with what the fixtures add and the ratio to bare::

    python bench/fixtures.py [--tests 500] [--backends kv,d1]

The target is under 5 ms added per test.

A second run measures ``cf_seed``: 10,000 KV keys and a 10,000-row D1 table, seeded once
per session and restored into every test's ``cf_emulator``, against the same seed written
again for every test, and an empty emulator as the baseline (``--seed-tests``, default 100
of each kind, interleaved). It also times ``Emulator.restore`` alone. The targets: restoring
takes at most 1 ms per test and at least 20x less than re-seeding.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import textwrap
import time
from collections import defaultdict
from collections.abc import Generator
from pathlib import Path

import pytest

TESTS = """
import pytest
from aiohttp import web

N = {n}


async def hello(request):
    return web.Response(text="hi")


def app():
    application = web.Application()
    application.router.add_get("/", hello)
    return application


@pytest.mark.parametrize("i", range(N))
async def test_bare(i, aiohttp_client):
    client = await aiohttp_client(app())
    assert await (await client.get("/")).text() == "hi"


@pytest.mark.parametrize("i", range(N))
async def test_cf(i, cf_client):  # runs on kv and on d1
    client = await cf_client(app())
    assert await (await client.get("/")).text() == "hi"
"""

# Interleave the kinds (bare 0, cf 0 kv, cf 0 d1, bare 1, ...) so that load on the machine
# hits them alike.
CONFTEST = """
def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.callspec.params["i"])
"""


class Recorder:
    """Time each test's full protocol (setup, call, teardown), grouped by kind."""

    def __init__(self) -> None:
        self.durations: dict[str, list[float]] = defaultdict(list)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, object, object]:
        started = time.perf_counter()
        try:
            return (yield)
        finally:
            elapsed = time.perf_counter() - started
            name = getattr(item, "originalname", item.name)
            backend = item.callspec.params.get("cf_session_backend")  # type: ignore[attr-defined]
            self.durations[name if backend is None else f"{name} ({backend})"].append(elapsed)


PYTEST_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"

SEED_CONFTEST = """
import pytest

from emulator import Emulator

SIZE = 10_000


def seed(emulator):
    emulator.kv("SESSIONS").seed_many((f"user:{i:05d}", f"value {i}") for i in range(SIZE))
    emulator.d1("DB").sqlite_utils["products"].insert_all(
        ({"id": i, "name": f"product {i}", "price": i * 1.5} for i in range(SIZE)),
        pk="id",
    )


@pytest.fixture(scope="session")
def cf_seed():
    return seed


def empty_emulator():
    emulator = Emulator()
    emulator.kv("SESSIONS")
    emulator.d1("DB")
    return emulator


@pytest.fixture
def fresh():
    emulator = empty_emulator()
    yield emulator
    emulator.close()


@pytest.fixture
def reseeded():
    emulator = empty_emulator()
    seed(emulator)
    yield emulator
    emulator.close()


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.callspec.params["i"])
"""

SEED_TESTS = """
import pytest

N = {n}


@pytest.mark.parametrize("i", range(N))
def test_fresh(i, fresh):
    assert fresh.kv("SESSIONS").entry("user:00042") is None


@pytest.mark.parametrize("i", range(N))
def test_restored(i, cf_emulator):
    assert cf_emulator.kv("SESSIONS").entry("user:00042") is not None


@pytest.mark.parametrize("i", range(N))
def test_reseeded(i, reseeded):
    assert reseeded.kv("SESSIONS").entry("user:00042") is not None
"""


def run_pytest(root: Path, recorder: Recorder, *options: str) -> None:
    exit_code = pytest.main(
        [
            str(root),
            # The terminal reporter's progress dots would bury the figures.
            "-p",
            "no:terminal",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(root),
            *options,
        ],
        plugins=[recorder],
    )
    if exit_code != 0:
        raise SystemExit(f"benchmark run failed: pytest exit code {exit_code}")


def time_restore(rounds: int) -> tuple[float, int]:
    """Median seconds of ``Emulator.restore`` of the seed image, and the image's size."""
    from emulator import Emulator

    namespace: dict[str, object] = {}
    exec(SEED_CONFTEST, namespace)  # the same seed function the tests use
    with Emulator() as template:
        namespace["seed"](template)  # type: ignore[operator]
        image = template.image()
    timings = []
    for _ in range(rounds):
        with Emulator() as target:
            target.kv("SESSIONS")
            target.d1("DB")
            started = time.perf_counter()
            target.restore(image)
            timings.append(time.perf_counter() - started)
    return statistics.median(timings), image.size


def bench_seed(tests: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pytest.ini").write_text(PYTEST_INI)
        (root / "test_seed.py").write_text(textwrap.dedent(SEED_TESTS.format(n=tests)))
        (root / "conftest.py").write_text(SEED_CONFTEST)
        recorder = Recorder()
        run_pytest(root, recorder)
    durations = recorder.durations
    fresh = statistics.median(durations["test_fresh"])
    restored = statistics.median(durations["test_restored"])
    reseeded = statistics.median(durations["test_reseeded"])
    restore_alone, size = time_restore(tests)
    restore_added = restored - fresh
    reseed_added = reseeded - fresh
    print(f"\ncf_seed: 10,000 KV keys + a 10,000-row D1 table ({size / 1e6:.2f} MB image),")
    print(f"per-test time (setup + call + teardown), median of {tests} tests each, one run")
    print(f"  {'empty emulator (baseline)':<52} {fresh * 1000:7.2f} ms")
    print(
        f"  {'cf_emulator restored from cf_seed':<52} {restored * 1000:7.2f} ms   "
        f"added {restore_added * 1000:+7.2f} ms"
    )
    print(
        f"  {'the same seed written again for the test':<52} {reseeded * 1000:7.2f} ms   "
        f"added {reseed_added * 1000:+7.2f} ms"
    )
    print(f"  {'Emulator.restore(image) alone':<52} {restore_alone * 1000:7.2f} ms")
    # The per-test difference of two medians is within noise when restoring is this
    # cheap (it can even come out negative): the ratio uses the restore timed alone.
    print(f"  re-seeding costs {reseed_added / restore_alone:.0f}x the restore")
    print("  (targets: restoring at most 1 ms per test, at least 20x less than re-seeding)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=500, help="tests of each kind")
    parser.add_argument(
        "--backends", default="kv,d1", help="session backends to measure (default: kv,d1)"
    )
    parser.add_argument("--seed-tests", type=int, default=100, help="cf_seed tests of each kind")
    args = parser.parse_args()
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pytest.ini").write_text(PYTEST_INI)
        (root / "test_bench.py").write_text(textwrap.dedent(TESTS.format(n=args.tests)))
        (root / "conftest.py").write_text(CONFTEST)
        recorder = Recorder()
        run_pytest(root, recorder, f"--cf-session-backend={','.join(backends)}")

    durations = recorder.durations
    bare = statistics.median(durations["test_bare"])
    print(f"\nper-test time (setup + call + teardown), median of {args.tests} tests each,")
    print("one pytest run, kinds interleaved")
    print(f"  {'bare aiohttp_client':<52} {bare * 1000:7.2f} ms")
    for backend in backends:
        median = statistics.median(durations[f"test_cf ({backend})"])
        label = f"cf_emulator + cf_session_config + cf_client [{backend}]"
        print(
            f"  {label:<52} {median * 1000:7.2f} ms   "
            f"added {(median - bare) * 1000:+6.2f} ms   ratio {median / bare:4.2f}x"
        )
    print("  (target: under 5 ms added per test)")
    bench_seed(args.seed_tests)


if __name__ == "__main__":
    main()
