"""Marker arguments: what ``cf_time`` and ``cf_session_backend`` accept, and the exact errors.

The parsing is tested directly; how a bad marker stops a run is tested with ``pytester``
(in-process: nothing runs, collection fails).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from pytest_plugin.markers import (
    INSTANT_HELP,
    backends_from_marker,
    instant_from_marker,
    parse_instant,
)

NODE = "test_x.py::test_y"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2030-01-02T03:04:05Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02T03:04:05+02:00", datetime(2030, 1, 2, 1, 4, 5, tzinfo=UTC)),
        ("2030-01-02 03:04:05", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02", datetime(2030, 1, 2, tzinfo=UTC)),
        (datetime(2030, 1, 2, 3, 4, 5), datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (
            datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5))),
            datetime(2030, 1, 2, 8, 4, 5, tzinfo=UTC),
        ),
        (date(2030, 1, 2), datetime(2030, 1, 2, tzinfo=UTC)),
        (1_893_456_000, datetime(2030, 1, 1, tzinfo=UTC)),
        (1_893_456_000.5, datetime(2030, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC)),
    ],
)
def test_parse_instant_accepts_iso_strings_datetimes_dates_and_epoch_seconds(
    when: object, expected: datetime
) -> None:
    parsed = parse_instant(when)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("next tuesday", f"'next tuesday' is not a date: {INSTANT_HELP}"),
        ("2030-13-01", f"'2030-13-01' is not a date: {INSTANT_HELP}"),
        ("", f"'' is not a date: {INSTANT_HELP}"),
        (True, f"cannot start the clock at True: {INSTANT_HELP}"),
        (None, f"cannot start the clock at None: {INSTANT_HELP}"),
        ([2030, 1, 1], f"cannot start the clock at [2030, 1, 1]: {INSTANT_HELP}"),
        (10**20, "100000000000000000000 is out of range as epoch seconds"),
    ],
)
def test_parse_instant_refuses_anything_else_with_the_accepted_forms(
    when: object, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        parse_instant(when)
    assert str(caught.value) == message


def test_instant_help_names_every_accepted_form() -> None:
    assert INSTANT_HELP == (
        "use an ISO 8601 string such as '2030-01-02T03:04:05Z', a datetime or date "
        "(naive means UTC), or epoch seconds"
    )


def test_cf_time_marker_takes_exactly_one_instant() -> None:
    marker = pytest.mark.cf_time("2030-01-01", "2031-01-01").mark
    with pytest.raises(ValueError, match="takes exactly one argument") as caught:
        instant_from_marker(marker, NODE)
    assert str(caught.value) == (
        f"{NODE}: @pytest.mark.cf_time takes exactly one argument, the instant to start at "
        f"({INSTANT_HELP}); got args=('2030-01-01', '2031-01-01') kwargs={{}}"
    )


def test_cf_time_marker_error_names_the_test() -> None:
    marker = pytest.mark.cf_time("yesterday").mark
    with pytest.raises(ValueError, match="is not a date") as caught:
        instant_from_marker(marker, NODE)
    assert str(caught.value) == (
        f"{NODE}: @pytest.mark.cf_time: 'yesterday' is not a date: {INSTANT_HELP}"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("kv",), ("kv",)),
        (("d1",), ("d1",)),
        (("d1", "kv"), ("kv", "d1")),
        (("kv,d1",), ("kv", "d1")),
        ((["d1"],), ("d1",)),
        ((("kv", "d1"),), ("kv", "d1")),
    ],
)
def test_session_backend_marker_accepts_names_in_any_form(
    args: tuple[object, ...], expected: tuple[str, ...]
) -> None:
    marker = pytest.mark.cf_session_backend(*args).mark
    assert backends_from_marker(marker, NODE) == expected


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (
            ("redis",),
            {},
            f"{NODE}: @pytest.mark.cf_session_backend: unknown session backend 'redis'; "
            "use 'kv', 'd1' or both ('kv,d1')",
        ),
        (
            ("KV",),
            {},
            f"{NODE}: @pytest.mark.cf_session_backend: unknown session backend 'KV'; "
            "use 'kv', 'd1' or both ('kv,d1')",
        ),
        (
            (),
            {},
            f"{NODE}: @pytest.mark.cf_session_backend: name at least one session backend: "
            "'kv' or 'd1'",
        ),
        (
            (),
            {"backend": "kv"},
            f"{NODE}: @pytest.mark.cf_session_backend takes backend names only "
            "(e.g. @pytest.mark.cf_session_backend('kv')); got {'backend': 'kv'}",
        ),
    ],
)
def test_session_backend_marker_refuses_unknown_or_missing_names(
    args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    marker = pytest.mark.cf_session_backend(*args, **kwargs).mark
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        backends_from_marker(marker, NODE)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            """
            import pytest

            @pytest.mark.cf_time("31/12/2030")
            def test_bad_date(cf_time):
                pass
            """,
            "test_bad_markers.py::test_bad_date: @pytest.mark.cf_time: '31/12/2030' is not "
            f"a date: {INSTANT_HELP}",
        ),
        (
            # The marker alone (without the fixture) is checked too.
            """
            import pytest

            @pytest.mark.cf_time(True)
            def test_bad_type():
                pass
            """,
            "test_bad_markers.py::test_bad_type: @pytest.mark.cf_time: cannot start the "
            f"clock at True: {INSTANT_HELP}",
        ),
        (
            """
            import pytest

            @pytest.mark.cf_session_backend("postgres")
            def test_bad_backend(cf_session_backend):
                pass
            """,
            "test_bad_markers.py::test_bad_backend: @pytest.mark.cf_session_backend: unknown "
            "session backend 'postgres'; use 'kv', 'd1' or both ('kv,d1')",
        ),
        (
            """
            import pytest

            @pytest.mark.cf_time("2030-01-01")
            @pytest.mark.time_machine("2030-01-01")
            def test_both_clocks():
                pass
            """,
            "test_bad_markers.py::test_both_clocks: uses cf_time and "
            "@pytest.mark.time_machine: cf_time is built on freezegun, which cannot run "
            "while time-machine travels; drop one of them",
        ),
        (
            """
            import pytest

            @pytest.mark.cf_session_backend("kv")
            def test_unused(cf_emulator):
                pass
            """,
            "test_bad_markers.py::test_unused: @pytest.mark.cf_session_backend has no "
            "effect: the test uses none of cf_session_backend, cf_session_config or cf_client",
        ),
    ],
    ids=[
        "cf_time-bad-date",
        "cf_time-bad-type",
        "unknown-backend",
        "time-machine-too",
        "backend-marker-unused",
    ],
)
def test_a_bad_marker_fails_collection_with_what_to_fix(
    downstream: pytest.Pytester, source: str, message: str
) -> None:
    downstream.makepyfile(test_bad_markers=source)
    downstream.makepyfile(test_fine="def test_fine():\n    pass\n")
    result = downstream.runpytest_inprocess()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ERROR collecting test_bad_markers.py*", message])
    # The run stops at collection: not even the good test runs.
    result.stdout.no_fnmatch_line("*passed*")
