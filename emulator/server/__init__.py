"""Cloudflare's REST API v4 for KV and D1, over HTTP (aiohttp) and in-process (respx).

One transport-free core, ``RestApi``, answers every request; ``create_app`` serves it with
aiohttp and ``mock_cloudflare_api`` answers httpx calls to ``api.cloudflare.com`` with it.
``python -m emulator serve`` runs the aiohttp server (see ``emulator.server.cli``).
"""

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
