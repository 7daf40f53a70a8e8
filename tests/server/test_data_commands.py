"""The data commands (``python -m emulator kv|d1 ...``), as subprocesses, on both targets.

One behaviour suite, run twice: on a bare state folder (the command opens the files) and on
a folder a running ``serve`` owns (the command goes through the server's REST API, which
its access log shows). What a command writes is read back the other way - by a server
started afterwards on the folder, or by opening the folder once the server stopped - and
what the other way wrote is read by the commands.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cloudflare import Cloudflare

from emulator import Emulator
from emulator.server import create_app
from tests.server.helpers import LiveServer
from tests.server.processes import Serve, run_command

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

KV_ID = "0123456789abcdef0123456789abcdef"
D1_ID = "11111111-2222-3333-4444-555555555555"
ACCOUNT = "any"
CONFIG = f"""
[[kv_namespaces]]
binding = "CACHE"
id = "{KV_ID}"

[[d1_databases]]
binding = "DB"
database_name = "notes-db"
database_id = "{D1_ID}"
"""


def sdk(url: str) -> Cloudflare:
    return Cloudflare(api_token="any", base_url=url, max_retries=0)


class Target:
    """The state the commands run on: a bare folder, or one a running server owns."""

    def __init__(self, kind: str, cwd: Path, servers: list[Serve]) -> None:
        self.kind = kind
        self.cwd = cwd
        self.servers = servers
        self.server: Serve | None = None
        (cwd / "wrangler.toml").write_text(CONFIG)
        if kind == "server":
            self.server = Serve("--port", "0", "--persist-to", "data", *self._config(), cwd=cwd)
            servers.append(self.server)

    def _config(self) -> tuple[str, ...]:
        return ("--config", "wrangler.toml")

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a data command on this target."""
        return run_command(*args, "--persist-to", "data", cwd=self.cwd)

    def ok(self, *args: str) -> str:
        result = self.cli(*args)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        return result.stdout

    @contextmanager
    def before(self) -> Iterator[Cloudflare]:
        """The SDK on the state, before the commands run: the running server, or an
        in-process server on the folder, closed (and the folder freed) afterwards."""
        if self.server is not None:
            yield sdk(self.server.url)
            return
        with self._in_process() as cf:
            yield cf

    @contextmanager
    def after(self) -> Iterator[Cloudflare]:
        """The SDK reading back the other way: a server started now on the folder; or,
        once the owning server stopped, the folder opened in-process."""
        if self.server is not None:
            assert self.server.stop(signal.SIGTERM) == 0
            with self._in_process() as cf:
                yield cf
            return
        reader = Serve("--port", "0", "--persist-to", "data", *self._config(), cwd=self.cwd)
        self.servers.append(reader)
        yield sdk(reader.url)
        reader.stop(signal.SIGTERM)

    @contextmanager
    def _in_process(self) -> Iterator[Cloudflare]:
        with Emulator(persist_to=self.cwd / "data") as emu:
            emu.bind("kv", "CACHE", KV_ID)
            emu.bind("d1", "DB", D1_ID, title="notes-db")
            with LiveServer(create_app(emu)) as live:
                yield sdk(f"{live.url}/client/v4")

    def served(self, request_line: str) -> None:
        """With a server, check that the commands' requests went through it."""
        if self.server is not None:
            assert f" {request_line}" in self.server.stderr(), self.server.stderr()


@pytest.fixture(params=["folder", "server"])
def target(request: pytest.FixtureRequest, tmp_path: Path, servers: list[Serve]) -> Target:
    return Target(request.param, tmp_path, servers)


