"""``SessionConfig``: the seed's builders, immutable, validated when built."""

from __future__ import annotations

import dataclasses

import pytest

from emulator import Emulator, ManualClock
from emulator import _apsw as apsw
from emulator.session import CfArgumentError, D1Backend, KVBackend, SessionConfig
from emulator.session import constants as c
from tests.session.helpers import START

# Expected texts, written out: {secs} is the test's own parameter.
KV_TOO_SHORT = (
    "max_age of {secs} seconds is too short for a KV session: KV refuses expiration_ttl "
    "under 60 seconds (KV PUT failed: 400 Invalid expiration_ttl of {secs}. Expiration TTL "
    "must be at least 60.), so every request that saves the session would fail"
)
TOO_LONG = "max_age of 2147483648 seconds is over 2147483647, the largest expiration_ttl KV accepts"
INVALID_TABLE = (
    "invalid D1 session table name {table!r}: use letters, digits and '_', not starting "
    "with a digit (the name is written into the session SQL unquoted)"
)
KEYWORD_TABLE = (
    "invalid D1 session table name {table!r}: it is an SQL keyword "
    "(the name is written into the session SQL unquoted)"
)
RESERVED_TABLE = (
    "invalid D1 session table name {table!r}: names starting with 'sqlite_' or '_cf_' are "
    "reserved (D1 refuses them)"
)


def test_kv_config_has_the_seeds_defaults() -> None:
    config = SessionConfig.kv("SESSIONS")
    assert config.backend == KVBackend("SESSIONS")
    assert config.session_cookie.name == "__session"
    assert config.max_age_secs == 86400


def test_d1_config_has_the_seeds_defaults() -> None:
    config = SessionConfig.d1("DB", "sessions")
    assert config.backend == D1Backend("DB", "sessions")
    assert (config.session_cookie.name, config.max_age_secs) == ("__session", 86400)


def test_builders_return_new_configs_and_leave_the_original_alone() -> None:
    base = SessionConfig.kv("SESSIONS")
    built = base.cookie_name("__Host-sid").max_age(3600)
    assert (built.session_cookie.name, built.max_age_secs) == ("__Host-sid", 3600)
    assert (base.session_cookie.name, base.max_age_secs) == ("__session", 86400)
    assert built.backend is base.backend


def test_configs_are_immutable_and_hashable() -> None:
    config = SessionConfig.kv("SESSIONS")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.max_age_secs = 60  # type: ignore[misc]
    assert hash(config) == hash(SessionConfig.kv("SESSIONS"))
    assert config == SessionConfig.kv("SESSIONS")


@pytest.mark.parametrize(
    ("secs", "message"),
    [
        (59, KV_TOO_SHORT.format(secs=59)),
        (1, KV_TOO_SHORT.format(secs=1)),
        (0, KV_TOO_SHORT.format(secs=0)),
        (-5, KV_TOO_SHORT.format(secs=-5)),
        (2_147_483_648, TOO_LONG),
        (60.0, "max_age must be an int number of seconds, got float"),
        (True, "max_age must be an int number of seconds, got bool"),
        ("3600", "max_age must be an int number of seconds, got str"),
    ],
)
def test_kv_max_age_is_refused_when_the_config_is_built(secs: object, message: str) -> None:
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.kv("SESSIONS").max_age(secs)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_kv_max_age_message_quotes_the_kv_error_it_prevents() -> None:
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.kv("SESSIONS").max_age(59)
    assert str(caught.value) == (
        "max_age of 59 seconds is too short for a KV session: KV refuses expiration_ttl "
        "under 60 seconds (KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL "
        "must be at least 60.), so every request that saves the session would fail"
    )


@pytest.mark.parametrize("secs", [60, 61, 86400, 2_147_483_647])
def test_kv_max_age_of_60_seconds_or_more_is_accepted(secs: int) -> None:
    assert SessionConfig.kv("SESSIONS").max_age(secs).max_age_secs == secs


@pytest.mark.parametrize(
    ("secs", "message"),
    [
        (0, "max_age must be at least 1 second, got 0"),
        (-1, "max_age must be at least 1 second, got -1"),
        (2_147_483_648, TOO_LONG),
    ],
)
def test_d1_max_age_must_be_positive(secs: int, message: str) -> None:
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.d1("DB", "sessions").max_age(secs)
    assert str(caught.value) == message


def test_d1_max_age_may_be_under_a_minute() -> None:
    assert SessionConfig.d1("DB", "sessions").max_age(1).max_age_secs == 1


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("sessions; DROP TABLE users", INVALID_TABLE),
        ("sessions--", INVALID_TABLE),
        ('"sessions"', INVALID_TABLE),
        ("main.sessions", INVALID_TABLE),
        ("1sessions", INVALID_TABLE),
        ("", INVALID_TABLE),
        ("séssions", INVALID_TABLE),
        ("a" * 129, INVALID_TABLE),
        ("select", KEYWORD_TABLE),
        ("Table", KEYWORD_TABLE),
        ("WHERE", KEYWORD_TABLE),
        ("sqlite_sessions", RESERVED_TABLE),
        ("SQLITE_x", RESERVED_TABLE),
        ("_cf_sessions", RESERVED_TABLE),
    ],
)
def test_d1_table_name_is_validated_as_an_identifier(table: str, message: str) -> None:
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.d1("DB", table)
    assert str(caught.value) == message.format(table=table)


