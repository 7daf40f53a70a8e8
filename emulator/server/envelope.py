"""Transport-free requests and responses, and Cloudflare's JSON envelope.

Every JSON answer is ``{"success", "errors", "messages", "result"}`` (plus
``result_info`` for lists), because the SDK unwraps ``body["result"]``. Errors carry a
non-2xx status: the SDK ignores ``success`` and picks its exception class by status alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ApiRequest",
    "ApiResponse",
    "failure",
    "json_bytes",
    "jsonable",
    "ok",
    "raw",
]

JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class ApiRequest:
    """One HTTP request, as any transport sees it.

    ``target`` is the raw request target: the percent-encoded path, then ``?`` and the raw
    query string if any (aiohttp's ``request.raw_path``, httpx's ``request.url.raw_path``).
    Header names are matched case-insensitively.
    """

    method: str
    target: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or ``None``."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True)
class ApiResponse:
    """What a transport sends back: status, headers and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or ``None``."""
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def json(self) -> Any:
        """The body parsed as JSON (raises ``ValueError`` if it is not)."""
        return json.loads(self.body)


def jsonable(value: Any) -> Any:
    """Make SQL and KV values JSON-safe as Cloudflare does.

    BLOBs (``bytes``) become arrays of byte values (docs/rest-api.md#d1-values) and non-finite
    floats become ``null``, as JavaScript's ``JSON.stringify`` renders them.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        return list(bytes(value))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def json_bytes(payload: Any) -> bytes:
    """Serialise compactly, keeping non-ASCII text as UTF-8 (as Cloudflare does)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (in KV metadata, say) has no UTF-8 form: escape it as "\ud800",
        # as JavaScript's well-formed JSON.stringify does.
        return json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("ascii")


def ok(
    result: Any,
    *,
    result_info: Mapping[str, Any] | None = None,
    status: int = 200,
) -> ApiResponse:
    """A success envelope around ``result``."""
    payload: dict[str, Any] = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        payload["result_info"] = dict(result_info)
    return ApiResponse(status, (("Content-Type", JSON_CONTENT_TYPE),), json_bytes(payload))


def failure(status: int, code: int, message: str, *, result: Any = None) -> ApiResponse:
    """An error envelope: ``success`` false and one ``{code, message}`` error."""
    payload = {
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": result,
    }
    # x-should-retry: the SDK retries some statuses by default; this answer is final.
    headers = (("Content-Type", JSON_CONTENT_TYPE), ("x-should-retry", "false"))
    return ApiResponse(status, headers, json_bytes(payload))


def raw(body: bytes, *, content_type: str, extra: Mapping[str, str] | None = None) -> ApiResponse:
    """A non-JSON answer (KV values are returned as their raw bytes)."""
    headers = [("Content-Type", content_type)]
    if extra:
        headers.extend(extra.items())
    return ApiResponse(200, tuple(headers), body)