def test_kv_key_put_get_list_delete(target: Target) -> None:
    assert target.ok(
        "kv",
        "key",
        "put",
        "--binding",
        "CACHE",
        "user:1",
        "ada",
        "--metadata",
        '{"v":1}',
        "--expiration",
        "2000000000",
    ) == (
        'Writing the value "ada" to key "user:1" on namespace binding: "CACHE" '
        f'(id: "{KV_ID}") with metadata "{{"v":1}}".\n'
    )
    (target.cwd / "photo.bin").write_bytes(b"\x00\xffbinary")
    assert (
        target.ok("kv", "key", "put", "--namespace-id", KV_ID, "photo", "--path", "photo.bin")
        == f'Writing the contents of photo.bin to the key "photo" on namespace id: "{KV_ID}".\n'
    )
    assert target.ok("kv", "key", "get", "--binding", "CACHE", "user:1") == "ada"
    assert target.ok("kv", "key", "get", "--binding", "CACHE", "user:1", "--text") == "ada\n"
    # Raw bytes on stdout, nothing added: `> file` keeps the value exact.
    command = ["kv", "key", "get", "--binding", "CACHE", "photo", "--persist-to", "data"]
    binary = subprocess.run(
        [sys.executable, "-m", "emulator", *command],
        cwd=target.cwd,
        capture_output=True,
        timeout=60,
    )
    assert (binary.returncode, binary.stdout) == (0, b"\x00\xffbinary")
    assert target.ok("kv", "key", "get", "--binding", "CACHE", "nope") == "Value not found\n"
    assert json.loads(target.ok("kv", "key", "list", "--binding", "CACHE")) == [
        {"name": "photo"},
        {"name": "user:1", "expiration": 2000000000, "metadata": {"v": 1}},
    ]
    assert json.loads(target.ok("kv", "key", "list", "--binding", "CACHE", "--prefix", "us")) == [
        {"name": "user:1", "expiration": 2000000000, "metadata": {"v": 1}}
    ]
    target.served(f"PUT /client/v4/accounts/local/storage/kv/namespaces/{KV_ID}/values/user%3A1")
    with target.after() as cf:
        value = cf.kv.namespaces.values.get("photo", account_id=ACCOUNT, namespace_id=KV_ID)
        assert value.read() == b"\x00\xffbinary"
        meta = cf.kv.namespaces.metadata.get("user:1", account_id=ACCOUNT, namespace_id=KV_ID)
        assert meta == {"v": 1}


def test_kv_key_delete_and_values_written_the_other_way(target: Target) -> None:
    with target.before() as cf:
        cf.kv.namespaces.values.update(
            "seeded", account_id=ACCOUNT, namespace_id=KV_ID, value=b"from the SDK"
        )
    assert target.ok("kv", "key", "get", "--binding", "CACHE", "seeded") == "from the SDK"
    assert target.ok("kv", "key", "delete", "--binding", "CACHE", "seeded") == (
        f'Deleting the key "seeded" on namespace binding: "CACHE" (id: "{KV_ID}").\n'
    )
    with target.after() as cf:
        assert list(cf.kv.namespaces.keys.list(KV_ID, account_id=ACCOUNT)) == []


def test_kv_bulk_put_and_delete_from_files(target: Target) -> None:
    pairs = [
        {"key": "a", "value": "1"},
        {"key": "b", "value": "aGk=", "base64": True},
        {"key": "c", "value": "3", "metadata": {"m": True}},
    ]
    (target.cwd / "pairs.json").write_text(json.dumps(pairs))
    (target.cwd / "gone.json").write_text('["a", "zzz"]')
    assert target.ok("kv", "bulk", "put", "pairs.json", "--binding", "CACHE") == "Success!\n"
    assert target.ok("kv", "bulk", "delete", "gone.json", "--binding", "CACHE") == "Success!\n"
    target.served(f"PUT /client/v4/accounts/local/storage/kv/namespaces/{KV_ID}/bulk")
    with target.after() as cf:
        names = [k.name for k in cf.kv.namespaces.keys.list(KV_ID, account_id=ACCOUNT)]
        assert names == ["b", "c"]
        got = cf.kv.namespaces.values.get("b", account_id=ACCOUNT, namespace_id=KV_ID)
        assert got.read() == b"hi"


def test_kv_namespace_create_and_list(target: Target) -> None:
    created = target.ok("kv", "namespace", "create", "sessions")
    namespace_id = json.loads(created[created.index("{") :])["kv_namespaces"][0]["id"]
    assert created.startswith('Creating namespace with title "sessions"\nSuccess!\n')
    listed = json.loads(target.ok("kv", "namespace", "list"))
    assert {"id": namespace_id, "title": "sessions", "supports_url_encoding": True} in listed
    assert [ns["title"] for ns in listed] == ["CACHE", "sessions"]
    # A namespace made this way has no binding: --binding finds it by its title.
    target.ok("kv", "key", "put", "--binding", "sessions", "k", "v")
    with target.after() as cf:
        titles = [ns.title for ns in cf.kv.namespaces.list(account_id=ACCOUNT)]
        assert titles == ["CACHE", "sessions"]
        got = cf.kv.namespaces.values.get("k", account_id=ACCOUNT, namespace_id=namespace_id)
        assert got.read() == b"v"


