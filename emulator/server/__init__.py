"""Cloudflare's REST API v4 for KV and D1, over HTTP (aiohttp) and in-process (respx).

One transport-free core, ``RestApi``, answers every request; ``create_app`` serves it with
aiohttp and ``mock_cloudflare_api`` answers httpx calls to ``api.cloudflare.com`` with it.
``python -m emulator serve`` runs the aiohttp server (see ``emulator.server.cli``).

The names below are imported on first access, so that importing a light module of this
package (``emulator.server.wrangler_layout``, ``emulator.server.clock``) does not import
aiohttp, respx or httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.server.app import create_app
    from emulator.server.clock import OffsetClock
    from emulator.server.envelope import ApiRequest, ApiResponse
    from emulator.server.errors import ApiError
    from emulator.server.respx_adapter import RespxHandler, mock_cloudflare_api
    from emulator.server.rest import RestApi
    from emulator.server.wrangler_layout import WranglerLayout

__all__ = [
    "ApiError",
    "ApiRequest",
    "ApiResponse",
    "OffsetClock",
    "RespxHandler",
    "RestApi",
    "WranglerLayout",
    "create_app",
    "mock_cloudflare_api",
]

_MODULES = {
    "ApiError": "emulator.server.errors",
    "ApiRequest": "emulator.server.envelope",
    "ApiResponse": "emulator.server.envelope",
    "OffsetClock": "emulator.server.clock",
    "RespxHandler": "emulator.server.respx_adapter",
    "RestApi": "emulator.server.rest",
    "WranglerLayout": "emulator.server.wrangler_layout",
    "create_app": "emulator.server.app",
    "mock_cloudflare_api": "emulator.server.respx_adapter",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
