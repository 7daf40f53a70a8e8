"""One owner per state folder, checked with real processes (and a real ``wrangler dev``)."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from emulator import Emulator, FolderInUseError
from emulator.ownership import LOCK_FILE, read_owner
from tests.server.processes import READY_TIMEOUT, Serve, run_command, serve_folder

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def origin(server: Serve) -> str:
    return server.url.removesuffix("/client/v4")


def test_a_second_server_on_the_same_folder_refuses_naming_the_owner(
    tmp_path: Path, servers: list[Serve]
) -> None:
    data = tmp_path / "data"
    first = serve_folder(data, tmp_path, servers)
    second = run_command("serve", "--port", "0", "--persist-to", str(data), cwd=tmp_path)
    assert second.returncode == 2
    assert second.stderr == (
        f"error: {data} is in use by pid {first.process.pid}, serving {origin(first)}: "
        "stop it, or give this one another folder\n"
    )
    assert second.stdout == ""


def test_an_emulator_in_another_process_refuses_too_and_the_lock_dies_with_its_owner(
    tmp_path: Path, servers: list[Serve]
) -> None:
    data = tmp_path / "data"
    server = serve_folder(data, tmp_path, servers)
    with pytest.raises(FolderInUseError) as refused:
        Emulator(persist_to=data)
    assert str(refused.value) == (
        f"{data} is in use by pid {server.process.pid}, serving {origin(server)}: "
        "stop it, or give this one another folder"
    )
    owner = refused.value.owner
    assert owner is not None
    assert (owner.pid, owner.url) == (server.process.pid, origin(server))
    # SIGKILL leaves the lock file behind, but the OS released the lock itself.
    assert server.stop(signal.SIGKILL) == -signal.SIGKILL
    assert (data / LOCK_FILE).exists()
    assert read_owner(data) is None
    with Emulator(persist_to=data) as emu:
        assert emu.owner_lock is not None
        assert emu.owner_lock.owner.pid == os.getpid()


def test_a_server_refuses_a_folder_an_emulator_in_another_process_holds(tmp_path: Path) -> None:
    data = tmp_path / "data"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from emulator import Emulator; e = Emulator(persist_to=sys.argv[1]); "
            "print('held', flush=True); sys.stdin.read()",
            str(data),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"  # readiness, not a sleep
        refused = run_command("serve", "--port", "0", "--persist-to", str(data), cwd=tmp_path)
        assert refused.returncode == 2
        assert refused.stderr == (
            f"error: {data} is in use by pid {holder.pid}, python: "
            "stop it, or give this one another folder\n"
        )
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=READY_TIMEOUT)
        holder.stdout.close()  # type: ignore[union-attr]


def test_two_emulators_in_one_process_refuse_each_other_until_the_first_closes(
    tmp_path: Path,
) -> None:
    first = Emulator(persist_to=tmp_path)
    try:
        with pytest.raises(FolderInUseError, match=rf"in use by pid {os.getpid()}, "):
            Emulator(persist_to=tmp_path)
        first.kv("CACHE")
    finally:
        first.close()
    with Emulator(persist_to=tmp_path) as second:
        assert second.binding_names() == ["CACHE"]


def test_an_in_memory_emulator_takes_no_lock() -> None:
    with Emulator() as one, Emulator() as two:
        assert one.owner_lock is None
        assert two.owner_lock is None


def test_a_corrupt_registry_releases_the_lock_it_took(tmp_path: Path) -> None:
    (tmp_path / "emulator.json").write_text("{")
    with pytest.raises(ValueError, match="is not a valid emulator registry"):
        Emulator(persist_to=tmp_path)
    assert read_owner(tmp_path) is None


def wrangler_bin() -> str | None:
    import shutil

    return os.environ.get("WRANGLER_BIN") or shutil.which("wrangler")


WORKER = """export default {
  async fetch(request, env) {
    await env.KV.put("from-dev", "x");
    return new Response(String(await env.KV.get("from-dev")));
  },
};
"""


def test_serve_refuses_the_state_of_a_running_wrangler_dev(
    tmp_path: Path, servers: list[Serve]
) -> None:
    """wrangler keeps no lock file; workerd holds SQLite's WAL locks while it runs."""
    import shutil
    import urllib.request

    binary = wrangler_bin()
    if shutil.which("node") is None or binary is None:
        pytest.skip("the real wrangler CLI is not installed (set WRANGLER_BIN)")
    (tmp_path / "wrangler.toml").write_text(
        'name = "lock-probe"\nmain = "index.js"\ncompatibility_date = "2025-01-01"\n'
        '[[kv_namespaces]]\nbinding = "KV"\nid = "0123456789abcdef0123456789abcdef"\n'
    )
    (tmp_path / "index.js").write_text(WORKER)
    env = {**os.environ, "WRANGLER_SEND_METRICS": "false", "NO_COLOR": "1", "CI": "1"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / ".config")
    dev = subprocess.Popen(
        [binary, "dev", "--ip", "127.0.0.1", "--port", "0", "--show-interactive-dev-session=false"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert dev.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in dev.stdout], daemon=True).start()
        url = None
        while url is None:  # readiness: wrangler prints "Ready on http://..."
            found = re.search(r"Ready on (http://\S+)", lines.get(timeout=120))
            url = found.group(1) if found else None
        with urllib.request.urlopen(url, timeout=READY_TIMEOUT) as answer:
            assert answer.read() == b"x"  # its KV database is open now
        state = tmp_path / ".wrangler" / "state"
        refused = run_command("serve", "--port", "0", "--persist-to", str(state), cwd=tmp_path)
        assert refused.returncode == 2
        assert re.fullmatch(
            rf"error: {re.escape(str(state / 'v3'))} is in use by pid \d+ \(workerd: a running "
            r"`wrangler dev`\)(, pid \d+ \(workerd: a running `wrangler dev`\))*: stop it, or "
            r"give this one another folder\n",
            refused.stderr,
        ), refused.stderr
    finally:
        os.killpg(dev.pid, signal.SIGTERM)
        dev.wait(timeout=READY_TIMEOUT)
        if dev.stdout is not None:
            dev.stdout.close()
    # Once wrangler dev is gone, the folder is free again.
    after = Serve("--port", "0", "--persist-to", str(state), cwd=tmp_path)
    servers.append(after)
    assert "(wrangler's layout)" in "\n".join(after.banner())
