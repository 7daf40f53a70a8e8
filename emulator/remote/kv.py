"""``RemoteKVNamespace``: the KV binding API over Cloudflare's REST API v4.

Every argument is checked client side by the code the in-process binding runs
(``emulator.kv.validation``, ``emulator.kv.bulk``, ``emulator.kv.writes``), so bad input
never costs a request and fails with the same error. What needs the service's state or
clock (an absolute ``expiration`` against now, a bulk value that is not JSON) is checked
by the service, and its answer becomes the same ``KVError``.

=======================================  ==================================================
binding call                             request
=======================================  ==================================================
``get(key, type)``                       ``GET values/{key}`` (404: ``None``)
``get([k, ...], type)``                  ``POST bulk/get {"keys", "type"}``
``get_with_metadata(key, "text"|json)``  ``POST bulk/get {"keys": [key], "withMetadata"}``
``get_with_metadata(key, bytes|stream)`` ``GET values/{key}`` and ``GET metadata/{key}``
``put(key, value, ...)``                 ``PUT values/{key}?expiration[_ttl]``: the raw
                                         value, or multipart with a ``metadata`` part
``delete(key)``                          ``DELETE values/{key}``
``list(prefix, limit, cursor)``          ``GET keys?prefix&limit&cursor``
=======================================  ==================================================
"""

from __future__ import annotations

import asyncio
import builtins
import uuid
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import quote

from emulator.errors import KVError
from emulator.kv import constants as c
from emulator.kv.bulk import check_bulk, check_bulk_key
from emulator.kv.results import KVListKey, KVListResult, KVValueWithMetadata
from emulator.kv.validation import (
    check_list_limit,
    check_optional_str,
    check_read,
    encode_key,
    encode_prefix,
    not_string,
)
from emulator.kv.values import decoder
from emulator.kv.writes import KVWrite, put_arguments, read_value, validate_put
from emulator.remote.errors import kv_failure
from emulator.remote.resource import RemoteResource
from emulator.remote.transport import RemoteFailure, Response, Transport

__all__ = ["RemoteKVNamespace"]

BulkKeys = builtins.list[str] | tuple[str, ...]
_KEY_NOT_FOUND: Final = 10009
_BULK_TYPES: Final = frozenset({c.TYPE_TEXT, c.TYPE_JSON})


def _segment(key: str) -> str:
    return quote(key, safe="")


