"""The README's Python examples run as written, so the README cannot drift from the code.

Every fenced ``python`` block is executed as a script in a fresh namespace, except blocks
whose first line is ``# test_<name>.py``: those are downstream test files, run by pytest
through ``pytester`` in the plugin's own tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def python_blocks() -> list[str]:
    return _BLOCK.findall(README.read_text("utf-8"))


def script_blocks() -> list[str]:
    return [block for block in python_blocks() if not block.startswith("# test_")]


def test_readme_has_runnable_examples() -> None:
    assert script_blocks(), "the README should show at least one runnable example"


@pytest.mark.parametrize(
    "source", script_blocks(), ids=lambda block: block.splitlines()[0][:40] or "block"
)
def test_readme_example_runs(source: str) -> None:
    code = compile(source, str(README), "exec")
    exec(code, {"__name__": "__readme__"})


def test_readme_shows_the_test_command() -> None:
    text = README.read_text("utf-8")
    assert "python -m pip install -e '.[test]' && python -m pytest" in text
