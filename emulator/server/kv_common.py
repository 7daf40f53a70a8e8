"""What the KV handlers share: namespace lookup and REST key checks.

Namespace ids are checked before any lookup: an id that could not be a file name (such as
``../../etc``) is a 400 (code 10011), an unknown one a 404 (code 10013).
"""

from __future__ import annotations

from typing import Any

from emulator.core import ResourceRecord
from emulator.kv import KVNamespace
from emulator.kv import constants as kvc
from emulator.kv.validation import encode_key
from emulator.server import constants as c
from emulator.server.errors import ApiError
from emulator.server.routing import Call

__all__ = ["namespace_json", "namespace_record", "resolve_namespace", "rest_key"]


def namespace_json(record: ResourceRecord) -> dict[str, Any]:
    """A namespace as the API shows it."""
    return {"id": record.id, "title": record.title, "supports_url_encoding": True}


def namespace_record(call: Call) -> ResourceRecord:
    """The namespace named in the path; 400 for a malformed id, 404 for an unknown one."""
    return call.resource(
        "kv",
        "namespace",
        malformed=(c.CODE_KV_BAD_NAMESPACE_ID, c.MSG_KV_BAD_NAMESPACE_ID),
        missing=(c.CODE_KV_NAMESPACE_NOT_FOUND, c.MSG_KV_NAMESPACE_NOT_FOUND),
    )


def resolve_namespace(call: Call) -> KVNamespace:
    """The ``KVNamespace`` named in the path (see ``namespace_record`` for errors)."""
    return call.emulator.kv_namespace(namespace_record(call).id)


def rest_key(key: str | None, operation: str) -> str:
    """Check a key as the KV service does, with its server-side wording.

    The binding refuses empty and dot keys client-side ("Key name cannot be empty."); the
    REST API answers with the service's texts instead. Over-long keys get the 414.
    """
    if key is None:
        raise ApiError(400, c.CODE_KV_INVALID, kvc.KEY_NOT_URL_DECODABLE)
    if not key:
        raise ApiError(400, c.CODE_KV_INVALID, kvc.BULK_KEY_EMPTY)
    if key in (".", ".."):
        raise ApiError(400, c.CODE_KV_INVALID, kvc.BULK_KEY_ILLEGAL.format(key=key))
    encode_key(key, operation)  # raises the KVError 414 for over-long keys
    return key
