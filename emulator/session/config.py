"""``SessionConfig``: which backend holds sessions, the cookie, the max age, and options.

Configs are immutable: ``SessionConfig.kv("SESSIONS").cookie_name("sid").max_age(3600)``
builds a new config at each step, and every step is validated, so a config that would fail
at request time (a KV max age under 60 s, a table name that is not an identifier, a
``__Host-`` cookie with a domain) fails where it is written instead.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from emulator.d1.authorizer import is_user_table
from emulator.session import constants as c
from emulator.session.backend import SessionBackend
from emulator.session.cookies import SessionCookie, validate_cookie_name
from emulator.session.d1_backend import D1Backend
from emulator.session.errors import CfArgumentError
from emulator.session.kv_backend import KVBackend

__all__ = [
    "SessionConfig",
    "validate_binding_name",
    "validate_cookie_name",
    "validate_table_name",
]


def validate_binding_name(name: object) -> str:
    """Return ``name`` if it can name a binding; raise ``CfArgumentError`` otherwise."""
    if not isinstance(name, str) or not c.BINDING_NAME_PATTERN.fullmatch(name):
        raise CfArgumentError(c.INVALID_BINDING_NAME.format(name=name))
    return name


def validate_table_name(table: object) -> str:
    """Return ``table`` if it is safe to write unquoted into SQL; raise ``CfArgumentError``."""
    if not isinstance(table, str) or not c.TABLE_NAME_PATTERN.fullmatch(table):
        raise CfArgumentError(c.INVALID_TABLE_NAME.format(table=table))
    if table.upper() in c.SQL_KEYWORDS:
        raise CfArgumentError(c.TABLE_NAME_IS_KEYWORD.format(table=table))
    if not is_user_table(table):  # SQLite's "sqlite_" (any case) or D1's "_cf_"
        raise CfArgumentError(c.TABLE_NAME_RESERVED.format(table=table))
    return table


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise CfArgumentError(c.OPTION_NOT_BOOL.format(name=name, value=value))
    return value


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """Where sessions live and how their cookie looks; build with ``kv()`` or ``d1()``.

    ``backend`` may also be your own ``SessionBackend`` (``SessionConfig(MyBackend(...))``),
    as an aiohttp-session ``AbstractStorage`` would be.

    ``session_cookie`` is the cookie's name and attributes; ``max_age_secs`` both the
    cookie's ``Max-Age`` and the backend expiry (KV ``expiration_ttl``, D1
    ``expires_at``); ``saves_new_empty`` and ``detects_conflicts`` are set by the builders
    of the same names. Constructing a config that could never work raises
    ``CfArgumentError``.
    """

    backend: SessionBackend
    session_cookie: SessionCookie = dataclasses.field(default_factory=SessionCookie)
    max_age_secs: int = c.DEFAULT_MAX_AGE
    saves_new_empty: bool = True
    detects_conflicts: bool = False

    def __post_init__(self) -> None:
        validate_binding_name(self.backend.binding)
        if isinstance(self.backend, D1Backend):
            validate_table_name(self.backend.table)
        secs = self.max_age_secs
        if isinstance(secs, bool) or not isinstance(secs, int):
            raise CfArgumentError(c.MAX_AGE_NOT_INT.format(type=type(secs).__name__))
        self.backend.check_max_age(secs)
        if secs < c.MIN_MAX_AGE:
            raise CfArgumentError(c.MAX_AGE_TOO_SHORT.format(minimum=c.MIN_MAX_AGE, secs=secs))
        if secs > c.MAX_MAX_AGE:
            raise CfArgumentError(c.MAX_AGE_TOO_LONG.format(secs=secs))
        _flag("save_new_empty", self.saves_new_empty)
        if _flag("detect_conflicts", self.detects_conflicts):
            self.backend.check_conflict_detection()

    @classmethod
    def kv(cls, binding: str) -> SessionConfig:
        """Keep sessions in the KV namespace bound as ``binding``.

        Raises ``CfArgumentError`` if ``binding`` is not a binding name.
        """
        return cls(KVBackend(binding))

    @classmethod
    def d1(cls, binding: str, table: str) -> SessionConfig:
        """Keep sessions in ``table`` of the D1 database bound as ``binding``.

        The table needs the seed's schema (``create_table`` makes it). Raises
        ``CfArgumentError`` if ``table`` is not a plain SQL identifier, is an SQL keyword,
        or starts with ``sqlite_`` or ``_cf_``.
        """
        return cls(D1Backend(binding, table))

    def cookie_name(self, name: str) -> SessionConfig:
        """Return a copy using cookie ``name``; raise ``CfArgumentError`` if not a token,
        or if the name's ``__Host-`` / ``__Secure-`` prefix conflicts with the attributes."""
        cookie = dataclasses.replace(self.session_cookie, name=name)
        return dataclasses.replace(self, session_cookie=cookie)

    def cookie(
        self,
        domain: str | None = None,
        path: str = "/",
        secure: bool = True,
        same_site: str = "Strict",
        http_only: bool = True,
    ) -> SessionConfig:
        """Return a copy whose session cookie has these attributes (the seed's by default).

        ``same_site`` is ``"Strict"``, ``"Lax"`` or ``"None"``. Raises ``CfArgumentError``
        for what browsers would drop: a ``__Host-`` cookie with ``secure=False``, a path
        other than ``"/"`` or a domain; a ``__Secure-`` cookie without ``secure``;
        ``same_site="None"`` without ``secure``; a path not starting with ``/``.
        """
        cookie = SessionCookie(self.session_cookie.name, domain, path, secure, same_site, http_only)
        return dataclasses.replace(self, session_cookie=cookie)

    def max_age(self, secs: int) -> SessionConfig:
        """Return a copy whose sessions live ``secs`` seconds after their last save.

        Raises ``CfArgumentError`` for a non-int, for less than 60 on KV (KV refuses such
        an ``expiration_ttl``), less than 1 on D1, or more than 2147483647.
        """
        return dataclasses.replace(self, max_age_secs=secs)

    def save_new_empty(self, enabled: bool) -> SessionConfig:
        """Return a copy that does (the seed's code, the default) or does not save new,
        empty sessions.

        With ``False``, a request without a session cookie that stores nothing in the
        session writes no record and gets no cookie, so visitors that never log in (bots)
        cost no KV writes or D1 rows. Raises ``CfArgumentError`` for a non-bool.
        """
        return dataclasses.replace(self, saves_new_empty=enabled)

    def detect_conflicts(self, enabled: bool = True) -> SessionConfig:
        """Return a copy whose saves fail with ``SessionConflictError`` instead of
        overwriting a change another request saved since this one loaded the session.

        The default is the seed's last writer wins. D1 only: the check and the write are
        one conditional ``UPDATE``. Raises ``CfArgumentError`` on a KV config (KV has no
        compare-and-set) or for a non-bool.
        """
        return dataclasses.replace(self, detects_conflicts=enabled)

    # -- D1 helpers for tests and development (not in the seed) --------------------------------

    @property
    def schema_sql(self) -> str:
        """The seed's ``CREATE TABLE`` for this D1 config (``IF NOT EXISTS``)."""
        return c.D1_SCHEMA.format(table=self._d1_backend("schema_sql").table)

    async def create_table(self, db: Any) -> None:
        """Create the seed's session table in the D1 binding ``db`` unless it exists.

        Raises ``CfArgumentError`` on a KV config; the binding's error if the SQL fails.
        """
        table = self._d1_backend("create_table").table
        await db.prepare(c.D1_SCHEMA.format(table=table)).run()

    async def purge_expired(self, db: Any) -> int:
        """Delete expired rows from the D1 binding ``db``; return how many went.

        The seed only filters expired rows when reading, so the table grows until purged.
        Raises ``CfArgumentError`` on a KV config; the binding's error if the SQL fails.
        """
        table = self._d1_backend("purge_expired").table
        result = await db.prepare(c.D1_PURGE.format(table=table)).run()
        return int(result.meta["changes"])

    def _d1_backend(self, method: str) -> D1Backend:
        if not isinstance(self.backend, D1Backend):
            raise CfArgumentError(c.NOT_D1_CONFIG.format(method=method))
        return self.backend
