"""``python -m emulator d1 ...``: wrangler's local D1 commands, on the emulator's state.

``DB`` is a binding or ``database_name`` of the wrangler config, a binding in the folder's
registry, a database's name, or its id (tried in that order). Output follows
``wrangler d1 ... --local`` (wrangler 4) without its emoji: ``execute --json`` prints the
results array (``[{"results", "success", "meta"}]``) or ``{"error": {"text": ...}}`` with
exit status 1; ``export`` writes the file wrangler writes (it goes through the REST
export API, polling included); ``migrations create|list|apply`` number, list and apply a
``migrations_dir`` as wrangler does, each migration with its ``INSERT INTO d1_migrations``
in one atomic request (a failing one is rolled back, earlier ones stay).

Not done: wrangler's stripping of one ``BEGIN TRANSACTION``/``COMMIT`` pair from
migration files (D1 refuses explicit transactions; ``serve --apply-migrations`` and the
plugin, which apply migrations in-process, do strip it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from emulator.commands.state import (
    CommandError,
    State,
    add_state_arguments,
    load_config,
    open_state,
    path_segment,
    read_input,
    with_state,
)
from emulator.d1.constants import DEFAULT_MIGRATIONS_TABLE, MIGRATIONS_TABLE_SQL
from emulator.d1.migrations import migration_names
from emulator.d1.schema import quote_identifier
from emulator.wrangler import WranglerConfig, WranglerConfigError

__all__ = ["add_commands", "table"]

DATABASES = "d1/database"
_MAX_POLLS = 1000


def add_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``d1 execute|export|migrations ...`` to the top-level parser's subcommands."""
    d1 = commands.add_parser("d1", help="D1 SQL, exports and migrations (like `wrangler d1`)")
    group = d1.add_subparsers(dest="d1_command", required=True, metavar="COMMAND")

    execute = group.add_parser("execute", help="run SQL from --command or --file")
    execute.add_argument("database", metavar="DB", help="binding, name or id of the database")
    source = execute.add_mutually_exclusive_group(required=True)
    source.add_argument("--command", help="SQL, one or more statements separated by ';'")
    source.add_argument("--file", type=Path, help="a .sql file to run")
    execute.add_argument("--json", action="store_true", help="print the results as JSON")
    execute.add_argument("-y", "--yes", action="store_true", help="(never asks anyway)")
    add_state_arguments(execute)
    execute.set_defaults(run=run_execute)

    export = group.add_parser("export", help="write the database as SQL to --output")
    export.add_argument("database", metavar="DB", help="binding, name or id of the database")
    export.add_argument("--output", type=Path, required=True, help="the .sql file to write")
    export.add_argument("--table", action="append", default=[], help="only this table (repeatable)")
    export.add_argument("--no-schema", action="store_true", help="rows only, no CREATE")
    export.add_argument("--no-data", action="store_true", help="CREATE only, no rows")
    add_state_arguments(export)
    export.set_defaults(run=with_state(export_database))

    migrations = group.add_parser("migrations", help="create, list or apply migrations")
    steps = migrations.add_subparsers(dest="migrations_command", required=True, metavar="STEP")
    create = steps.add_parser("create", help="add a numbered, empty migration file")
    create.add_argument("database", metavar="DB", help="binding or name in the config")
    create.add_argument("message", help="what the migration does (becomes its file name)")
    add_state_arguments(create)
    create.set_defaults(run=run_create_migration)
    listing = steps.add_parser("list", help="list the migrations not applied yet")
    listing.add_argument("database", metavar="DB", help="binding, name or id of the database")
    add_state_arguments(listing)
    listing.set_defaults(run=with_state(list_migrations))
    apply = steps.add_parser("apply", help="apply the migrations not applied yet")
    apply.add_argument("database", metavar="DB", help="binding, name or id of the database")
    apply.add_argument("-y", "--yes", action="store_true", help="(never asks anyway)")
    add_state_arguments(apply)
    apply.set_defaults(run=with_state(apply_migrations))


