"""``--cf-target=remote``: the same downstream suite on ``emulator.remote``.

With the remote target, ``cf_env``, ``cf_kv``, ``cf_d1``, ``cf_session_config`` and
``cf_client`` run on remote bindings: Cloudflare's REST API (credentials from
``CLOUDFLARE_ACCOUNT_ID`` / ``CLOUDFLARE_API_TOKEN``), or a ``python -m emulator serve``
named by ``--cf-remote-base-url``.

- For the test session the plugin creates one KV namespace per KV binding and one D1
  database per D1 binding of ``cf_env`` (titled ``cf-test-<run id>-<binding>``) and
  deletes them when the session ends, even after failures.
- Before each test it empties them (every key deleted; every table and view dropped) and
  applies the wrangler config's migrations again, so each test starts from an empty env,
  as ``cf_emulator`` gives on the emulator target.
- Tests that need the in-process emulator - ``cf_time`` (or its marker), ``cf_emulator``,
  ``cf_api`` - are skipped with the reason: a remote clock cannot be moved from the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from pytest_plugin.options import SETTINGS_KEY, Settings

if TYPE_CHECKING:
    from emulator.remote import RemoteD1Database, RemoteEnv

try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - reported by pytest_collection_modifyitems
    _async_fixture = pytest.fixture  # type: ignore[assignment]

__all__ = [
    "IN_PROCESS_FIXTURES",
    "RemoteResources",
    "cf_remote_env",
    "cf_remote_resources",
    "check_credentials",
    "open_remote_env",
    "remote_resources",
    "skip_in_process_tests",
]

ACCOUNT_ENV = "CLOUDFLARE_ACCOUNT_ID"
TOKEN_ENV = "CLOUDFLARE_API_TOKEN"
#: Fixtures that only exist in-process: their tests skip on the remote target.
IN_PROCESS_FIXTURES = ("cf_time", "cf_emulator", "cf_api")
_SKIP_REASON = (
    "{fixture} needs the in-process emulator; --cf-target=remote runs on a server whose "
    "clock and state the test cannot reach (run it with --cf-target=emulator)"
)


def check_credentials() -> tuple[str, str]:
    """The account id and API token from the environment; ``UsageError`` if missing."""
    account, token = os.environ.get(ACCOUNT_ENV), os.environ.get(TOKEN_ENV)
    missing = [name for name, value in ((ACCOUNT_ENV, account), (TOKEN_ENV, token)) if not value]
    if missing:
        raise pytest.UsageError(
            f"--cf-target=remote needs {' and '.join(missing)} in the environment "
            "(the account and an API token with Workers KV and D1 edit permissions)"
        )
    return str(account), str(token)


def skip_in_process_tests(items: list[pytest.Item]) -> None:
    """Mark tests that use an in-process-only fixture as skipped, with the reason."""
    for item in items:
        names: list[str] = getattr(item, "fixturenames", [])
        used = next((name for name in IN_PROCESS_FIXTURES if name in names), None)
        if used is not None:
            item.add_marker(pytest.mark.skip(reason=_SKIP_REASON.format(fixture=used)))


@dataclass(frozen=True)
class RemoteResources:
    """The namespaces and databases made for one test session, by binding name."""

    account_id: str
    api_token: str
    base_url: str | None
    kv: dict[str, str]
    d1: dict[str, str]


class _Api:
    """A small synchronous client for creating and deleting the session's resources."""

    def __init__(self, account_id: str, api_token: str, base_url: str | None) -> None:
        import httpx

        from emulator.remote.transport import DEFAULT_BASE_URL

        root = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self._client = httpx.Client(
            base_url=f"{root}/accounts/{account_id}",
            headers={"Authorization": f"Bearer {api_token}"},
            timeout=60,
        )

    def call(self, method: str, path: str, **options: Any) -> Any:
        answer = self._client.request(method, path, **options)
        if answer.is_error:
            raise RuntimeError(
                f"{method} {answer.request.url} failed with {answer.status_code}: {answer.text}"
            )
        return answer.json().get("result")

    def close(self) -> None:
        self._client.close()