def test_table_name_message_reads_as_written() -> None:
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.d1("DB", "x; DROP TABLE users")
    assert str(caught.value) == (
        "invalid D1 session table name 'x; DROP TABLE users': use letters, digits and '_', "
        "not starting with a digit (the name is written into the session SQL unquoted)"
    )


@pytest.mark.parametrize("table", ["sessions", "user_sessions", "_s", "Sessions2", "_CF_x"])
def test_plain_identifiers_are_accepted_as_table_names(table: str) -> None:
    assert SessionConfig.d1("DB", table).backend == D1Backend("DB", table)


def test_keyword_list_is_sqlites_own() -> None:
    assert {word.upper() for word in apsw.keywords} == c.SQL_KEYWORDS


@pytest.mark.parametrize("binding", ["", "1DB", "my-db", "DB.x", "a b", None, "x" * 129])
def test_binding_name_must_be_a_javascript_identifier(binding: object) -> None:
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.kv(binding)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"invalid binding name {binding!r}: use letters, digits, '_' or '$', not starting with "
        "a digit (wrangler binding names are JavaScript identifiers)"
    )


@pytest.mark.parametrize("name", ["", "a b", "a;b", "a=b", "sé", 'a"b', "a,b", "a\r\nX: y", None])
def test_cookie_name_must_be_an_rfc6265_token(name: object) -> None:
    with pytest.raises(CfArgumentError) as caught:
        SessionConfig.kv("SESSIONS").cookie_name(name)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"invalid cookie name {name!r}: use letters, digits and !#$%&'*+-.^_`|~ (an RFC 6265 token)"
    )


@pytest.mark.parametrize("name", ["sid", "__Host-session", "__Secure-sid", "a.b!#$%&'*+^_`|~"])
def test_token_cookie_names_are_accepted(name: str) -> None:
    assert SessionConfig.kv("SESSIONS").cookie_name(name).session_cookie.name == name


def test_config_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="too short for a KV session"):
        SessionConfig.kv("SESSIONS").max_age(10)


def test_schema_sql_is_the_seeds_documented_schema() -> None:
    assert SessionConfig.d1("DB", "sessions").schema_sql == (
        "CREATE TABLE IF NOT EXISTS sessions "
        "(id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL)"
    )


@pytest.mark.parametrize("method", ["create_table", "purge_expired"])
async def test_d1_helpers_refuse_a_kv_config(method: str) -> None:
    helper = getattr(SessionConfig.kv("SESSIONS"), method)
    with pytest.raises(CfArgumentError) as caught:
        await helper(object())
    assert str(caught.value) == (
        f"{method}() needs a D1 session config (SessionConfig.d1(binding, table))"
    )


def test_schema_sql_refuses_a_kv_config() -> None:
    with pytest.raises(CfArgumentError) as caught:
        _ = SessionConfig.kv("SESSIONS").schema_sql
    assert str(caught.value) == (
        "schema_sql() needs a D1 session config (SessionConfig.d1(binding, table))"
    )


async def test_create_table_makes_the_seeds_table_and_is_idempotent() -> None:
    with Emulator(clock=ManualClock(start=START)) as emulator:
        db = emulator.d1("DB")
        config = SessionConfig.d1("DB", "web_sessions")
        await config.create_table(db)
        await config.create_table(db)
        columns = (await db.prepare("PRAGMA table_info(web_sessions)").all()).results
        assert [(col["name"], col["type"], col["notnull"], col["pk"]) for col in columns] == [
            ("id", "TEXT", 0, 1),
            ("data", "TEXT", 1, 0),
            ("expires_at", "INTEGER", 1, 0),
        ]


async def test_purge_expired_deletes_only_rows_whose_time_has_come() -> None:
    clock = ManualClock(start=START)
    with Emulator(clock=clock) as emulator:
        db = emulator.d1("DB")
        config = SessionConfig.d1("DB", "sessions")
        await config.create_table(db)
        insert = "INSERT INTO sessions (id, data, expires_at) VALUES (?, '{}', ?)"
        for name, expires_at in [("a", START - 1), ("b", START), ("c", START + 1)]:
            await db.prepare(insert).bind(f"session:{name}", expires_at).run()
        assert await config.purge_expired(db) == 2
        remaining = await db.prepare("SELECT id FROM sessions").all()
        assert [row["id"] for row in remaining.results] == ["session:c"]
        clock.shift(1)
        assert await config.purge_expired(db) == 1