def test_d1_execute_command_file_and_json(target: Target) -> None:
    out = target.ok(
        "d1",
        "execute",
        "DB",
        "--command",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); "
        "INSERT INTO notes (body) VALUES ('first');",
    )
    assert "2 commands executed successfully.\n" in out
    (target.cwd / "more.sql").write_text("INSERT INTO notes (body) VALUES ('second');\n")
    target.ok("d1", "execute", "notes-db", "--file", "more.sql")
    answer = json.loads(
        target.ok("d1", "execute", "DB", "--command", "SELECT id, body FROM notes", "--json")
    )
    assert [(r["results"], r["success"]) for r in answer] == [
        ([{"id": 1, "body": "first"}, {"id": 2, "body": "second"}], True)
    ]
    assert answer[0]["meta"]["rows_read"] == 2
    table = target.ok("d1", "execute", "DB", "--command", "SELECT id, body FROM notes")
    assert table.endswith(
        "1 command executed successfully.\n"
        "┌────┬────────┐\n"
        "│ id │ body   │\n"
        "├────┼────────┤\n"
        "│ 1  │ first  │\n"
        "│ 2  │ second │\n"
        "└────┴────────┘\n"
    )
    target.served(f"POST /client/v4/accounts/local/d1/database/{D1_ID}/query")
    with target.after() as cf:
        [read] = cf.d1.database.query(
            D1_ID, account_id=ACCOUNT, sql="SELECT count(*) AS n FROM notes"
        )
        assert read.results == [{"n": 2}]


def test_d1_errors_are_one_line_or_wranglers_json(target: Target) -> None:
    bad = target.cli("d1", "execute", "DB", "--command", "SELECT * FROM nope")
    assert (bad.returncode, bad.stderr) == (1, "error: no such table: nope: SQLITE_ERROR\n")
    as_json = target.cli("d1", "execute", "DB", "--command", "SELECT * FROM nope", "--json")
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout) == {"error": {"text": "no such table: nope: SQLITE_ERROR"}}
    unknown = target.cli("d1", "execute", "NOPE", "--command", "SELECT 1")
    assert (unknown.returncode, unknown.stderr) == (
        1,
        "error: Couldn't find a D1 DB with the name, binding or id 'NOPE' in your wrangler "
        "config or the state folder.\n",
    )
    missing = target.cli("kv", "key", "get", "--binding", "NOPE", "k")
    assert (missing.returncode, missing.stderr) == (
        1,
        'error: A namespace with binding name "NOPE" was not found in the configured '
        '"kv_namespaces".\n',
    )
    no_file = target.cli("kv", "bulk", "put", "absent.json", "--binding", "CACHE")
    assert (no_file.returncode, no_file.stderr) == (
        1,
        "error: cannot read file absent.json: No such file or directory\n",
    )


