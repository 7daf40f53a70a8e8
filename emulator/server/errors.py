"""The one place where errors become HTTP responses.

Handlers raise ``ApiError`` for what the REST layer itself refuses, and let ``KVError`` and
``D1Error`` from the bindings fly; ``error_response`` turns any of them into Cloudflare's
envelope with the right status and code::

    ApiError(status, code, message)    -> that status, code and message
    KVError("KV PUT failed: 413 ...")  -> 413, code 10019, the text after the status
    KVError(... 429 Too Many Requests) -> 429, code 10429 (strict write-rate mode only)
    D1Error("D1_ERROR: no such ...")   -> 400, code 7500, the text without "D1_ERROR: "
    RecursionError                     -> 400, code 10001 (values nested too deeply)
    anything else                      -> 500, code 10002, "Internal error" (logged; never
                                          a traceback in the response)
"""

from __future__ import annotations

import logging
import re

from emulator.errors import D1Error, KVError
from emulator.server import constants as c
from emulator.server.envelope import ApiResponse, failure

__all__ = ["ApiError", "error_response", "kv_error_text"]

log = logging.getLogger("emulator.server")

# "KV PUT failed: 413 Value length of ..." -> (413, "Value length of ..."): the REST API
# answers with the storage service's text, without the binding's "KV <OP> failed" prefix.
_KV_PREFIX = re.compile(r"KV [A-Z_]+ failed: (\d{3}) (.*)", re.DOTALL)
_D1_PREFIX = "D1_ERROR: "
_KV_RATE_LIMITED_CODE = 10429


class ApiError(Exception):
    """A request the REST layer refuses: HTTP ``status``, Cloudflare ``code``, ``message``."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.code}, {self.message!r})"


def kv_error_text(error: KVError) -> tuple[int, str]:
    """The status and REST text of a KV binding error."""
    match = _KV_PREFIX.fullmatch(str(error))
    if match is None:
        return error.status, str(error)
    return int(match.group(1)), match.group(2)


def error_response(error: BaseException) -> ApiResponse:
    """Map any exception raised while answering a request to an error envelope."""
    if isinstance(error, ApiError):
        return failure(error.status, error.code, error.message)
    if isinstance(error, KVError):
        status, text = kv_error_text(error)
        code = _KV_RATE_LIMITED_CODE if status == 429 else c.CODE_KV_INVALID
        return failure(status, code, text)
    if isinstance(error, D1Error):
        text = str(error)
        text = text.removeprefix(_D1_PREFIX)
        # Since 2024-04-15 the real API answers SQL errors with 400 (it used to be 500,
        # which the SDK would retry).
        return failure(400, c.CODE_D1_SQL, text)
    if isinstance(error, RecursionError):
        # Only input nests this deeply (JSON or metadata 100,000 levels down): bad input.
        return failure(400, c.CODE_BAD_REQUEST, c.MSG_TOO_DEEP)
    log.error("internal error while answering a request", exc_info=error)
    return failure(500, c.CODE_INTERNAL, c.MSG_INTERNAL)
