"""A real ``python -m emulator serve`` for the browser tests, and a REST client to seed it.

The browser tests drive the page as a user would, and change state behind its back the way
other processes do: through the REST API v4 and the admin routes.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from tests.server.processes import Serve

ACCOUNT = "browser-tests"


class Served:
    """A server subprocess plus an httpx client (with the token, when one is required)."""

    def __init__(
        self, tmp_path: Path, *args: str, token: str | None = None, quiet: bool = True
    ) -> None:
        extra = ["--api-token", token] if token else []
        if quiet:
            extra.append("--quiet")
        self.server = Serve("--port", "0", *extra, *args, cwd=tmp_path)
        self.url = self.server.url.removesuffix("/client/v4")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def stop(self) -> None:
        self.http.close()
        if self.server.process.poll() is None:
            self.server.stop(signal.SIGTERM)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()["result"]

    # -- KV -------------------------------------------------------------------------------

    def kv_namespace(self, title: str) -> str:
        base = f"/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces"
        return str(self.ok("POST", base, json={"title": title})["id"])

    def kv_put(
        self,
        namespace: str,
        key: str,
        value: str | bytes,
        *,
        metadata: Any = None,
        **query: int,
    ) -> None:
        path = f"/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces/{namespace}/values/"
        path += quote(key, safe="")
        data = value.encode() if isinstance(value, str) else value
        files = {"value": ("value", data)}
        if metadata is not None:
            files["metadata"] = ("metadata", json.dumps(metadata).encode())
        self.ok("PUT", path, files=files, params=query)

    def kv_bulk(self, namespace: str, items: list[dict[str, Any]]) -> None:
        path = f"/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces/{namespace}/bulk"
        self.ok("PUT", path, json=items)

    def kv_keys(self, namespace: str) -> list[str]:
        path = f"/client/v4/accounts/{ACCOUNT}/storage/kv/namespaces/{namespace}/keys"
        return [key["name"] for key in self.ok("GET", path)]

    # -- D1 and the clock ------------------------------------------------------------------

    def d1_database(self, name: str) -> str:
        return str(
            self.ok("POST", f"/client/v4/accounts/{ACCOUNT}/d1/database", json={"name": name})[
                "uuid"
            ]
        )

    def d1_query(self, database: str, sql: str) -> Any:
        path = f"/client/v4/accounts/{ACCOUNT}/d1/database/{database}/query"
        return self.ok("POST", path, json={"sql": sql})

    def clock(self, **change: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.ok("POST", "/__emulator/clock", json=change)
        return result