def test_d1_export_writes_what_wrangler_writes(target: Target) -> None:
    with target.before() as cf:
        cf.d1.database.query(
            D1_ID,
            account_id=ACCOUNT,
            sql="CREATE TABLE u (id INTEGER PRIMARY KEY AUTOINCREMENT, b BLOB, r REAL, s TEXT, n);"
            "CREATE INDEX u_s ON u(s); CREATE VIEW v AS SELECT id FROM u;"
            "CREATE TRIGGER tr AFTER INSERT ON u BEGIN SELECT 1; END;"
            "INSERT INTO u (b, r, s, n) VALUES (x'00ff10', 1.5, 'it''s\ntwo lines', NULL),"
            "(NULL, 1e300, '', 3), (NULL, 0.1, 'ünï', -7);"
            'CREATE TABLE "we ird" ("a b" TEXT); INSERT INTO "we ird" VALUES (\'x\');',
        )
    assert target.ok("d1", "export", "DB", "--output", "dump.sql").endswith(
        "Exporting SQL to dump.sql...\nDone!\n"
    )
    # Byte for byte what `wrangler d1 export --local` (4.86) wrote for the same database.
    assert (target.cwd / "dump.sql").read_text("utf-8") == (
        "PRAGMA defer_foreign_keys=TRUE;\n"
        "CREATE TABLE u (id INTEGER PRIMARY KEY AUTOINCREMENT, b BLOB, r REAL, s TEXT, n);\n"
        "INSERT INTO \"u\" VALUES(1,X'00ff10',1.5,"
        "replace('it''s\\ntwo lines','\\n',char(10)),NULL);\n"
        "INSERT INTO \"u\" VALUES(2,NULL,1e+300,'',3);\n"
        "INSERT INTO \"u\" VALUES(3,NULL,0.1,'ünï',-7);\n"
        'CREATE TABLE IF NOT EXISTS "we ird" ("a b" TEXT);\n'
        "INSERT INTO \"we ird\" VALUES('x');\n"
        "DELETE FROM sqlite_sequence;\n"
        "INSERT INTO \"sqlite_sequence\" VALUES('u',3);\n"
        "CREATE INDEX u_s ON u(s);\n"
        "CREATE TRIGGER tr AFTER INSERT ON u BEGIN SELECT 1; END;\n"
        "CREATE VIEW v AS SELECT id FROM u;"
    )
    target.ok("d1", "export", "DB", "--output", "rows.sql", "--no-schema", "--table", "u")
    assert (target.cwd / "rows.sql").read_text("utf-8") == (
        "PRAGMA defer_foreign_keys=TRUE;\n"
        "INSERT INTO \"u\" VALUES(1,X'00ff10',1.5,"
        "replace('it''s\\ntwo lines','\\n',char(10)),NULL);\n"
        "INSERT INTO \"u\" VALUES(2,NULL,1e+300,'',3);\n"
        "INSERT INTO \"u\" VALUES(3,NULL,0.1,'ünï',-7);"
    )
    target.served(f"POST /client/v4/accounts/local/d1/database/{D1_ID}/export")


def test_d1_migrations_create_list_apply(target: Target) -> None:
    created = target.ok("d1", "migrations", "create", "DB", "add notes")
    path = target.cwd / "migrations" / "0001_add_notes.sql"
    assert created == (
        "Successfully created Migration '0001_add_notes.sql'!\n\n"
        f"The migration is available for editing here\n{path}\n"
    )
    assert path.read_text().startswith("-- Migration number: 0001 \t ")
    with path.open("a") as sql:
        sql.write("CREATE TABLE notes (body TEXT);\n")
    (target.cwd / "migrations" / "0002_seed.sql").write_text("INSERT INTO notes VALUES ('x');")
    assert target.ok("d1", "migrations", "list", "DB") == (
        "Migrations to be applied:\n"
        "┌────────────────────┐\n"
        "│ Name               │\n"
        "├────────────────────┤\n"
        "│ 0001_add_notes.sql │\n"
        "│ 0002_seed.sql      │\n"
        "└────────────────────┘\n"
    )
    assert target.ok("d1", "migrations", "apply", "DB").endswith(
        "│ 0001_add_notes.sql │ applied │\n│ 0002_seed.sql      │ applied │\n"
        "└────────────────────┴─────────┘\n"
    )
    assert target.ok("d1", "migrations", "list", "DB") == "No migrations to apply!\n"
    (target.cwd / "migrations" / "0003_bad.sql").write_text(
        "INSERT INTO notes VALUES ('half');\nINSERT INTO nope VALUES (1);"
    )
    failed = target.cli("d1", "migrations", "apply", "DB")
    assert (failed.returncode, failed.stderr) == (
        1,
        "error: Migration 0003_bad.sql failed and was rolled back: "
        "no such table: nope: SQLITE_ERROR\n",
    )
    with target.after() as cf:
        [applied] = cf.d1.database.query(
            D1_ID, account_id=ACCOUNT, sql="SELECT name FROM d1_migrations ORDER BY id"
        )
        assert applied.results == [{"name": "0001_add_notes.sql"}, {"name": "0002_seed.sql"}]
        [notes] = cf.d1.database.query(D1_ID, account_id=ACCOUNT, sql="SELECT body FROM notes")
        assert notes.results == [{"body": "x"}]


def test_a_folder_held_by_an_emulator_that_does_not_serve_is_refused(tmp_path: Path) -> None:
    with Emulator(persist_to=tmp_path / "data") as emu:
        result = run_command(
            "kv", "key", "list", "--namespace-id", KV_ID, "--persist-to", "data", cwd=tmp_path
        )
        assert emu.owner_lock is not None
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: data is in use by pid {emu.owner_lock.owner.pid}, ")
    assert result.stderr.endswith(": stop it, or give this one another folder\n")
