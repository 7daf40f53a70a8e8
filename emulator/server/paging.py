"""Page-number pagination, as the KV namespace and D1 database lists use it.

The SDK asks for page + 1 until a page comes back empty, so pages past the end are empty
lists (never a 404), and ``result_info`` says where the caller is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar

from emulator.server import constants as c
from emulator.server.errors import ApiError
from emulator.server.routing import Call

__all__ = ["page_of"]

T = TypeVar("T")


def page_of(
    call: Call, items: Sequence[T], *, default_per_page: int, max_per_page: int, code: int
) -> tuple[list[T], dict[str, Any]]:
    """Cut ``items`` to the page the query asks for; 400 for a bad ``page``/``per_page``."""
    page = call.query_int("page", 1)
    per_page = call.query_int("per_page", default_per_page)
    if page < 1:
        raise ApiError(400, code, c.MSG_INVALID_QUERY.format("page", call.query_value("page")))
    if not 1 <= per_page <= max_per_page:
        raise ApiError(
            400, code, c.MSG_INVALID_QUERY.format("per_page", call.query_value("per_page"))
        )
    start = (page - 1) * per_page
    chunk = list(items[start : start + per_page])
    info = {
        "page": page,
        "per_page": per_page,
        "count": len(chunk),
        "total_count": len(items),
        "total_pages": max(1, math.ceil(len(items) / per_page)),
    }
    return chunk, info
