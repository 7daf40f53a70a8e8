"""The README's downstream test files run, as a user's project would run them.

README ``python`` blocks whose first line is ``# test_<name>.py`` are test files of a
downstream project (``tests/test_readme.py`` runs the other blocks as scripts). Each is
written to a ``pytester`` folder and run with pytest in a subprocess; ``EXPECTED`` pins
what each reports, so a block added to the README needs its outcome here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
_NAME = re.compile(r"# (test_\w+\.py)\n")

# file -> outcome of its tests (the login app: 3 tests on both backends, 1 on D1 only).
EXPECTED = {
    "test_login_app.py": {"passed": 7},
    "test_cloudflare_api.py": {"passed": 1},
}


def downstream_files() -> dict[str, str]:
    files = {}
    for block in _BLOCK.findall(README.read_text("utf-8")):
        match = _NAME.match(block)
        if match:
            files[match.group(1)] = block
    return files


def test_every_readme_test_file_has_an_expected_outcome() -> None:
    assert set(downstream_files()) == set(EXPECTED)


def test_readme_test_files_pass_in_a_downstream_project(downstream: pytest.Pytester) -> None:
    files = downstream_files()
    for name, source in files.items():
        downstream.path.joinpath(name).write_text(source, "utf-8")
    result = downstream.runpytest_subprocess("-v")
    total = sum(outcome["passed"] for outcome in EXPECTED.values())
    result.assert_outcomes(passed=total)
    for name, outcome in EXPECTED.items():
        passed = [line for line in result.outlines if line.startswith(name) and "PASSED" in line]
        assert len(passed) == outcome["passed"], name
    result.stdout.fnmatch_lines(
        [
            "*test_a_session_lasts_max_age_then_expires?kv? PASSED*",
            "*test_a_session_lasts_max_age_then_expires?d1? PASSED*",
        ]
    )
