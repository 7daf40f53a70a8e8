"""Remote failures in the bindings' words: ``KVError`` and ``D1Error`` with a status.

What the KV or D1 service refuses (a bad expiration, a SQL error) reads exactly as the
in-process binding words it. What only a remote call can meet - the network, a refused
token, a namespace or database that does not exist, a server error - names the endpoint
that failed and what to check.
"""

from __future__ import annotations

import re
from typing import Final

from emulator.d1.constants import CONSTRAINT_RESET, D1_ERROR
from emulator.errors import D1Error, KVError
from emulator.kv import constants as kvc
from emulator.remote.transport import RemoteFailure

__all__ = ["d1_failure", "kv_failure"]

# Cloudflare's codes for "no such namespace / database" and malformed ids.
_MISSING_RESOURCE_CODES: Final = frozenset({10011, 10013, 7404, 7000, 7003})
# D1's own error kinds keep their prefix over REST ("D1_EXEC_ERROR: ..."); SQL errors
# arrive without "D1_ERROR: ", as the real API answers them. A Durable Object reset never
# had the prefix.
_D1_KIND = re.compile(r"D1_[A-Z_]+: ")
_UNPREFIXED = (CONSTRAINT_RESET.split("{}")[0],)


def _advice(failure: RemoteFailure, resource: str) -> str | None:
    """What to check for a failure the service itself did not decide, or ``None``."""
    if failure.network:
        return "check base_url and that the server is reachable"
    if failure.status in (401, 403):
        return (
            "check the API token (CLOUDFLARE_API_TOKEN), its permissions for "
            f"this {resource}, and the account id (CLOUDFLARE_ACCOUNT_ID)"
        )
    if failure.status == 404 or failure.code in _MISSING_RESOURCE_CODES:
        return f"check the {resource} id and the account id"
    if failure.status >= 500 or failure.status in (408, 409):
        return "the server failed; try again later"
    return None


def _explained(failure: RemoteFailure, resource: str) -> str | None:
    advice = _advice(failure, resource)
    if advice is None:
        return None
    return f"{failure.message} ({failure.endpoint}): {advice}"


def kv_failure(failure: RemoteFailure, operation: str) -> KVError:
    """The ``KVError`` the binding raises for ``failure`` of ``operation`` (``PUT``, ...)."""
    text = _explained(failure, "KV namespace") or failure.message
    message = kvc.FAILED.format(operation=operation, status=failure.status, message=text)
    return KVError(message, status=failure.status)


def d1_failure(failure: RemoteFailure) -> D1Error:
    """The ``D1Error`` the binding raises for ``failure``."""
    explained = _explained(failure, "D1 database")
    if explained is not None:
        return D1Error(D1_ERROR.format(explained), status=failure.status)
    text = failure.message
    if _D1_KIND.match(text) is None and not text.startswith(_UNPREFIXED):
        text = D1_ERROR.format(text)
    return D1Error(text, status=failure.status)