# -- naming the database ----------------------------------------------------------------


def _database(args: argparse.Namespace, state: State) -> tuple[str, str]:
    """The database's id and the name to show, found as the module docstring says."""
    wanted = args.database
    if state.config is not None:
        for db in state.config.d1_databases:
            if wanted in (db.binding, db.database_name):
                return db.local_id, wanted
    bound = state.bindings.get(("d1", wanted))
    if bound is not None:
        return bound, wanted
    for database in _all_databases(state):
        if wanted in (database.get("name"), database.get("uuid")):
            return str(database["uuid"]), wanted
    raise CommandError(
        f"Couldn't find a D1 DB with the name, binding or id '{wanted}' in your wrangler "
        "config or the state folder."
    )


def _all_databases(state: State) -> list[Any]:
    found: list[Any] = []
    page = 1
    while True:
        batch = state.result("GET", DATABASES, query={"page": page, "per_page": 10_000})
        found.extend(batch)
        if len(batch) < 10_000:
            return found
        page += 1


def _where(state: State, args: argparse.Namespace) -> str:
    return state.via or str(args.persist_to)


def _query(state: State, database_id: str, sql: str) -> list[Any]:
    path = f"{DATABASES}/{path_segment(database_id)}/query"
    result: list[Any] = state.result("POST", path, json_body={"sql": sql})
    return result


# -- execute ----------------------------------------------------------------------------


def run_execute(args: argparse.Namespace) -> int:
    """``d1 execute``: with ``--json``, errors are JSON on stdout too (as wrangler's)."""
    if not args.json:
        return with_state(_execute)(args)
    try:
        results = _results(args)
    except CommandError as exc:
        print(json.dumps({"error": {"text": str(exc)}}, indent=2, ensure_ascii=False))
        return 1
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


def _results(args: argparse.Namespace) -> list[Any]:
    with open_state(args) as state:
        database_id, _ = _database(args, state)
        return _query(state, database_id, _sql(args))


