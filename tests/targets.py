"""Two targets for one behaviour suite: the in-process bindings, and ``emulator.remote``
talking to a ``python -m emulator serve`` that this test session starts.

The server is started once per test session (per xdist worker) on a free port and read
until it prints its readiness line; state is emptied between tests through its admin route
(``POST /__emulator/reset``) and its clock is moved through ``/__emulator/clock`` - the
``RemoteClock`` below has ``ManualClock``'s verbs, so a test that moves time runs
unchanged on both targets.

A test whose fixtures include ``binding_target`` runs once per target. Tests that reach into
in-process internals (storage, ``sqlite_utils``, ``seed``, ``close()``) carry
``@pytest.mark.in_process("why")`` and run on the in-process target only.
"""

from __future__ import annotations

import base64
import http.client
import json
import signal
import socket
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest

from emulator import KVEntry, ManualClock
from emulator.kv.seeding import SeedValue, seed_writes
from emulator.kv.validation import encode_key, not_string
from emulator.remote import RemoteD1Database, RemoteKVNamespace, connect
from tests.server import processes

TARGETS = ("emulator", "remote")
ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN = "remote-target-token"
LARGE_VALUE = 1024 * 1024


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "in_process(reason): the test reaches into in-process internals; "
        "it runs on the in-process target only",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "binding_target" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("in_process")
    if marker is not None and not (marker.args or marker.kwargs.get("reason")):
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: in_process needs a reason")
    metafunc.parametrize("binding_target", TARGETS[:1] if marker else TARGETS, scope="function")


class AdminClient:
    """A keep-alive HTTP/1.1 client for the server's admin and setup calls.

    ``http.client`` with ``TCP_NODELAY``: these calls run before every remote test, and
    this answers in well under 1 ms where a sync httpx client took about 7 ms.
    """

    def __init__(self, origin: str) -> None:
        parts = urlsplit(origin)
        self._address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection(*self._address, timeout=60)
        connection.connect()
        assert connection.sock is not None
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
    ) -> Any:
        """Send one request; return the envelope's ``result``, raising on an error status."""
        headers = {"Authorization": f"Bearer {TOKEN}"}
        body = content
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        target = path if not params else f"{path}?{urlencode(params)}"
        if self._connection is None:
            self._connection = self._connect()
        self._connection.request(method, target, body=body, headers=headers)
        answer = self._connection.getresponse()
        payload = answer.read()
        if answer.status >= 400:
            raise RuntimeError(f"{method} {path} failed with {answer.status}: {payload!r}")
        return json.loads(payload)["result"]

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


@dataclass
class Serve:
    """A running ``python -m emulator serve``: its API URL and an admin client."""

    url: str  # ends in /client/v4
    admin: AdminClient
    kv_namespace: str
    d1_database: str

    def reset(self, start: float) -> None:
        """Empty every namespace and database and freeze the clock at ``start``."""
        self.call("POST", "/__emulator/reset")
        self.call("POST", "/__emulator/clock", json_body={"move_to": start, "freeze": True})

    def call(self, method: str, path: str, **options: Any) -> Any:
        return self.admin.request(method, path, **options)


@pytest.fixture(scope="session")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """One ``python -m emulator serve --port 0`` for the whole test session."""
    process = processes.Serve(
        "--port", "0", "--quiet", "--api-token", TOKEN, cwd=tmp_path_factory.mktemp("serve")
    )
    try:
        origin = process.url.removesuffix("/client/v4")
        admin = AdminClient(origin)
        try:
            root = f"/client/v4/accounts/{ACCOUNT}"
            kv = admin.request(
                "POST", f"{root}/storage/kv/namespaces", json_body={"title": "suite"}
            )
            db = admin.request("POST", f"{root}/d1/database", json_body={"name": "suite"})
            yield Serve(process.url, admin, kv["id"], db["uuid"])
        finally:
            admin.close()
    finally:
        process.stop(signal.SIGTERM)


class RemoteClock:
    """``ManualClock``'s verbs on the server's clock (frozen, moved through the admin route)."""

    def __init__(self, serve: Serve, start: float) -> None:
        self._serve = serve
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def move_to(self, when: datetime | float) -> None:
        moment = when.timestamp() if isinstance(when, datetime) else float(when)
        self._now = self._serve.call("POST", "/__emulator/clock", json_body={"move_to": moment})[
            "now"
        ]

    def shift(self, seconds: float) -> None:
        seconds = seconds.total_seconds() if hasattr(seconds, "total_seconds") else seconds
        self._now = self._serve.call("POST", "/__emulator/clock", json_body={"shift": seconds})[
            "now"
        ]


