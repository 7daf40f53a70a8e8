"""KV namespaces and key listing over REST: ``/accounts/{account}/storage/kv/namespaces``.

Values, metadata and the bulk endpoints are in ``kv_values``. The account id in the path
must be non-empty and is otherwise ignored: the emulator is one account.

Namespace ids are checked as ``kv_common`` describes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from emulator.core import DuplicateTitleError
from emulator.kv import constants as kvc
from emulator.server import constants as c
from emulator.server import kv_values
from emulator.server.envelope import ApiResponse, ok
from emulator.server.errors import ApiError
from emulator.server.kv_common import namespace_json, namespace_record, resolve_namespace
from emulator.server.paging import page_of
from emulator.server.routing import Call, Router

__all__ = ["NAMESPACES", "register"]

NAMESPACES = "client/v4/accounts/{account}/storage/kv/namespaces"


def register(router: Router) -> None:
    """Add every KV route to ``router``."""
    ns = NAMESPACES + "/{namespace}"
    router.add("GET", NAMESPACES, list_namespaces)
    router.add("POST", NAMESPACES, create_namespace)
    router.add("GET", ns, get_namespace)
    router.add("PUT", ns, rename_namespace)
    router.add("DELETE", ns, delete_namespace)
    router.add("GET", ns + "/keys", list_keys)
    router.add("GET", ns + "/values/{key*}", kv_values.get_value)
    router.add("PUT", ns + "/values/{key*}", kv_values.put_value)
    router.add("DELETE", ns + "/values/{key*}", kv_values.delete_value)
    router.add("GET", ns + "/metadata/{key*}", kv_values.get_metadata)
    router.add("PUT", ns + "/bulk", kv_values.bulk_write)
    router.add("POST", ns + "/bulk/delete", kv_values.bulk_delete)
    router.add("POST", ns + "/bulk/get", kv_values.bulk_get)


def _title(call: Call) -> str:
    body = call.json_body()
    title = body.get("title") if isinstance(body, dict) else None
    if not isinstance(title, str) or not title.strip():
        raise ApiError(400, c.CODE_BAD_REQUEST, c.MSG_KV_TITLE_REQUIRED)
    return title


async def list_namespaces(call: Call) -> ApiResponse:
    """``GET namespaces``: oldest first, or by ``order=id|title`` and ``direction``."""
    records = call.emulator.resources("kv")
    order = call.query_value("order")
    direction = call.query_value("direction") or "asc"
    if order not in (None, "id", "title"):
        raise ApiError(400, c.CODE_BAD_REQUEST, c.MSG_INVALID_QUERY.format("order", order))
    if direction not in ("asc", "desc"):
        raise ApiError(400, c.CODE_BAD_REQUEST, c.MSG_INVALID_QUERY.format("direction", direction))
    if order is not None:
        records.sort(key=lambda r: (r.id if order == "id" else r.title, r.id))
    if direction == "desc":
        records.reverse()
    page, info = page_of(
        call,
        records,
        default_per_page=c.KV_NAMESPACES_PER_PAGE_DEFAULT,
        max_per_page=c.KV_NAMESPACES_PER_PAGE_MAX,
        code=c.CODE_BAD_REQUEST,
    )
    return ok([namespace_json(r) for r in page], result_info=info)


@contextmanager
def _title_refusals() -> Iterator[None]:
    # Creating and renaming refuse the same titles, with the same answers.
    try:
        yield
    except DuplicateTitleError:
        raise ApiError(400, c.CODE_KV_TITLE_EXISTS, c.MSG_KV_TITLE_EXISTS) from None
    except ValueError as exc:
        raise ApiError(400, c.CODE_BAD_REQUEST, str(exc)) from None


async def create_namespace(call: Call) -> ApiResponse:
    """``POST namespaces {"title"}``: a new namespace with a random 32-hex id."""
    title = _title(call)
    with _title_refusals():
        record = call.emulator.create_resource("kv", title)
    return ok(namespace_json(record))


async def get_namespace(call: Call) -> ApiResponse:
    """``GET namespaces/{id}``."""
    return ok(namespace_json(namespace_record(call)))


async def rename_namespace(call: Call) -> ApiResponse:
    """``PUT namespaces/{id} {"title"}``: answers with the renamed namespace."""
    record = namespace_record(call)
    title = _title(call)
    with _title_refusals():
        renamed = call.emulator.rename_resource("kv", record.id, title)
    return ok(namespace_json(renamed))


async def delete_namespace(call: Call) -> ApiResponse:
    """``DELETE namespaces/{id}``: the namespace, its keys and its bindings are gone."""
    record = namespace_record(call)
    call.emulator.delete_resource("kv", record.id)
    return ok(None)


async def list_keys(call: Call) -> ApiResponse:
    """``GET namespaces/{id}/keys?prefix&limit&cursor``: cursor ``""`` on the last page."""
    kv = resolve_namespace(call)
    limit = call.query_int("limit", kvc.DEFAULT_LIST_LIMIT)
    # The REST API has no "0 means the default" rule: 0 is refused like any limit < 1.
    if limit < 1:
        raise ApiError(400, c.CODE_KV_INVALID, kvc.LIMIT_NOT_POSITIVE.format(limit=limit))
    if limit > kvc.MAX_LIST_LIMIT:
        raise ApiError(400, c.CODE_KV_INVALID, kvc.LIMIT_TOO_LARGE.format(limit=limit))
    listed = await kv.list(
        prefix=call.query_value("prefix") or None,
        limit=limit,
        cursor=call.query_value("cursor") or None,
    )
    keys = []
    for key in listed.keys:
        entry: dict[str, Any] = {"name": key.name}
        if key.expiration is not None:
            entry["expiration"] = key.expiration
        if key.metadata is not None:
            entry["metadata"] = key.metadata
        keys.append(entry)
    cursor = "" if listed.list_complete or listed.cursor is None else listed.cursor
    return ok(keys, result_info={"count": len(keys), "cursor": cursor})
