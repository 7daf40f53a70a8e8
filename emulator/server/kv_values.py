"""KV values, metadata and the bulk endpoints over REST.

- ``PUT values/{key}``: ``multipart/form-data`` with a ``value`` part and an optional
  ``metadata`` part (SDK 5.x), or any other body taken as the raw value (curl, wrangler,
  SDK 4.x's JSON body, which the real API also stores verbatim). ``expiration`` and
  ``expiration_ttl`` come from the query string and are coerced as the Workers runtime
  coerces numbers (non-numbers become 0, fractions are truncated), then checked by KV.
- ``GET values/{key}``: the raw bytes, with an ``expiration`` header when the key expires.
- Bulk write validates *every* item (shape, base64, key, value size, expiration, metadata)
  before writing any, so a bad item never leaves a half-applied request.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any

from emulator.kv import KVNamespace
from emulator.kv import constants as kvc
from emulator.kv.results import KVValueWithMetadata
from emulator.kv.validation import coerce_long
from emulator.kv.writes import KVWrite, put_arguments, validate_put
from emulator.server import constants as c
from emulator.server.envelope import ApiResponse, ok, raw
from emulator.server.errors import ApiError
from emulator.server.kv_common import resolve_namespace, rest_key
from emulator.server.multipart import MultipartError, parse_form_data
from emulator.server.routing import Call, parse_json

__all__ = ["bulk_delete", "bulk_get", "bulk_write", "delete_value", "get_metadata", "get_value"]

_OCTET_STREAM = "application/octet-stream"


def _namespace_and_key(call: Call, operation: str) -> tuple[KVNamespace, str]:
    kv = resolve_namespace(call)
    return kv, rest_key(call.raw_param("key"), operation)


def _query_long(call: Call, name: str) -> int | None:
    """A numeric query option, converted like a WebIDL ``long`` (non-numbers are 0)."""
    text = call.query_value(name)
    if text is None or text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        number = math.nan  # as JavaScript's Number("abc")
    return coerce_long(number, name)


async def get_value(call: Call) -> ApiResponse:
    """``GET values/{key}``: raw bytes; 404 (code 10009) for a missing key."""
    kv, key = _namespace_and_key(call, kvc.GET)
    found, expiration = await kv.get_with_expiration(key, type="bytes")
    if found.value is None:
        raise ApiError(404, c.CODE_KV_KEY_NOT_FOUND, c.MSG_KV_KEY_NOT_FOUND)
    headers = {} if expiration is None else {"expiration": str(expiration)}
    return raw(bytes(found.value), content_type=_OCTET_STREAM, extra=headers)


async def get_metadata(call: Call) -> ApiResponse:
    """``GET metadata/{key}``: the metadata as JSON (``null`` when none); 404 if missing."""
    kv, key = _namespace_and_key(call, kvc.GET)
    found = await kv.get_with_metadata(key, type="bytes")
    if found.value is None:
        raise ApiError(404, c.CODE_KV_KEY_NOT_FOUND, c.MSG_KV_KEY_NOT_FOUND)
    return ok(found.metadata)


async def put_value(call: Call) -> ApiResponse:
    """``PUT values/{key}``: multipart (``value`` + optional ``metadata``) or a raw body."""
    kv, key = _namespace_and_key(call, kvc.PUT)
    value: bytes = call.request.body
    metadata: Any = None
    if call.media_type() == "multipart/form-data":
        value, metadata = _form_value(call)
    await kv.put(
        key,
        value,
        expiration=_query_long(call, "expiration"),
        expiration_ttl=_query_long(call, "expiration_ttl"),
        metadata=metadata,
    )
    return ok({})


def _form_value(call: Call) -> tuple[bytes, Any]:
    try:
        parts = parse_form_data(call.request.body, call.request.header("Content-Type") or "")
    except MultipartError as exc:
        raise ApiError(400, c.CODE_BAD_REQUEST, str(exc)) from None
    value_part = parts.get("value")
    if value_part is None:
        raise ApiError(
            400, c.CODE_KV_MISSING_FORM_FIELD, c.MSG_KV_MISSING_FORM_FIELD.format("value")
        )
    metadata_part = parts.get("metadata")
    if metadata_part is None:
        return value_part.data, None
    try:
        return value_part.data, parse_json(metadata_part.data)
    except ValueError as exc:
        raise ApiError(400, c.CODE_KV_INVALID, c.MSG_KV_BAD_METADATA.format(exc)) from None


async def delete_value(call: Call) -> ApiResponse:
    """``DELETE values/{key}``: succeeds for a missing key too."""
    kv, key = _namespace_and_key(call, kvc.DELETE)
    await kv.delete(key)
    return ok(None)


def _bulk_keys(call: Call, body: Any) -> list[str]:
    if not isinstance(body, list) or not all(isinstance(k, str) for k in body):
        raise ApiError(400, c.CODE_BAD_REQUEST, "the body must be a JSON array of key names")
    if len(body) > c.KV_BULK_WRITE_LIMIT:
        raise ApiError(400, c.CODE_KV_INVALID, c.MSG_KV_BULK_TOO_MANY.format(c.KV_BULK_WRITE_LIMIT))
    return [rest_key(key, kvc.DELETE) for key in body]


async def bulk_delete(call: Call) -> ApiResponse:
    """``POST bulk/delete ["k1", ...]``: every key is checked before any is deleted."""
    kv = resolve_namespace(call)
    keys = _bulk_keys(call, call.json_body())
    for key in keys:
        await kv.delete(key)
    return ok({"successful_key_count": len(keys), "unsuccessful_keys": []})


def _bulk_item(item: Any, index: int, now: float) -> KVWrite:
    where = f"item {index}"
    if not isinstance(item, dict):
        raise ApiError(400, c.CODE_BAD_REQUEST, f"{where} must be an object")
    key, value = item.get("key"), item.get("value")
    if not isinstance(key, str) or not isinstance(value, str):
        raise ApiError(400, c.CODE_BAD_REQUEST, f"{where} needs string 'key' and 'value'")
    rest_key(key, kvc.PUT)
    if item.get("base64") is True:
        try:
            data: str | bytes = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, c.CODE_BAD_REQUEST, c.MSG_KV_BAD_BASE64.format(key)) from None
    else:
        data = value  # a lone surrogate becomes U+FFFD, as in JavaScript
    for name in ("expiration", "expiration_ttl"):
        option = item.get(name)
        if option is not None and (isinstance(option, bool) or not isinstance(option, int | float)):
            raise ApiError(400, c.CODE_BAD_REQUEST, f"{where}: {name} must be a number")
    arguments = put_arguments(
        key,
        data,
        expiration=item.get("expiration"),
        expiration_ttl=item.get("expiration_ttl"),
        metadata=item.get("metadata"),
        streams=False,
    )
    return validate_put(arguments, now=now)


async def bulk_write(call: Call) -> ApiResponse:
    """``PUT bulk [{key, value, base64?, expiration?, expiration_ttl?, metadata?}]``."""
    kv = resolve_namespace(call)
    body = call.json_body()
    if not isinstance(body, list):
        raise ApiError(400, c.CODE_BAD_REQUEST, "the body must be a JSON array of key-value pairs")
    if len(body) > c.KV_BULK_WRITE_LIMIT:
        raise ApiError(400, c.CODE_KV_INVALID, c.MSG_KV_BULK_TOO_MANY.format(c.KV_BULK_WRITE_LIMIT))
    now = call.emulator.clock.now()
    # Every pair is validated before any is written: all pairs or none.
    writes = [_bulk_item(item, index, now) for index, item in enumerate(body)]
    kv.write_many(writes)
    return ok({"successful_key_count": len(writes), "unsuccessful_keys": []})


async def bulk_get(call: Call) -> ApiResponse:
    """``POST bulk/get {"keys", "type"?, "withMetadata"?}``: missing keys map to null."""
    kv = resolve_namespace(call)
    body = call.json_body()
    if not isinstance(body, dict):
        raise ApiError(400, c.CODE_BAD_REQUEST, "the body must be a JSON object with 'keys'")
    keys, kind = body.get("keys"), body.get("type", kvc.TYPE_TEXT)
    with_metadata = body.get("withMetadata", False)
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ApiError(400, c.CODE_BAD_REQUEST, "'keys' must be an array of key names")
    if not isinstance(kind, str) or not isinstance(with_metadata, bool):
        raise ApiError(400, c.CODE_BAD_REQUEST, "'type' must be a string, 'withMetadata' a boolean")
    values: dict[str, Any] = {}
    if with_metadata:
        found = await kv.get_with_expiration(keys, type=kind)
        for key, pair in found.items():
            values[key] = None if pair is None else _with_metadata(*pair)
    else:
        values = dict(await kv.get(keys, type=kind))
    return ok({"values": values})


def _with_metadata(result: KVValueWithMetadata[Any], expiration: int | None) -> dict[str, Any]:
    # The REST answer carries the expiration when one is set.
    item: dict[str, Any] = {"value": result.value, "metadata": result.metadata}
    if expiration is not None:
        item["expiration"] = expiration
    return item
