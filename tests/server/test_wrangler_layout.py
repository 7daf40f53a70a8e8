"""Wrangler's state layout (.wrangler/state/v3): file names, and interop with real wrangler.

The interop test runs the real ``wrangler`` CLI (``--local``) when it is available: set
``WRANGLER_BIN`` to its executable, or put ``wrangler`` on ``PATH``. It is skipped
otherwise, and fails instead under ``CI=true`` where npm exists; it needs no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from emulator import Emulator, ManualClock, SystemClock
from emulator.kv.results import KVEntry
from emulator.server.wrangler_layout import (
    WranglerLayout,
    durable_object_id_from_name,
    is_wrangler_state,
    wrangler_root,
)
from emulator.wrangler import load_wrangler_config
from tests.server.helpers import START

KV_ID = "0123456789abcdef0123456789abcdef"
D1_ID = "11111111-2222-3333-4444-555555555555"
# File names observed after `wrangler kv key put --local` / `wrangler d1 execute --local`
# (wrangler 4.86, Miniflare 4.20260426) with the ids above.
KV_FILE = "8261cfe8323dd703d3e553434db498fec63d9a7e7ae8a23f047ef589d503196c"
D1_FILE = "f023adf8de81e80d62670e09f086149af129cccda34c51f26517069258c53e8c"

WRANGLER_TOML = f"""
name = "interop"
main = "index.js"
compatibility_date = "2025-01-01"

[[kv_namespaces]]
binding = "KV"
id = "{KV_ID}"

[[d1_databases]]
binding = "DB"
database_name = "interop-db"
database_id = "{D1_ID}"
"""


def test_durable_object_ids_are_derived_as_workerd_does() -> None:
    assert durable_object_id_from_name("miniflare-KVNamespaceObject", KV_ID) == KV_FILE
    assert durable_object_id_from_name("miniflare-D1DatabaseObject", D1_ID) == D1_FILE


def test_file_paths_follow_miniflare(tmp_path: Path) -> None:
    layout = WranglerLayout(tmp_path / "v3")
    assert layout.kv_database(KV_ID) == (
        tmp_path / "v3/kv/miniflare-KVNamespaceObject" / f"{KV_FILE}.sqlite"
    )
    assert layout.kv_blobs(KV_ID) == tmp_path / "v3/kv" / KV_ID / "blobs"
    assert layout.d1_database(D1_ID) == (
        tmp_path / "v3/d1/miniflare-D1DatabaseObject" / f"{D1_FILE}.sqlite"
    )
    with pytest.raises(ValueError, match="invalid binding id"):
        layout.kv_blobs("../../etc")


def test_the_state_folder_is_wranglers_persist_folder_or_v3_itself(tmp_path: Path) -> None:
    assert wrangler_root(tmp_path / ".wrangler/state") == tmp_path / ".wrangler/state/v3"
    assert wrangler_root(tmp_path / "v3") == tmp_path / "v3"
    assert not is_wrangler_state(tmp_path)
    assert is_wrangler_state(tmp_path / ".wrangler" / "state")  # even before wrangler ran
    (tmp_path / "v3").mkdir()
    assert is_wrangler_state(tmp_path)
    assert is_wrangler_state(tmp_path / "v3")


def test_kv_state_survives_a_restart_in_wranglers_layout(tmp_path: Path) -> None:
    layout = WranglerLayout(tmp_path / "v3")
    clock = ManualClock(start=START)
    with Emulator(layout=layout, clock=clock) as emu:
        emu.bind("kv", "KV", KV_ID).seed({"k": "v"}, metadata={"m": 1})  # type: ignore[union-attr]
    assert layout.kv_database(KV_ID).exists()
    assert (tmp_path / "v3" / "emulator.json").exists()
    with Emulator(layout=WranglerLayout(tmp_path / "v3"), clock=clock) as again:
        assert again.kv_namespace(KV_ID).entry("k") == KVEntry(b"v", {"m": 1}, None)


def test_deleting_a_namespace_removes_its_files(tmp_path: Path) -> None:
    layout = WranglerLayout(tmp_path / "v3")
    with Emulator(layout=layout) as emu:
        emu.kv("KV", id=KV_ID).seed({"k": "v"})
        emu.delete_resource("kv", KV_ID)
    assert not layout.kv_database(KV_ID).exists()
    assert not (tmp_path / "v3/kv" / KV_ID).exists()


def wrangler_bin() -> str | None:
    return os.environ.get("WRANGLER_BIN") or shutil.which("wrangler")


@pytest.fixture
def wrangler(tmp_path: Path) -> Path:
    """A project folder for the real wrangler CLI.

    Skipped when wrangler is not installed, except under CI (``CI=true``) on a machine with
    npm, where .ci/run installs it: there a missing wrangler is a failure, not a skip.
    """
    if shutil.which("node") is None or wrangler_bin() is None:
        if os.environ.get("CI") == "true" and shutil.which("npm") is not None:
            pytest.fail("CI=true and npm exists, but wrangler is not installed (WRANGLER_BIN)")
        pytest.skip("the real wrangler CLI is not installed (set WRANGLER_BIN)")
    (tmp_path / "wrangler.toml").write_text(WRANGLER_TOML)
    (tmp_path / "index.js").write_text("export default { fetch() { return new Response(); } };")
    return tmp_path


def run_wrangler(project: Path, *args: str) -> str:
    binary = wrangler_bin()
    assert binary is not None
    env = {
        **os.environ,
        "WRANGLER_SEND_METRICS": "false",
        "XDG_CONFIG_HOME": str(project / ".config"),
        "NO_COLOR": "1",
    }
    result = subprocess.run(
        [binary, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


async def test_state_is_shared_with_the_real_wrangler_cli_both_ways(wrangler: Path) -> None:
    run_wrangler(
        wrangler,
        "kv",
        "key",
        "put",
        "--local",
        "--binding",
        "KV",
        "from/wrangler",
        "wrangler value",
        "--metadata",
        '{"by":"wrangler"}',
    )
    run_wrangler(
        wrangler,
        "d1",
        "execute",
        "DB",
        "--local",
        "--command",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO t VALUES (1, 'wrangler');",
    )
    state = wrangler / ".wrangler" / "state" / "v3"
    config = load_wrangler_config(wrangler / "wrangler.toml")
    with Emulator(layout=WranglerLayout(state), clock=SystemClock()) as emu:
        config.apply(emu)
        kv = emu.kv("KV")
        assert kv.entry("from/wrangler") == KVEntry(b"wrangler value", {"by": "wrangler"}, None)
        kv.seed({"from/python": "python value"}, metadata={"by": "python"})
        db = emu.d1("DB")
        [read] = await db.query("SELECT id, note FROM t")
        assert read.results == [{"id": 1, "note": "wrangler"}]
        await db.query("INSERT INTO t VALUES (?, ?)", [2, "python"])
    got = run_wrangler(wrangler, "kv", "key", "get", "--local", "--binding", "KV", "from/python")
    assert got.strip().endswith("python value")
    listed = run_wrangler(wrangler, "kv", "key", "list", "--local", "--binding", "KV")
    names = [entry["name"] for entry in json.loads(listed[listed.index("[") :])]
    assert names == ["from/python", "from/wrangler"]
    out = run_wrangler(
        wrangler,
        "d1",
        "execute",
        "DB",
        "--local",
        "--json",
        "--command",
        "SELECT note FROM t ORDER BY id",
    )
    [result] = json.loads(out)
    assert [row["note"] for row in result["results"]] == ["wrangler", "python"]