def _sql(args: argparse.Namespace) -> str:
    if args.command is not None:
        return str(args.command)
    data = read_input(args.file, "SQL file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandError(f"{args.file} is not UTF-8 text") from None


def _execute(args: argparse.Namespace, state: State) -> None:
    database_id, name = _database(args, state)
    print(f"Executing on local database {name} ({database_id}) from {_where(state, args)}:")
    results = _query(state, database_id, _sql(args))
    count = len(results)
    print(f"{count} command{'' if count == 1 else 's'} executed successfully.")
    for result in results:
        rows = result.get("results") or []
        if rows:
            columns = list(rows[0])
            print(table(columns, [[row.get(col) for col in columns] for row in rows]))


def table(columns: list[str], rows: list[list[Any]]) -> str:
    """A box-drawn table, as wrangler prints results and migrations."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max([len(col), *(len(row[i]) for row in cells)]) for i, col in enumerate(columns)]

    def line(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * (w + 2) for w in widths) + right

    def text(values: list[str]) -> str:
        return "│" + "│".join(f" {v.ljust(w)} " for v, w in zip(values, widths, strict=True)) + "│"

    out = [line("┌", "┬", "┐"), text(columns), line("├", "┼", "┤")]
    out.extend(text(row) for row in cells)
    out.append(line("└", "┴", "┘"))
    return "\n".join(out)


def _cell(value: Any) -> str:
    if value is None:
        return "null"
    return value if isinstance(value, str) else json.dumps(value)


# -- export -----------------------------------------------------------------------------


def export_database(args: argparse.Namespace, state: State) -> None:
    """``d1 export``: the REST export (polled to completion), downloaded to ``--output``."""
    database_id, name = _database(args, state)
    print(f"Exporting local database {name} ({database_id}) from {_where(state, args)}:")
    path = f"{DATABASES}/{path_segment(database_id)}/export"
    options = {"no_data": args.no_data, "no_schema": args.no_schema, "tables": args.table}
    body: dict[str, Any] = {"output_format": "polling", "dump_options": options}
    for _ in range(_MAX_POLLS):
        answer = state.result("POST", path, json_body=body)
        if answer.get("status") == "error":
            raise CommandError(str(answer.get("error")))
        if answer.get("status") == "complete":
            break
        body["current_bookmark"] = answer["at_bookmark"]
    else:
        raise CommandError(f"the export did not complete after {_MAX_POLLS} polls")
    print(f"Exporting SQL to {args.output}...")
    download = state.call("GET", urlsplit(answer["result"]["signed_url"]).path)
    if download.status != 200:
        raise CommandError(f"the export could not be downloaded (HTTP {download.status})")
    try:
        args.output.write_bytes(download.body)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print("Done!")


# -- migrations -------------------------------------------------------------------------


def _migrations_config(args: argparse.Namespace, config: WranglerConfig | None) -> tuple[Path, str]:
    """The migrations folder and tracking table of ``DB`` (config values, else defaults)."""
    if config is not None:
        for db in config.d1_databases:
            if args.database in (db.binding, db.database_name):
                return db.migrations_dir, db.migrations_table or DEFAULT_MIGRATIONS_TABLE
    return Path("migrations"), DEFAULT_MIGRATIONS_TABLE


def run_create_migration(args: argparse.Namespace) -> int:
    """``d1 migrations create DB MESSAGE``: needs no state, only the config."""
    try:
        folder, _ = _migrations_config(args, load_config(args))
        folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group()) for n in migration_names(folder) if (m := re.match(r"\d+", n))]
        number = max(numbers, default=0) + 1
        name = f"{number:04d}_{re.sub(r'[^A-Za-z0-9_.-]+', '_', args.message)}.sql"
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        (folder / name).write_text(f"-- Migration number: {number:04d} \t {stamp}\n", "utf-8")
    except (CommandError, WranglerConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Successfully created Migration '{name}'!")
    print()
    print("The migration is available for editing here")
    print((folder / name).resolve())
    return 0


def _pending(args: argparse.Namespace, state: State) -> tuple[str, Path, str, list[str]]:
    database_id, _ = _database(args, state)
    folder, table_name = _migrations_config(args, state.config)
    try:
        names = migration_names(folder)
    except FileNotFoundError:
        raise CommandError(
            f"No migrations present at {folder}: create one with "
            f"`d1 migrations create {args.database} NAME`"
        ) from None
    _query(state, database_id, MIGRATIONS_TABLE_SQL.format(quote_identifier(table_name)))
    [applied] = _query(state, database_id, f"SELECT name FROM {quote_identifier(table_name)}")
    done = {row["name"] for row in applied["results"]}
    return database_id, folder, table_name, [name for name in names if name not in done]


def _announce(pending: list[str], heading: str) -> bool:
    """Print what is pending (wrangler's words); tell whether anything is."""
    if not pending:
        print("No migrations to apply!")
        return False
    print("Migrations to be applied:")
    print(table([heading], [[name] for name in pending]))
    return True


def list_migrations(args: argparse.Namespace, state: State) -> None:
    """``d1 migrations list DB``: the migrations not applied yet."""
    _announce(_pending(args, state)[3], "Name")


def apply_migrations(args: argparse.Namespace, state: State) -> None:
    """``d1 migrations apply DB``: each pending file and its record, atomically."""
    database_id, folder, table_name, pending = _pending(args, state)
    if not _announce(pending, "name"):  # wrangler's apply heads the column in lower case
        return
    statuses: list[list[str]] = []
    for name in pending:
        sql = read_input(folder / name, "migration").decode("utf-8", "replace")
        record = name.replace("'", "''")
        sql += f"\nINSERT INTO {quote_identifier(table_name)} (name) values ('{record}');"
        try:
            _query(state, database_id, sql)
        except CommandError as exc:
            statuses.append([name, "failed"])
            print(table(["name", "status"], statuses))
            raise CommandError(f"Migration {name} failed and was rolled back: {exc}") from None
        statuses.append([name, "applied"])
    print(table(["name", "status"], statuses))