def remote_resources(settings: Settings) -> Iterator[RemoteResources]:
    """Create the session's namespaces and databases; delete them when resumed."""
    account_id, api_token = check_credentials()
    api = _Api(account_id, api_token, settings.remote_base_url)
    run = uuid.uuid4().hex[:12]
    made = RemoteResources(account_id, api_token, settings.remote_base_url, {}, {})
    try:
        for name in settings.kv_names:
            created = api.call(
                "POST", "/storage/kv/namespaces", json={"title": f"cf-test-{run}-{name}"}
            )
            made.kv[name] = created["id"]
        for name in settings.d1_names:
            created = api.call("POST", "/d1/database", json={"name": f"cf-test-{run}-{name}"})
            made.d1[name] = created["uuid"]
        yield made
    finally:
        for namespace_id in made.kv.values():
            api.call("DELETE", f"/storage/kv/namespaces/{namespace_id}")
        for database_id in made.d1.values():
            api.call("DELETE", f"/d1/database/{database_id}")
        api.close()


async def _empty_kv(env: RemoteEnv, name: str, resources: RemoteResources) -> None:
    from emulator.remote.transport import RemoteFailure, Transport

    kv = env.kv(name)
    keys: list[str] = []
    cursor = None
    while True:
        page = await kv.list(cursor=cursor)
        keys.extend(key.name for key in page.keys)
        if page.list_complete:
            break
        cursor = page.cursor
    if not keys:
        return
    transport = Transport(api_token=resources.api_token, base_url=resources.base_url)
    path = f"accounts/{resources.account_id}/storage/kv/namespaces/{kv.id}/bulk/delete"
    try:
        for start in range(0, len(keys), 10_000):
            answer = await transport.request(
                "POST", path, idempotent=True, json_body=keys[start : start + 10_000]
            )
            if isinstance(answer, RemoteFailure):
                raise RuntimeError(f"emptying KV binding {name!r} failed: {answer}")
    finally:
        await transport.aclose()


_USER_OBJECTS = (
    "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') "
    "AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
)


async def _empty_d1(db: RemoteD1Database) -> None:
    from emulator.d1.schema import quote_identifier

    objects = await db.prepare(_USER_OBJECTS).raw()
    if not objects:
        return
    drops = [
        db.prepare(f"DROP {str(kind).upper()} IF EXISTS {quote_identifier(str(name))}")
        for kind, name in objects
    ]
    await db.batch([db.prepare("PRAGMA defer_foreign_keys = on"), *drops])


async def _migrate(db: RemoteD1Database, folder: Any, table: str | None) -> None:
    from emulator.d1.constants import DEFAULT_MIGRATIONS_TABLE, MIGRATIONS_TABLE_SQL
    from emulator.d1.migrations import migration_names, migration_statements
    from emulator.d1.schema import quote_identifier

    quoted = quote_identifier(table or DEFAULT_MIGRATIONS_TABLE)
    await db.prepare(MIGRATIONS_TABLE_SQL.format(quoted)).run()
    applied = {row[0] for row in await db.prepare(f"SELECT name FROM {quoted}").raw()}
    for name in migration_names(folder):
        if name not in applied:
            statements = migration_statements(folder, name, quoted)
            await db.batch([db.prepare(sql) for sql in statements])


async def open_remote_env(settings: Settings, resources: RemoteResources) -> RemoteEnv:
    """A remote env on the session's resources, emptied and migrated for one test."""
    from emulator.remote import connect

    bindings: dict[str, Any] = {name: ("kv", ns) for name, ns in resources.kv.items()}
    bindings.update({name: ("d1", db) for name, db in resources.d1.items()})
    env = connect(
        bindings=bindings,
        account_id=resources.account_id,
        api_token=resources.api_token,
        base_url=resources.base_url,
    )
    try:
        for name in resources.kv:
            await _empty_kv(env, name, resources)
        for name in resources.d1:
            await _empty_d1(env.d1(name))
        for name, folder, table in settings.migrations:
            await _migrate(env.d1(name), folder, table)
    except BaseException:
        await env.aclose()
        raise
    return env


@pytest.fixture(scope="session")
def cf_remote_resources(request: pytest.FixtureRequest) -> Iterator[RemoteResources]:
    """The KV namespaces and D1 databases of this test session on the remote target."""
    yield from remote_resources(request.config.stash[SETTINGS_KEY])


@_async_fixture
async def cf_remote_env(
    cf_remote_resources: RemoteResources, request: pytest.FixtureRequest
) -> AsyncIterator[RemoteEnv]:
    """``cf_env`` on the remote target: the session's resources, emptied for this test."""
    env = await open_remote_env(request.config.stash[SETTINGS_KEY], cf_remote_resources)
    yield env
    await env.aclose()