def target_clock(request: pytest.FixtureRequest, start: float) -> ManualClock | RemoteClock:
    """The test clock: a ``ManualClock``, or on the remote target the server's, reset."""
    targets = request.fixturenames
    if "binding_target" in targets and request.getfixturevalue("binding_target") == "remote":
        serve: Serve = request.getfixturevalue("serve")
        serve.reset(start)
        return RemoteClock(serve, start)
    return ManualClock(start=start)


def remote_options(serve: Serve) -> dict[str, str]:
    """The keyword arguments every remote binding of the suite takes."""
    return {"account_id": ACCOUNT, "api_token": TOKEN, "base_url": serve.url}


class SuiteRemoteKV(RemoteKVNamespace):
    """The remote binding plus ``KVNamespace``'s sync test helpers, done through serve.

    ``seed`` validates with the binding's own seeding code, then writes through the REST
    bulk endpoint; ``snapshot`` and ``entry`` read the admin state dump.
    """

    def __init__(self, serve: Serve, clock: RemoteClock) -> None:
        super().__init__(serve.kv_namespace, **remote_options(serve))
        self._serve = serve
        self._clock = clock
        self._path_root = f"/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces/{self.id}"
        self._values = f"{self._path_root}/values"

    def seed(self, entries: Mapping[str, SeedValue], **options: Any) -> int:
        return self.seed_many(entries.items(), **options)

    def seed_many(
        self,
        entries: Iterable[tuple[str, SeedValue]],
        *,
        expiration: float | None = None,
        expiration_ttl: float | None = None,
        metadata: Any = None,
    ) -> int:
        writes = list(
            seed_writes(
                entries,
                now=self._clock.now(),
                expiration=expiration,
                expiration_ttl=expiration_ttl,
                metadata=metadata,
            )
        )
        small = []
        for write in writes:
            if len(write.value) <= LARGE_VALUE:
                small.append(write)
                continue
            # Past the bulk endpoint's body limit: one PUT for this value.
            query = {} if write.expiration is None else {"expiration": write.expiration}
            self._serve.call(
                "PUT",
                f"{self._values}/{quote(write.name, safe='')}",
                params=query,
                content=write.value,
            )
        items = [
            {
                "key": write.name,
                "value": base64.b64encode(write.value).decode(),
                "base64": True,
                "expiration": write.expiration,
                "metadata": None if write.metadata is None else json.loads(write.metadata),
            }
            for write in small
        ]
        for start in range(0, len(items), 10_000):
            self._serve.call(
                "PUT", f"{self._path_root}/bulk", json_body=items[start : start + 10_000]
            )
        return len(writes)

    def snapshot(self) -> dict[str, KVEntry]:
        state = self._serve.call("GET", "/__emulator/state", params={"limit": 1_000_000})
        namespace = next(item for item in state["kv"] if item["id"] == self.id)
        return {
            key["name"]: KVEntry(
                key["value"].encode("utf-8", "surrogatepass")
                if "value" in key
                else base64.b64decode(key["value_base64"]),
                key["metadata"],
                key["expiration"],
            )
            for key in namespace["keys"]
        }

    def entry(self, key: str) -> KVEntry | None:
        if not isinstance(key, str):
            not_string("get", "string or Array")
        encode_key(key, "GET")
        return self.snapshot().get(key)


class SuiteRemoteD1(RemoteD1Database):
    """The remote binding plus ``dump()``, which the suite uses to show that nothing changed.

    Here it is a JSON picture of the database (its schema through the binding, its rows
    through the admin state dump), equal before and after exactly when the file would be.
    """

    def __init__(self, serve: Serve) -> None:
        super().__init__(serve.d1_database, **remote_options(serve))
        self._serve = serve

    async def dump(self) -> bytes:
        schema = await self.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").raw()
        state = self._serve.call("GET", "/__emulator/state", params={"limit": 1_000_000})
        database = next(item for item in state["d1"] if item["uuid"] == self.id)
        return json.dumps([schema, database["tables"]], sort_keys=True).encode()


class RemoteTarget:
    """What the session tests use of an ``Emulator`` (``env``, ``kv(name)``, ``d1(name)``),
    on a remote env whose ``SESSIONS`` and ``DB`` are the suite's namespace and database."""

    def __init__(self, serve: Serve) -> None:
        self.env = connect(
            bindings={"SESSIONS": ("kv", serve.kv_namespace), "DB": ("d1", serve.d1_database)},
            **remote_options(serve),
        )

    def kv(self, name: str) -> RemoteKVNamespace:
        return self.env.kv(name)

    def d1(self, name: str) -> RemoteD1Database:
        return self.env.d1(name)

    async def aclose(self) -> None:
        await self.env.aclose()
