"""``python -m emulator serve``: the README's command, run as a real process.

Readiness is read from the server's first stdout line (no fixed sleep); durability is
checked by SIGKILL-ing the server right after acknowledged writes and restarting it.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cloudflare import Cloudflare

from emulator.commands import build_parser
from emulator.core import EmulatorLayout
from emulator.server import OffsetClock
from emulator.server.cli import READY_PREFIX
from emulator.server.startup import apply_config_migrations, choose_layout, open_emulator
from emulator.server.wrangler_layout import WranglerLayout
from emulator.wrangler import load_wrangler_config
from tests.server.helpers import ACCOUNT
from tests.server.processes import READY_TIMEOUT, Serve, run_command, serve_folder

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def sdk(url: str, token: str = "any") -> Cloudflare:
    return Cloudflare(api_token=token, base_url=url, max_retries=0)


def test_every_acknowledged_write_survives_sigkill_and_a_restart(
    tmp_path: Path, servers: list[Serve]
) -> None:
    data = tmp_path / "data"
    first = serve_folder(data, tmp_path, servers)
    cf = sdk(first.url)
    namespace = cf.kv.namespaces.create(account_id=ACCOUNT, title="durable")
    written = {f"key-{i}": f"value-{i}".encode() for i in range(25)}
    for key, value in written.items():
        cf.kv.namespaces.values.update(
            key, account_id=ACCOUNT, namespace_id=namespace.id, value=value, metadata={"i": key}
        )
    cf.kv.namespaces.bulk_update(
        namespace.id, account_id=ACCOUNT, body=[{"key": "bulk", "value": "in one request"}]
    )
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL

    second = Serve("--port", "0", "--persist-to", str(data), cwd=tmp_path)
    servers.append(second)
    assert any(f"id={namespace.id}" in line for line in second.banner())
    cf = sdk(second.url)
    assert cf.kv.namespaces.get(namespace.id, account_id=ACCOUNT).title == "durable"
    for key, value in written.items():
        got = cf.kv.namespaces.values.get(key, account_id=ACCOUNT, namespace_id=namespace.id)
        assert got.read() == value
        meta = cf.kv.namespaces.metadata.get(key, account_id=ACCOUNT, namespace_id=namespace.id)
        assert meta == {"i": key}
    bulk = cf.kv.namespaces.values.get("bulk", account_id=ACCOUNT, namespace_id=namespace.id)
    assert bulk.read() == b"in one request"


def test_readiness_is_the_first_line_then_it_logs_requests_and_stops_on_sigterm(
    tmp_path: Path, servers: list[Serve]
) -> None:
    server = Serve("--port", "0", cwd=tmp_path)
    servers.append(server)
    # The readiness signal is the very first line: nothing a client waits on comes before.
    assert server.output[0].startswith(READY_PREFIX)
    assert server.url.startswith("http://127.0.0.1:")
    assert server.url.endswith("/client/v4")
    banner = "\n".join(server.banner())
    assert "state: in memory (gone when the server stops)" in banner
    assert "auth: any token accepted" in banner
    assert "  inspector: open http://127.0.0.1:" in banner
    list(sdk(server.url).kv.namespaces.list(account_id=ACCOUNT))
    assert server.stop(signal.SIGTERM) == 0
    assert server.rest() == "Stopped."
    [line] = server.stderr().splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
        r"GET /client/v4/accounts/test-account/storage/kv/namespaces 200 \d+\.\dms",
        line,
    ), line


def test_sigint_stops_it_cleanly_too(tmp_path: Path, servers: list[Serve]) -> None:
    server = Serve("--port", "0", "--persist-to", str(tmp_path / "d"), cwd=tmp_path)
    servers.append(server)
    server.banner()
    assert server.stop(signal.SIGINT) == 0
    assert server.rest() == "Stopped; every acknowledged write is on disk."


def test_config_ids_are_the_ids_in_api_paths_and_a_token_is_enforced(
    tmp_path: Path, servers: list[Serve]
) -> None:
    (tmp_path / "wrangler.toml").write_text(
        '[[kv_namespaces]]\nbinding = "SESSIONS"\nid = "0123456789abcdef0123456789abcdef"\n'
    )
    server = Serve(
        "--port", "0", "--config", "wrangler.toml", "--api-token", "s3cret", cwd=tmp_path
    )
    servers.append(server)
    banner = "\n".join(server.banner())
    assert "KV namespace 'SESSIONS' id=0123456789abcdef0123456789abcdef binding=SESSIONS" in banner
    assert "auth: Bearer token required" in banner
    cf = sdk(server.url, token="s3cret")
    cf.kv.namespaces.values.update(
        "k", account_id=ACCOUNT, namespace_id="0123456789abcdef0123456789abcdef", value=b"v"
    )
    from cloudflare import AuthenticationError

    with pytest.raises(AuthenticationError):
        list(sdk(server.url, token="wrong").kv.namespaces.list(account_id=ACCOUNT))


def test_listening_on_every_interface_warns_loudly(tmp_path: Path, servers: list[Serve]) -> None:
    server = Serve("--host", "0.0.0.0", "--port", "0", cwd=tmp_path)
    servers.append(server)
    assert server.url.startswith("http://0.0.0.0:")
    assert server.stop(signal.SIGTERM) == 0
    assert (
        "WARNING: listening on 0.0.0.0: anyone who can reach this machine can read and change "
        "the emulator's data. Pass --api-token TOKEN to require a token."
    ) in server.stderr()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--config", "missing.toml"], "error: cannot read wrangler config missing.toml"),
        (["--config", "bad.toml"], "error: bad.toml is not valid"),
    ],
)
def test_a_bad_config_stops_it_before_listening(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "bad.toml").write_text("kv_namespaces = [")
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "serve", "--port", "0", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=READY_TIMEOUT,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert READY_PREFIX not in result.stdout


def test_a_taken_port_is_reported(tmp_path: Path, servers: list[Serve]) -> None:
    server = Serve("--port", "0", cwd=tmp_path)
    servers.append(server)
    port = server.url.split(":")[2].split("/")[0]
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "serve", "--port", port],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=READY_TIMEOUT,
    )
    assert result.returncode == 2
    assert f"error: cannot listen on 127.0.0.1:{port}" in result.stderr


def test_the_parser_has_the_documented_defaults() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.persist_to, args.config, args.layout) == (
        "127.0.0.1",
        8787,
        None,
        None,
        "auto",
    )


def test_layouts_are_chosen_from_the_folder_or_the_flag(tmp_path: Path) -> None:
    assert choose_layout(None, "auto") is None
    own = choose_layout(tmp_path / "data", "auto")
    assert isinstance(own, EmulatorLayout)
    assert own.root == tmp_path / "data"
    state = tmp_path / ".wrangler" / "state"
    (state / "v3").mkdir(parents=True)
    detected = choose_layout(state, "auto")
    assert isinstance(detected, WranglerLayout)
    assert detected.root == state / "v3"
    assert isinstance(choose_layout(state / "v3", "auto"), WranglerLayout)
    assert isinstance(choose_layout(state, "emulator"), EmulatorLayout)
    forced = choose_layout(None, "wrangler")
    assert isinstance(forced, WranglerLayout)
    assert forced.root == Path(".wrangler/state/v3")


def test_open_emulator_records_migrations_in_the_configs_migrations_table(
    tmp_path: Path,
) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_init.sql").write_text("CREATE TABLE notes (id INTEGER);")
    (tmp_path / "wrangler.toml").write_text(
        '[[d1_databases]]\nbinding = "DB"\ndatabase_id = "db-1"\n'
        'migrations_table = "schema_history"\n'
    )
    config = load_wrangler_config(tmp_path / "wrangler.toml")
    emu = open_emulator(None, config=config)
    try:
        apply_config_migrations(emu, config)
        tables = emu.d1("DB").sqlite_utils.table_names()
        assert "schema_history" in tables
        assert "d1_migrations" not in tables
        rows = list(emu.d1("DB").sqlite_utils["schema_history"].rows)
        assert [row["name"] for row in rows] == ["0001_init.sql"]
    finally:
        emu.close()


def test_open_emulator_binds_the_config_and_applies_migrations(tmp_path: Path) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_init.sql").write_text("CREATE TABLE notes (id INTEGER);")
    (tmp_path / "wrangler.toml").write_text(
        '[[d1_databases]]\nbinding = "DB"\ndatabase_name = "notes-db"\n'
        'database_id = "11111111-2222-3333-4444-555555555555"\n'
        '[env.dev]\nd1_databases = [{ binding = "DB", database_name = "dev-db" }]\n'
    )
    config = load_wrangler_config(tmp_path / "wrangler.toml")
    emu = open_emulator(None, config=config)
    try:
        apply_config_migrations(emu, config)
        db = emu.d1("DB")
        assert db.id == "11111111-2222-3333-4444-555555555555"
        assert "notes" in db.sqlite_utils.table_names()
        assert isinstance(emu.clock, OffsetClock)
    finally:
        emu.close()
    dev = load_wrangler_config(tmp_path / "wrangler.toml", env="dev")
    untouched = open_emulator(None, config=dev)
    try:
        assert untouched.d1("DB").id == "DB"
        assert untouched.resource("d1", "DB").title == "dev-db"  # type: ignore[union-attr]
        assert "notes" not in untouched.d1("DB").sqlite_utils.table_names()
    finally:
        untouched.close()


def test_version_names_the_distribution(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = run_command("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (
        0,
        f"cf-kv-d1-emulator {version('cf-kv-d1-emulator')}\n",
    )


def test_the_console_script_is_the_same_command_line(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("cf-emulator")
    assert script.exists(), "pip install -e . installs the cf-emulator console script"
    result = subprocess.run(
        [str(script), "kv", "key", "list", "--namespace-id", "nope", "--persist-to", "d"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=READY_TIMEOUT,
    )
    assert (result.returncode, result.stderr) == (1, "error: namespace not found\n")


def test_help_shows_the_defaults(tmp_path: Path) -> None:
    serve = " ".join(run_command("serve", "--help", cwd=tmp_path).stdout.split())
    assert "--host HOST interface to listen on (default: 127.0.0.1)" in serve
    assert "--port PORT port; 0 picks a free one (default: 8787)" in serve
    assert "(default: auto)" in serve
    commands = " ".join(run_command("kv", "key", "put", "--help", cwd=tmp_path).stdout.split())
    assert "the state folder, as given to `serve --persist-to` (default: .wrangler/state)" in (
        commands
    )


def test_a_usage_mistake_is_one_line(tmp_path: Path) -> None:
    result = run_command("kv", "key", "put", "k", "v", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        2,
        "python -m emulator kv key put: error: one of the arguments --binding --namespace-id "
        "is required (see --help)\n",
    )
