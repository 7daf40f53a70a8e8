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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=500, help="tests of each kind")
    parser.add_argument(
        "--backends", default="kv,d1", help="session backends to measure (default: kv,d1)"
    )
    args = parser.parse_args()
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pytest.ini").write_text(
            "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        )
        (root / "test_bench.py").write_text(textwrap.dedent(TESTS.format(n=args.tests)))
        (root / "conftest.py").write_text(CONFTEST)
        recorder = Recorder()
        exit_code = pytest.main(
            [
                str(root),
                # The terminal reporter's 1500 progress dots would bury the figures.
                "-p",
                "no:terminal",
                "-p",
                "no:cacheprovider",
                "--rootdir",
                str(root),
                f"--cf-session-backend={','.join(backends)}",
            ],
            plugins=[recorder],
        )
        if exit_code != 0:
            raise SystemExit(f"benchmark run failed: pytest exit code {exit_code}")

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


if __name__ == "__main__":
    main()
