"""``rows_read`` / ``rows_written`` of RETURNING, REPLACE, rowid lookups by a bound key,
ORDER BY over GROUP BY's groups, sorters under a LIMIT larger than what comes back, and
``id IN (SELECT ...)``.

Each case is a statement, its parameters and the ``(rows_read, rows_written)`` that
Miniflare 4.20260426 reported for it, run in order on one database (a session).
"""

from __future__ import annotations

from typing import TypeAlias

import pytest

from emulator import D1Database
from emulator.d1.binding import Param

Step: TypeAlias = tuple[str, tuple[Param, ...], int, int]

RETURNING_SETUP = (
    "CREATE TABLE todos (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, done INTEGER NOT NULL "
    "DEFAULT 0); INSERT INTO todos (owner) VALUES ('ann'),('bob'),('ann');"
)
# RETURNING's buffer is rewound (one read) even when no row comes back; an UPDATE over a
# scan collects its rows first, then looks each up by rowid.
RETURNING: list[Step] = [
    ("UPDATE todos SET done = 1 WHERE id = ? AND owner = ? RETURNING id, done", (3, "bob"), 2, 0),
    ("UPDATE todos SET done = 1 WHERE id = ? RETURNING id", (99,), 2, 0),
    ("UPDATE todos SET done = 1 WHERE owner = ? RETURNING id", ("zed",), 5, 0),
    ("UPDATE todos SET done = 1 WHERE owner = ? RETURNING id", ("ann",), 9, 2),
    ("DELETE FROM todos WHERE id = ? RETURNING id", (42,), 2, 0),
    ("DELETE FROM todos WHERE id = ? RETURNING id", (2,), 2, 1),
    ("INSERT OR IGNORE INTO todos (id, owner) VALUES (1, 'x') RETURNING id", (), 2, 0),
    ("INSERT INTO todos (owner) VALUES ('q') RETURNING id", (), 1, 1),
    ("INSERT INTO todos (owner) VALUES ('q'), ('r'), ('s') RETURNING id", (), 6, 3),
    ("UPDATE todos SET done = 2 RETURNING id", (), 24, 6),
]

NULL_KEY_SETUP = (
    "CREATE TABLE e (id INTEGER PRIMARY KEY, u TEXT); INSERT INTO e (u) VALUES ('a'),('b');"
)
# A key that is not an integer after numeric affinity skips the rowid lookup.
NULL_KEY: list[Step] = [
    ("SELECT * FROM e WHERE id = ?", (None,), 0, 0),
    ("SELECT * FROM e WHERE id = ?", ("abc",), 0, 0),
    ("SELECT * FROM e WHERE id = ?", ("2",), 1, 0),
    ("SELECT * FROM e WHERE id = ?", (1.5,), 0, 0),
    ("SELECT * FROM e WHERE id = ?", (7,), 1, 0),
    ("UPDATE e SET u = 'z' WHERE id = ?", (None,), 0, 0),
    ("DELETE FROM e WHERE id = ?", (None,), 0, 0),
    ("SELECT * FROM e WHERE id = NULL", (), 0, 0),
]

REPLACE_SETUP = (
    "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT); "
    "CREATE TABLE s (id TEXT PRIMARY KEY, user_id INT, exp INT); "
    "CREATE INDEX s_user ON s(user_id); "
    "CREATE TABLE u (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT);"
)
# A REPLACE keyed by a UNIQUE index reads the row it replaces, and nothing for a new key.
REPLACE: list[Step] = [
    ("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", ("a", "1"), 0, 2),
    ("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", ("a", "2"), 1, 2),
    ("REPLACE INTO kv (k, v) VALUES (?, ?)", ("b", "1"), 0, 2),
    ("REPLACE INTO kv (k, v) VALUES ('a', '3'), ('c', '1'), ('b', '2')", (), 2, 6),
    ("INSERT OR REPLACE INTO s VALUES (?, ?, ?)", ("s1", 1, 10), 0, 3),
    ("INSERT OR REPLACE INTO s VALUES (?, ?, ?)", ("s1", 2, 11), 1, 3),
    ("INSERT OR REPLACE INTO u (email, name) VALUES (?, ?)", ("a@x", "A"), 0, 2),
    ("INSERT OR REPLACE INTO u (email, name) VALUES (?, ?)", ("a@x", "B"), 1, 2),
    ("INSERT OR REPLACE INTO u (id, email, name) VALUES (?, ?, ?)", (5, "b@x", "C"), 1, 2),
    ("INSERT OR REPLACE INTO u (id, email, name) VALUES (?, ?, ?)", (5, "b@x", "D"), 1, 2),
    ("SELECT count(*) n FROM kv", (), 3, 0),
]