class RemoteKVNamespace(RemoteResource):
    """A Workers KV namespace reached over the REST API: the ``KVNamespace`` binding API.

    ``base_url`` defaults to Cloudflare's (``https://api.cloudflare.com/client/v4``); point
    it at ``python -m emulator serve`` (``http://127.0.0.1:8787/client/v4``) to share a
    running server's state. Close with ``await kv.aclose()`` (an env from
    ``emulator.remote.connect`` closes its bindings itself).
    """

    collection = "storage/kv/namespaces"
    noun = "namespace"

    def __init__(
        self,
        namespace_id: str,
        *,
        account_id: str,
        api_token: str,
        base_url: str | None = None,
        transport: Transport | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            namespace_id,
            account_id=account_id,
            api_token=api_token,
            base_url=base_url,
            transport=transport,
            name=name,
        )

    async def _call(self, method: str, path: str, **options: Any) -> Response | RemoteFailure:
        # Every KV request is idempotent (a put stores the same value again), so each may
        # be retried as the SDK retries.
        return await self._transport.request(
            method, f"{self._path}/{path}", idempotent=True, **options
        )

    async def _ok(self, operation: str, method: str, path: str, **options: Any) -> Response:
        answer = await self._call(method, path, **options)
        if isinstance(answer, RemoteFailure):
            raise kv_failure(answer, operation)
        return answer

    # -- reads --------------------------------------------------------------------------

    async def get(self, key: str | BulkKeys, type: str = "text", *, cache_ttl: Any = None) -> Any:
        """Return the value of ``key`` decoded per ``type``, or ``None``: as ``KVNamespace``.

        A list or tuple of keys is a bulk get (one request). ``cache_ttl`` is checked and
        has no other effect. Raises what ``KVNamespace.get`` raises.
        """
        if key.__class__ is not str:
            if isinstance(key, builtins.list | tuple):
                return await self._bulk(key, type, cache_ttl, with_metadata=False)
            if not isinstance(key, str):
                not_string("get", "string or Array")
        check_read(key, cache_ttl)
        data = await self._value(key)
        return None if data is None else decoder(type)(data)

    async def get_with_metadata(
        self, key: str | BulkKeys, type: str = "text", *, cache_ttl: Any = None
    ) -> Any:
        """Return the value of ``key`` with its metadata: as ``KVNamespace.get_with_metadata``.

        For ``"text"`` and ``"json"`` one bulk request brings both; ``"bytes"`` and
        ``"stream"`` need the value and the metadata endpoints (sent together).
        """
        if key.__class__ is not str:
            if isinstance(key, builtins.list | tuple):
                return await self._bulk(key, type, cache_ttl, with_metadata=True)
            if not isinstance(key, str):
                not_string("get_with_metadata", "string or Array")
        check_read(key, cache_ttl)
        if type in _BULK_TYPES:
            answer = await self._bulk_request([key], c.TYPE_TEXT, with_metadata=True, op=c.GET)
            found = answer.get(key)
            if not isinstance(found, dict):
                return KVValueWithMetadata(None)
            text = str(found.get("value") or "")
            value = decoder(type)(text.encode("utf-8", "surrogatepass"))
            return KVValueWithMetadata(value, found.get("metadata"))
        data, metadata = await asyncio.gather(self._value(key), self._metadata(key))
        if data is None:
            return KVValueWithMetadata(None)
        return KVValueWithMetadata(decoder(type)(data), metadata)

    async def _value(self, key: str) -> bytes | None:
        answer = await self._call(
            "GET", f"values/{_segment(key)}", headers={"Accept": "application/octet-stream"}
        )
        if isinstance(answer, RemoteFailure):
            if answer.status == 404 and answer.code == _KEY_NOT_FOUND:
                return None
            raise kv_failure(answer, c.GET)
        return answer.body

    async def _metadata(self, key: str) -> Any:
        answer = await self._call("GET", f"metadata/{_segment(key)}")
        if isinstance(answer, RemoteFailure):
            if answer.status == 404 and answer.code == _KEY_NOT_FOUND:
                return None
            raise kv_failure(answer, c.GET)
        envelope = answer.envelope()
        return None if envelope is None else envelope.get("result")

    async def _bulk(
        self, keys: Sequence[object], type: Any, cache_ttl: Any, *, with_metadata: bool
    ) -> dict[str, Any]:
        names, ttl = check_bulk(keys, type, cache_ttl, with_metadata=with_metadata)
        sendable: list[str] = []
        for index, key in enumerate(names):
            try:
                encoded = check_bulk_key(index, key, ttl)
            except KVError:
                if type == c.TYPE_JSON and sendable:
                    # The service reads key by key: an earlier value that is not JSON
                    # fails the call before this key is looked at.
                    await self._bulk_request(sendable, type, with_metadata=False)
                raise
            if encoded is not None:
                sendable.append(key)
        answer = await self._bulk_request(sendable, type, with_metadata=with_metadata)
        result: dict[str, Any] = {}
        for key in names:
            found = answer.get(key)
            if with_metadata and isinstance(found, dict):
                found = KVValueWithMetadata(found.get("value"), found.get("metadata"))
            result[key] = found
        return result

    async def _bulk_request(
        self, keys: list[str], type: str, *, with_metadata: bool, op: str = c.GET_BULK
    ) -> dict[str, Any]:
        if not keys:
            return {}
        body: dict[str, Any] = {"keys": keys, "type": type}
        if with_metadata:
            body["withMetadata"] = True
        answer = await self._ok(op, "POST", "bulk/get", json_body=body)
        envelope = answer.envelope() or {}
        result = envelope.get("result")
        values = result.get("values") if isinstance(result, dict) else None
        return values if isinstance(values, dict) else {}

    # -- writes -------------------------------------------------------------------------

    async def put(
        self,
        key: str,
        value: Any,
        *,
        expiration: int | float | None = None,
        expiration_ttl: int | float | None = None,
        metadata: Any = None,
    ) -> None:
        """Store ``value`` under ``key``: as ``KVNamespace.put`` (one request).

        Everything but an absolute ``expiration`` against the server's clock is checked
        before the request.
        """
        arguments = put_arguments(
            key, value, expiration=expiration, expiration_ttl=expiration_ttl, metadata=metadata
        )
        write = validate_put(arguments, now=None)
        if arguments.stream is not None:
            write = await read_value(write, arguments)
        await self._ok(
            c.PUT, "PUT", f"values/{_segment(key)}", params=_expiration_query(write), **_body(write)
        )

    async def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is no error. Raises what ``KVNamespace.delete`` does."""
        if key.__class__ is not str and not isinstance(key, str):
            not_string("delete")
        encode_key(key, c.DELETE)
        await self._ok(c.DELETE, "DELETE", f"values/{_segment(key)}")

    # -- list ---------------------------------------------------------------------------

    async def list(
        self, *, prefix: str | None = None, limit: int | None = 1000, cursor: str | None = None
    ) -> KVListResult:
        """Return one page of keys: as ``KVNamespace.list``."""
        prefix = check_optional_str(prefix, "prefix")
        cursor = check_optional_str(cursor, "cursor")
        page = check_list_limit(limit)
        start = encode_prefix(prefix)
        query = {"limit": str(page)}
        if start:
            # As the runtime converts it: a lone surrogate becomes U+FFFD.
            query["prefix"] = start.decode()
        if cursor:
            query["cursor"] = cursor
        answer = await self._ok(c.GET, "GET", "keys", params=query)
        envelope = answer.envelope() or {}
        listed = envelope.get("result") or []
        info = envelope.get("result_info") or {}
        keys = [
            KVListKey(item["name"], item.get("expiration"), item.get("metadata")) for item in listed
        ]
        next_cursor = info.get("cursor") or None
        return KVListResult(keys, next_cursor is None, next_cursor)


def _expiration_query(write: KVWrite) -> dict[str, str] | None:
    if write.expiration_ttl is not None:
        return {"expiration_ttl": str(write.expiration_ttl)}
    if write.expiration is not None:
        return {"expiration": str(write.expiration)}
    return None


def _body(write: KVWrite) -> dict[str, Any]:
    if write.metadata is None:
        return {"data": write.value, "headers": {"Content-Type": "application/octet-stream"}}
    # Multipart as the SDK sends it, built as bytes so that a retry can send it again.
    boundary = uuid.uuid4().hex
    while boundary.encode() in write.value:
        boundary = uuid.uuid4().hex
    dash = f"--{boundary}\r\n".encode()
    body = b"".join(
        [
            dash,
            b'Content-Disposition: form-data; name="value"; filename="upload"\r\n',
            b"Content-Type: application/octet-stream\r\n\r\n",
            write.value,
            b"\r\n",
            dash,
            b'Content-Disposition: form-data; name="metadata"\r\n',
            b"Content-Type: application/json\r\n\r\n",
            write.metadata.encode("utf-8", "surrogatepass"),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return {"data": body, "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"}}
