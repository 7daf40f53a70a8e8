"""Fixtures for the inspector's tests: the app's core with the inspector's routes."""

from __future__ import annotations

import pytest

from emulator import Emulator
from emulator.server import RestApi, create_app
from emulator.server.app import REST_API


@pytest.fixture
def ui_api(emu: Emulator) -> RestApi:
    """The core of an app built by ``create_app``: the REST API plus the inspector's routes."""
    return create_app(emu)[REST_API]
