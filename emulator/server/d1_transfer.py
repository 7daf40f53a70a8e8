"""D1 export and import over REST, as the official SDK's ``d1.database.export`` and
``d1.database.import_`` (and ``wrangler d1 export|execute --remote``) call them.

Export (``POST database/{id}/export``, ``{"output_format": "polling", "dump_options"?}``):
the first call dumps the database (``emulator.d1.dump``, wrangler's format) and answers
``{"at_bookmark", "messages"}`` without a ``status``; polling again with
``current_bookmark`` answers ``status: "complete"`` and ``result.signed_url``, from which a
plain ``GET`` downloads the SQL.

Import (``POST database/{id}/import``): ``{"action": "init", "etag": md5}`` answers a
``filename`` and an ``upload_url``; a plain ``PUT`` of the SQL there answers its MD5 as the
``ETag``; ``{"action": "ingest", "etag", "filename"}`` runs the file as one atomic request
(all of it or nothing) and answers an ``at_bookmark``; ``{"action": "poll",
"current_bookmark"}`` answers ``status: "complete"`` with ``result: {"final_bookmark",
"num_queries", "meta"}``, or ``status: "error"`` with the D1 error and nothing applied.
A file already uploaded for the same etag is not asked for again: ``init`` then starts the
import itself, as the real API does.

The emulator serves the two URLs itself under ``/__emulator/d1/transfers/<token>``. As
pre-signed URLs, they need no API token: the random token in the path is the credential.
Transfers live in memory, per server, until downloaded or ingested.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from emulator.d1 import D1Database, D1Result
from emulator.d1.dump import dump_sql
from emulator.errors import D1Error
from emulator.server import constants as c
from emulator.server.d1_api import DATABASES, database_record
from emulator.server.envelope import ApiResponse, ok, raw
from emulator.server.errors import ApiError
from emulator.server.routing import Call, Router

__all__ = ["TRANSFERS", "D1Transfers", "register"]

TRANSFERS = c.ADMIN_PREFIX.strip("/") + "/d1/transfers"
_SQL_CONTENT_TYPE = "application/sql"


@dataclass
class D1Transfers:
    """A server's exports waiting for download, uploads waiting for ingest, and answers
    waiting for a poll (by bookmark)."""

    downloads: dict[str, bytes] = field(default_factory=dict)  # token -> SQL
    upload_names: dict[str, str] = field(default_factory=dict)  # token -> filename
    uploads: dict[str, bytes] = field(default_factory=dict)  # filename -> SQL
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # bookmark -> answer
    _serial: itertools.count[int] = field(default_factory=itertools.count)

    def bookmark(self) -> str:
        """A fresh bookmark, shaped as D1's (``00000001-00000000-00000000-<hex>``)."""
        return f"{next(self._serial) + 1:08x}-00000000-00000000-{secrets.token_hex(16)}"


def register(router: Router) -> None:
    """Add the export, import and transfer routes to ``router``."""
    router.add("POST", DATABASES + "/{database}/export", export)
    router.add("POST", DATABASES + "/{database}/import", import_)
    router.add("GET", TRANSFERS + "/{token}", download)
    router.add("PUT", TRANSFERS + "/{token}", upload)


def _transfers(call: Call) -> D1Transfers:
    return call.api.d1_transfers


def _origin(call: Call) -> str:
    """The URL origin the client used, for the URLs it is handed back."""
    host = call.request.header("Host") or f"{c.DEFAULT_HOST}:{c.DEFAULT_PORT}"
    bare = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    local = ":" in host or bare in ("localhost", "127.0.0.1", "[::1]")
    # A plain host name without a port is api.cloudflare.com through respx: https.
    return f"{'http' if local else 'https'}://{host}"


def _body(call: Call) -> dict[str, Any]:
    body = call.json_body(code=c.CODE_D1_BAD_REQUEST)
    if not isinstance(body, dict):
        raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_TRANSFER_BODY)
    return body


def _string(body: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = body.get(name)
        if value is not None:
            if not isinstance(value, str) or not value:
                raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_TRANSFER_FIELD.format(name))
            return value
    return None


async def export(call: Call) -> ApiResponse:
    """``POST database/{id}/export``: start a dump, or poll one with ``current_bookmark``."""
    record = database_record(call)
    body = _body(call)
    if body.get("output_format", "polling") != "polling":
        raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_TRANSFER_FIELD.format("output_format"))
    transfers = _transfers(call)
    polled = _string(body, "current_bookmark", "currentBookmark")
    if polled is not None and polled in transfers.answers:
        return ok(transfers.answers.pop(polled))
    options = body.get("dump_options") or {}
    tables = (options.get("tables") or []) if isinstance(options, dict) else None
    if (
        tables is None
        or not isinstance(tables, list)
        or not all(isinstance(t, str) for t in tables)
    ):
        raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_TRANSFER_FIELD.format("dump_options"))
    db = call.emulator.d1_database(record.id)
    bookmark = transfers.bookmark()
    filename = f"{record.title}-{bookmark[:8]}.sql"
    try:
        sql = dump_sql(
            db.read_rows,
            tables=tables,
            no_schema=options.get("no_schema") is True,
            no_data=options.get("no_data") is True,
        )
    except D1Error as exc:
        transfers.answers[bookmark] = _final("export", bookmark, error=str(exc))
    else:
        token = secrets.token_hex(16)
        transfers.downloads[token] = sql.encode("utf-8")
        url = f"{_origin(call)}/{TRANSFERS}/{token}"
        transfers.answers[bookmark] = _final(
            "export", bookmark, result={"filename": filename, "signed_url": url}
        )
    return ok(_pending("export", bookmark, f"Generating {filename}"))


