"""The plugin's markers: registration text and argument checks.

Markers are checked while tests are collected, so a bad argument fails the run at once with
the test's id and what to write instead, never later inside a fixture.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import pytest

from pytest_plugin.options import Backend, parse_backends

__all__ = [
    "CF_SESSION_BACKEND_MARKER",
    "CF_TIME_MARKER",
    "INSTANT_HELP",
    "MARKER_HELP",
    "backends_from_marker",
    "instant_from_marker",
    "parse_instant",
]

CF_TIME_MARKER: Final = "cf_time"
CF_SESSION_BACKEND_MARKER: Final = "cf_session_backend"

#: ``name(args): help`` lines registered in ``pytest_configure``.
MARKER_HELP: Final = (
    f"{CF_TIME_MARKER}(when): start the test's frozen clock (cf_time) at `when`: an ISO 8601 "
    "string such as '2030-01-02T03:04:05Z', a datetime or date (naive means UTC), or epoch "
    "seconds. Using the marker requests cf_time.",
    f"{CF_SESSION_BACKEND_MARKER}(*backends): run this test only on these session backends "
    "('kv', 'd1'), within those --cf-session-backend allows.",
)

#: What ``cf_time`` accepts as an instant, quoted by every error about one (the words of
#: ``emulator.clock.INSTANT_FORMS``, which cannot be imported while the plugin loads).
INSTANT_HELP = (
    "use an ISO 8601 string such as '2030-01-02T03:04:05Z', a datetime or date "
    "(naive means UTC), or epoch seconds"
)


def parse_instant(when: object) -> datetime:
    """Turn a marker argument into an aware UTC datetime (``emulator.clock.to_datetime``).

    Raises ``ValueError`` saying which forms are accepted, for a wrong type as well.
    """
    # Imported here: loading the plugin must not load the emulator.
    from emulator.clock import to_datetime

    try:
        return to_datetime(when)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(f"cannot start the clock at {when!r}: {INSTANT_HELP}") from None


def instant_from_marker(marker: pytest.Mark, nodeid: str) -> datetime:
    """Read ``@pytest.mark.cf_time(when)``; raise ``ValueError`` naming the test."""
    if len(marker.args) != 1 or marker.kwargs:
        raise ValueError(
            f"{nodeid}: @pytest.mark.{CF_TIME_MARKER} takes exactly one argument, the "
            f"instant to start at ({INSTANT_HELP}); got args={marker.args!r} "
            f"kwargs={marker.kwargs!r}"
        )
    try:
        return parse_instant(marker.args[0])
    except ValueError as exc:
        raise ValueError(f"{nodeid}: @pytest.mark.{CF_TIME_MARKER}: {exc}") from None


def backends_from_marker(marker: pytest.Mark, nodeid: str) -> tuple[Backend, ...]:
    """Read ``@pytest.mark.cf_session_backend("kv", ...)``; raise ``ValueError`` naming the test."""
    if marker.kwargs:
        raise ValueError(
            f"{nodeid}: @pytest.mark.{CF_SESSION_BACKEND_MARKER} takes backend names only "
            f"(e.g. @pytest.mark.{CF_SESSION_BACKEND_MARKER}('kv')); got {marker.kwargs!r}"
        )
    args: Sequence[object] = marker.args
    if len(args) == 1 and isinstance(args[0], list | tuple):
        args = args[0]
    # Accept "kv,d1" as the command-line flag does.
    names: list[object] = []
    for arg in args:
        if isinstance(arg, str):
            names.extend(part.strip() for part in arg.split(","))
        else:
            names.append(arg)
    return parse_backends(names, where=f"{nodeid}: @pytest.mark.{CF_SESSION_BACKEND_MARKER}")
