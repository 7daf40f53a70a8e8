"""Statement splitting (workerd's MULTI prepare), Miniflare's filter and exec() lines."""

from __future__ import annotations

import pytest

from emulator.d1.splitting import (
    exec_lines,
    first_keyword,
    has_statement,
    is_dropped_statement,
    split_statements,
    tokens,
    utf8_offset,
)


@pytest.mark.parametrize(
    ("sql", "pieces"),
    [
        ("SELECT 1", ("SELECT 1",)),
        ("SELECT 1;   ", ("SELECT 1;",)),
        ("SELECT 1; SELECT 2", ("SELECT 1;", "SELECT 2")),
        # the tail is skipped over whitespace, so the next offset counts from its start
        ("SELECT 1;\n  SELECT nope", ("SELECT 1;", "SELECT nope")),
        # a comment-only tail is a statement of its own, which holds none
        ("SELECT 1; -- c", ("SELECT 1;", "-- c")),
        ("SELECT 1;;", ("SELECT 1;", ";")),
        # an empty statement before a real one is stepped over, as by sqlite3_prepare
        (";select 1", (";select 1",)),
        ("select 1; ;select 2", ("select 1;", ";select 2")),
        ("SELECT 1 /* ; */; SELECT 2", ("SELECT 1 /* ; */;", "SELECT 2")),
        ("SELECT ';'; SELECT 2", ("SELECT ';';", "SELECT 2")),
        (
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT 2; END; SELECT 3",
            ("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT 2; END;", "SELECT 3"),
        ),
        ("  SELECT nope", ("  SELECT nope",)),
        ("", ("",)),
    ],
)
def test_split_statements_follows_workerds_multi_statement_prepare(
    sql: str, pieces: tuple[str, ...]
) -> None:
    assert split_statements(sql) == pieces


@pytest.mark.parametrize(
    ("text", "expected"),
    [("SELECT 1", True), ("-- c", False), ("/* c */", False), (";;", False), ("", False)],
)
def test_has_statement_ignores_comments_and_semicolons(text: str, expected: bool) -> None:
    assert has_statement(text) is expected


@pytest.mark.parametrize(
    ("sql", "dropped"),
    [
        ("", True),
        ("   ", True),
        ("  -- indented comment", True),
        ("\n-- after a newline", True),
        ("-- at column 0", False),  # Miniflare's /^\s+--.*/gm needs leading whitespace
        ("SELECT 1 -- c", False),
    ],
)
def test_is_dropped_statement_mirrors_miniflares_filter(sql: str, dropped: bool) -> None:
    assert is_dropped_statement(sql) is dropped


def test_exec_lines_number_lines_as_written_and_skip_dropped_ones() -> None:
    sql = "\n CREATE TABLE k (v);\nINSERT 1;\n\n   -- comment\nINSERT 2\n"
    assert exec_lines(sql) == [(1, "CREATE TABLE k (v);"), (2, "INSERT 1;"), (5, "INSERT 2")]


def test_tokens_skip_comments_and_keep_strings_and_parameters_whole() -> None:
    sql = "SELECT iif(a, 'x,y') AS [a b], ?1, :x, x'00' -- c\n FROM t"
    assert [(t.kind, t.text) for t in tokens(sql)] == [
        ("id", "SELECT"),
        ("id", "iif"),
        ("op", "("),
        ("id", "a"),
        ("op", ","),
        ("str", "'x,y'"),
        ("op", ")"),
        ("id", "AS"),
        ("id", "[a b]"),
        ("op", ","),
        ("var", "?1"),
        ("op", ","),
        ("var", ":x"),
        ("op", ","),
        ("str", "x'00'"),
        ("id", "FROM"),
        ("id", "t"),
    ]


def test_first_keyword_skips_comments_and_empty_statements() -> None:
    assert first_keyword("  -- x\n /* y */ ; select 1") == "SELECT"
    assert first_keyword("-- only a comment") == ""


def test_utf8_offset_counts_bytes_as_sqlite_does() -> None:
    assert utf8_offset("SELECT 'é', nope", 12) == 13
