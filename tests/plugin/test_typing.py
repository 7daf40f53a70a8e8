"""A downstream project type-checks its tests against the installed kit (``mypy --strict``).

mypy runs in a subprocess from a folder outside the repository, so it finds ``emulator``
and ``pytest_plugin`` only through the installation, as a downstream project would. An
editable install made by setuptools' import hook would fail here ("Cannot find
implementation or library stub for module named 'emulator'").
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GOOD = """\
from emulator import D1Database, KVNamespace
from pytest_plugin import (
    Backend,
    ClientFactory,
    Emulator,
    EmulatorCookieJar,
    Env,
    MockRouter,
    SessionConfig,
    TimeTravel,
)


async def test_typed(
    cf_emulator: Emulator,
    cf_env: Env,
    cf_kv: KVNamespace,
    cf_d1: D1Database,
    cf_time: TimeTravel,
    cf_cookies: EmulatorCookieJar,
    cf_cookie_jar_factory: type[EmulatorCookieJar],
    cf_session_backend: Backend,
    cf_session_config: SessionConfig,
    cf_client: ClientFactory,
    cf_api: MockRouter,
) -> None:
    cache: KVNamespace = cf_env.kv("SESSIONS")
    db: D1Database = cf_env.d1("DB")
    await cache.put("k", "v")
    row = await db.prepare("SELECT 1 AS one").first()
    assert row == {"one": 1}
    cf_time.shift(60)
"""

BAD = """\
from emulator import KVNamespace
from pytest_plugin import Env


def test_mixed_up(cf_env: Env) -> None:
    cache: KVNamespace = cf_env.d1("DB")
    assert cache
"""


def test_mypy_strict_checks_a_downstream_test_file(tmp_path: Path) -> None:
    (tmp_path / "test_good.py").write_text(GOOD, "utf-8")
    (tmp_path / "test_bad.py").write_text(BAD, "utf-8")
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--no-color-output"]
    run = subprocess.run(
        [*mypy, "--cache-dir", str(tmp_path / ".mypy_cache"), "test_good.py", "test_bad.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.stdout.splitlines() == [
        "test_bad.py:6: error: Incompatible types in assignment (expression has type "
        '"D1Database", variable has type "KVNamespace")  [assignment]'
    ], run.stdout + run.stderr
    assert run.returncode == 1
