"""The README's production migration for the D1 session table is the port's own schema."""

from __future__ import annotations

import re
from pathlib import Path

from emulator.session import SessionConfig

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_migration_creates_the_session_table_of_the_port() -> None:
    found = re.search(
        r"```sql\n-- migrations/0001_create_sessions.sql\n(.*?);\n```",
        README.read_text("utf-8"),
        re.DOTALL,
    )
    assert found is not None
    assert found.group(1) == SessionConfig.d1("DB", "sessions").schema_sql