GROUPS_SETUP = (
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, status TEXT NOT NULL, "
    "total INTEGER NOT NULL); CREATE INDEX orders_customer ON orders(customer); "
    "INSERT INTO orders (customer, status, total) VALUES ('ann','paid',10),('bob','paid',20),"
    "('ann','open',5),('cat','paid',7),('bob','open',1),('ann','paid',3),('dan','void',9),"
    "('cat','open',4);"
)
# GROUP BY through an index needs no sorter; ORDER BY over the groups sorts one entry per
# group (its sorter is rewound, one read, even when there is no group).
GROUPS: list[Step] = [
    (
        "SELECT customer, count(*) AS n, sum(total) AS spent FROM orders GROUP BY customer "
        "ORDER BY spent DESC",
        (),
        12,
        0,
    ),
    (
        "SELECT customer, count(*) AS n FROM orders GROUP BY customer ORDER BY n DESC, customer",
        (),
        12,
        0,
    ),
    ("SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY n DESC", (), 19, 0),
    ("SELECT status, sum(total) AS t FROM orders GROUP BY status ORDER BY status", (), 16, 0),
    (
        "SELECT customer, max(total) AS m FROM orders GROUP BY customer HAVING m > 6 ORDER BY m",
        (),
        12,
        0,
    ),
    (
        "SELECT customer, count(*) AS n FROM orders WHERE total > 100 GROUP BY customer ORDER BY n",
        (),
        9,
        0,
    ),
]

LIMITS_SETUP = (
    "CREATE TABLE tasks (id INTEGER PRIMARY KEY, owner TEXT NOT NULL, due TEXT, prio INTEGER); "
    "CREATE INDEX tasks_owner ON tasks(owner); INSERT INTO tasks (owner, due, prio) VALUES "
    "('ann','2025-01-10',2),('bob','2025-02-11',1),('ann','2025-03-12',3),"
    "('cat','2025-04-13',1),('ann','2025-05-14',2),('bob','2025-06-15',5),"
    "('dan','2025-07-16',4);"
)
# Fewer rows than the LIMIT: the sorter read each of them (rewound once when empty), and an
# index range under a sorter runs to its end.
LIMITS: list[Step] = [
    ("SELECT * FROM tasks WHERE due < ? ORDER BY due LIMIT 5", ("2025-03-01",), 9, 0),
    ("SELECT * FROM tasks WHERE due < ? ORDER BY due LIMIT ?", ("2025-05-01", 10), 11, 0),
    ("SELECT id FROM tasks WHERE prio > 9 ORDER BY prio DESC LIMIT 3", (), 8, 0),
    ("SELECT id FROM tasks WHERE prio > 9 ORDER BY prio DESC", (), 8, 0),
    ("SELECT id, prio FROM tasks ORDER BY prio DESC LIMIT 20", (), 14, 0),
    ("SELECT id FROM tasks WHERE owner = ? ORDER BY prio LIMIT 10", ("ann",), 7, 0),
    ("SELECT owner, count(*) AS n FROM tasks GROUP BY owner ORDER BY n DESC LIMIT 10", (), 11, 0),
]

IN_SUBQUERY_SETUP = (
    "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT, views INTEGER); "
    "CREATE TABLE tags (post_id INTEGER REFERENCES posts(id), tag TEXT); "
    "INSERT INTO posts (title, views) VALUES ('a',5),('b',50),('c',7),('d',500),('e',1),('f',60); "
    "INSERT INTO tags VALUES (1,'sql'),(2,'py'),(4,'sql'),(4,'py'),(6,'sql'),(1,'py');"
)
# The subquery's scan fills a temporary index once; each distinct value looks a post up.
IN_SUBQUERY: list[Step] = [
    (
        "SELECT id, title FROM posts WHERE id IN (SELECT post_id FROM tags WHERE tag = ?)",
        ("sql",),
        12,
        0,
    ),
    (
        "SELECT id, title FROM posts WHERE id IN (SELECT post_id FROM tags WHERE tag = ?) "
        "ORDER BY id",
        ("py",),
        12,
        0,
    ),
    ("SELECT id FROM posts WHERE id IN (SELECT post_id FROM tags WHERE tag = ?)", ("none",), 7, 0),
    ("SELECT title FROM posts WHERE id IN (SELECT id FROM posts WHERE views > 40)", (), 12, 0),
    ("SELECT title FROM posts WHERE id IN (SELECT post_id FROM tags)", (), 14, 0),
]


@pytest.mark.parametrize(
    ("setup", "steps"),
    [
        (RETURNING_SETUP, RETURNING),
        (NULL_KEY_SETUP, NULL_KEY),
        (REPLACE_SETUP, REPLACE),
        (GROUPS_SETUP, GROUPS),
        (LIMITS_SETUP, LIMITS),
        (IN_SUBQUERY_SETUP, IN_SUBQUERY),
    ],
    ids=[
        "returning",
        "non-integer-rowid-key",
        "replace",
        "order-by-groups",
        "limits",
        "in-subquery",
    ],
)
async def test_each_statement_reads_and_writes_what_miniflare_reported(
    db: D1Database, setup: str, steps: list[Step]
) -> None:
    await db.exec(setup)
    seen = []
    for sql, params, _read, _written in steps:
        meta = (await db.prepare(sql).bind(*params).run()).meta
        seen.append((sql, params, meta["rows_read"], meta["rows_written"]))
    assert seen == steps
