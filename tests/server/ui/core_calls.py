"""Calls to the inspector's routes straight through the app's core (no HTTP)."""

from __future__ import annotations

from typing import Any

from emulator.server import RestApi
from tests.server.helpers import call

UI = "/__emulator/ui/api"


def result(api: RestApi, method: str, target: str, body: Any = b"") -> Any:
    """The ``result`` of a successful answer (fails the test on any other)."""
    response = call(api, method, target, body)
    assert response.status == 200, response.body
    return response.json()["result"]
