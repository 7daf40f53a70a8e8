"""The behaviour reference under docs/ is the one the code cites: every ``docs/<page>.md#anchor``
in the code, the tests and the README names a page and a heading that exist, and nothing
cites a document outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CITING = [
    *sorted((ROOT / "emulator").rglob("*.py")),
    *sorted((ROOT / "pytest_plugin").rglob("*.py")),
    *sorted((ROOT / "tests").rglob("*.py")),
    ROOT / "README.md",
    *sorted(DOCS.glob("*.md")),
]
CITATION = re.compile(r"docs/([a-z0-9-]+)\.md#([a-z0-9-]+)")


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown page, plus explicit ``<a id="...">`` ones."""
    text = page.read_text("utf-8")
    found = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', text))
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def citations() -> list[tuple[str, str, str]]:
    found = []
    for path in CITING:
        for page, anchor in CITATION.findall(path.read_text("utf-8")):
            found.append((str(path.relative_to(ROOT)), page, anchor))
    return found


def test_the_code_cites_the_reference() -> None:
    assert len(citations()) >= 30


@pytest.mark.parametrize(("where", "page", "anchor"), citations())
def test_every_citation_names_an_existing_page_and_heading(
    where: str, page: str, anchor: str
) -> None:
    target = DOCS / f"{page}.md"
    assert target.is_file(), f"{where} cites docs/{page}.md, which does not exist"
    assert anchor in anchors(target), f"{where} cites docs/{page}.md#{anchor}: no such heading"


@pytest.mark.parametrize("path", CITING, ids=lambda path: str(path.relative_to(ROOT)))
def test_nothing_cites_the_reference_outside_the_repository(path: Path) -> None:
    text = path.read_text("utf-8")
    outside = re.findall(r"Decision \d+|semantics (?:reference|section|document)", text)
    assert outside == [] or path == Path(__file__)
