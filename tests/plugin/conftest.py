"""Helpers for running downstream test files through ``pytester``."""

from __future__ import annotations

import pytest

# What a downstream project would write: pytest-asyncio's loop scope set (pytest-asyncio
# warns otherwise) and every warning an error, so the plugin is shown to be warning-free.
DOWNSTREAM_INI = """\
[pytest]
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""


@pytest.fixture
def downstream(pytester: pytest.Pytester) -> pytest.Pytester:
    """A ``pytester`` folder set up as a downstream project (strict asyncio mode)."""
    pytester.makeini(DOWNSTREAM_INI)
    return pytester