async def import_(call: Call) -> ApiResponse:
    """``POST database/{id}/import``: the ``init``, ``ingest`` and ``poll`` actions."""
    record = database_record(call)
    body = _body(call)
    transfers = _transfers(call)
    action = body.get("action")
    if action == "poll":
        bookmark = _string(body, "current_bookmark", "currentBookmark")
        if bookmark is None or bookmark not in transfers.answers:
            raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_UNKNOWN_BOOKMARK)
        return ok(transfers.answers.pop(bookmark))
    etag = _string(body, "etag")
    if etag is None:
        raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_TRANSFER_FIELD.format("etag"))
    filename = f"{record.id}-{etag}.sql"
    if action == "init":
        if filename in transfers.uploads:
            return ok(await _ingest(call, record.id, filename, etag))
        token = secrets.token_hex(16)
        transfers.upload_names[token] = filename
        url = f"{_origin(call)}/{TRANSFERS}/{token}"
        return ok({"success": True, "type": "import", "filename": filename, "upload_url": url})
    if action == "ingest":
        given = _string(body, "filename") or filename
        if given != filename or filename not in transfers.uploads:
            raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_NOT_UPLOADED.format(given))
        return ok(await _ingest(call, record.id, filename, etag))
    raise ApiError(400, c.CODE_D1_BAD_REQUEST, c.MSG_D1_TRANSFER_FIELD.format("action"))


async def _ingest(call: Call, database_id: str, filename: str, etag: str) -> dict[str, Any]:
    transfers = _transfers(call)
    sql = transfers.uploads.pop(filename)
    bookmark = transfers.bookmark()
    if hashlib.md5(sql).hexdigest() != etag:
        transfers.answers[bookmark] = _final("import", bookmark, error=c.MSG_D1_ETAG_MISMATCH)
        return _pending("import", bookmark, f"Uploaded {filename}")
    db = call.emulator.d1_database(database_id)
    try:
        text = sql.decode("utf-8")
        if "\x00" in text:
            raise D1Error(c.MSG_D1_NUL_IN_SQL.format(filename))
        meta = _summary(db, await db.query(text))
    except (D1Error, UnicodeDecodeError, TypeError) as exc:
        transfers.answers[bookmark] = _final("import", bookmark, error=str(exc))
    else:
        result = {"final_bookmark": transfers.bookmark(), "num_queries": meta.pop("count")}
        result["meta"] = meta
        transfers.answers[bookmark] = _final("import", bookmark, result=result)
    return _pending("import", bookmark, f"Ingesting {filename}")


def _summary(db: D1Database, results: list[D1Result]) -> dict[str, Any]:
    """The ``meta`` of a whole file's results (summed), and its ``count`` of queries."""
    totals = {"changes": 0, "rows_read": 0, "rows_written": 0, "duration": 0.0}
    for result in results:
        for name in totals:
            totals[name] += result.meta.get(name, 0) or 0
    return {
        **totals,
        "changed_db": any(r.meta.get("changed_db") for r in results),
        "last_row_id": results[-1].meta.get("last_row_id", 0) if results else 0,
        "size_after": db.file_size(),
        "served_by_primary": True,
        "timings": {"sql_duration_ms": totals["duration"]},
        "count": len(results),
    }


def _pending(kind: str, bookmark: str, message: str) -> dict[str, Any]:
    # No "status" yet: the SDK reads it leniently, wrangler polls until it is "complete".
    return {"success": True, "type": kind, "at_bookmark": bookmark, "messages": [message]}


def _final(
    kind: str,
    bookmark: str,
    *,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    answer: dict[str, Any] = {"success": True, "type": kind, "at_bookmark": bookmark}
    if error is not None:
        answer.update(status="error", error=error, messages=[error])
    else:
        answer.update(status="complete", result=result, messages=[])
    return answer


async def download(call: Call) -> ApiResponse:
    """``GET`` a signed export URL: the SQL file (once)."""
    sql = _transfers(call).downloads.pop(call.param("token"), None)
    if sql is None:
        raise ApiError(404, c.CODE_NO_ROUTE, c.MSG_NO_ROUTE)
    return raw(sql, content_type=_SQL_CONTENT_TYPE)


async def upload(call: Call) -> ApiResponse:
    """``PUT`` to an upload URL: keep the SQL; answer its MD5 as the ``ETag``."""
    transfers = _transfers(call)
    filename = transfers.upload_names.pop(call.param("token"), None)
    if filename is None:
        raise ApiError(404, c.CODE_NO_ROUTE, c.MSG_NO_ROUTE)
    transfers.uploads[filename] = call.request.body
    etag = f'"{hashlib.md5(call.request.body).hexdigest()}"'
    return raw(b"", content_type="text/plain", extra={"ETag": etag})
