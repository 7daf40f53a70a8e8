"""Routing for the transport-free core: path templates, and what a handler receives.

Routing works on the raw, percent-encoded path, split on ``/`` before decoding, so a key
such as ``a/b`` (sent as ``a%2Fb``) stays one segment, while SDK 4.x's unencoded ``/`` in
keys still lands in the key (``{key*}`` takes the rest of the path). A segment that is not
valid percent-encoded UTF-8 is kept as ``None`` so that its handler can answer with its own
text (KV's "Could not URL-decode key name").
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote_to_bytes

from emulator.core import BindingKind, ResourceRecord, is_valid_binding_id
from emulator.server import constants as c
from emulator.server.envelope import ApiRequest, ApiResponse
from emulator.server.errors import ApiError

if TYPE_CHECKING:
    from emulator.server.rest import RestApi

__all__ = ["Call", "Handler", "Router", "decode_segment", "parse_json"]

Handler = Callable[["Call"], Awaitable[ApiResponse]]

# Media types a JSON endpoint accepts. Anything else that declares a type is refused;
# curl's default for -d (form-urlencoded) and text/plain are accepted when the body is
# JSON, as Cloudflare's API does not insist either.
_JSON_TYPES = {"", "application/json", "text/plain", "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class _Route:
    """A compiled template: literal segments by position, parameters, an optional rest."""

    method: str
    handler: Handler
    length: int  # segments before the rest parameter, if any
    literals: tuple[tuple[int, str], ...]
    params: tuple[tuple[int, str], ...]
    rest: str | None

    @classmethod
    def compile(cls, method: str, template: str, handler: Handler) -> _Route:
        parts = template.strip("/").split("/")
        rest = None
        if parts[-1].startswith("{") and parts[-1].endswith("*}"):
            rest = parts.pop()[1:-2]
        literals = tuple((i, p) for i, p in enumerate(parts) if not p.startswith("{"))
        params = tuple((i, p[1:-1]) for i, p in enumerate(parts) if p.startswith("{"))
        # Compare the last literals first: they tell routes apart soonest.
        return cls(method, handler, len(parts), literals[::-1], params, rest)

    def match(self, segments: list[str | None]) -> dict[str, str | None] | None:
        """The parameters if ``segments`` fit this route, else ``None``."""
        count = len(segments)
        if count != self.length and (self.rest is None or count <= self.length):
            return None
        for index, literal in self.literals:
            if segments[index] != literal:
                return None
        params: dict[str, str | None] = {}
        for index, name in self.params:
            segment = segments[index]
            if segment == "":
                return None
            params[name] = segment
        if self.rest is not None:
            tail = segments[self.length :]
            joined = None if None in tail else "/".join(cast(list[str], tail))
            params[self.rest] = joined
        return params


class Call:
    """What a handler gets: the emulator, the request, path parameters and the query."""

    def __init__(
        self,
        api: RestApi,
        request: ApiRequest,
        params: dict[str, str | None],
        query: list[tuple[str, str]],
    ) -> None:
        self.api = api
        self.emulator = api.emulator
        self.request = request
        self._params = params
        self.query = query

    def param(self, name: str) -> str:
        """A decoded path parameter; 400 if it was not valid percent-encoded UTF-8."""
        value = self._params[name]
        if value is None:
            raise ApiError(400, c.CODE_BAD_REQUEST, c.MSG_BAD_ENCODING)
        return value

    def raw_param(self, name: str) -> str | None:
        """A decoded path parameter, or ``None`` if it could not be decoded."""
        return self._params[name]

    def resource(
        self,
        kind: BindingKind,
        param: str,
        *,
        malformed: tuple[int, str],
        missing: tuple[int, str],
    ) -> ResourceRecord:
        """The namespace or database named by path parameter ``param``.

        ``malformed`` and ``missing`` are the ``(code, message)`` answered, as 400 and 404,
        for an id that is not a safe file name and for an unknown one; their messages may
        show the id through a ``{}`` slot. The id never reaches the filesystem unchecked.
        """
        raw = self._params[param]
        if raw is None or not is_valid_binding_id(raw):
            shown = raw if raw is not None else self.request.target
            raise ApiError(400, malformed[0], malformed[1].format(shown))
        record = self.emulator.resource(kind, raw)
        if record is None:
            raise ApiError(404, missing[0], missing[1].format(raw))
        return record

    def query_value(self, name: str) -> str | None:
        """The first value of query parameter ``name``, or ``None``."""
        for key, value in self.query:
            if key == name:
                return value
        return None

    def query_int(self, name: str, default: int) -> int:
        """An integer query parameter (``10.0`` is 10, as the SDK stringifies floats)."""
        value = self.query_value(name)
        if value is None or value == "":
            return default
        try:
            number = float(value)
            if number != int(number):
                raise ValueError(value)
            return int(number)
        except (ValueError, OverflowError):
            raise ApiError(
                400, c.CODE_BAD_REQUEST, c.MSG_INVALID_QUERY.format(name, value)
            ) from None

    def media_type(self) -> str:
        """The request's media type, lower-cased, without parameters ("" when absent)."""
        header = self.request.header("Content-Type") or ""
        return header.split(";", 1)[0].strip().lower()

    def json_body(self, *, code: int = c.CODE_BAD_REQUEST) -> Any:
        """The body parsed as JSON; 415 for a non-JSON content type, 400 for bad JSON."""
        media = self.media_type()
        if media not in _JSON_TYPES and not media.endswith("+json"):
            raise ApiError(415, code, c.MSG_UNSUPPORTED_MEDIA.format(media))
        try:
            return parse_json(self.request.body)
        except ValueError as exc:
            raise ApiError(400, code, c.MSG_INVALID_JSON.format(exc)) from None


class Router:
    """Routes by method and path template; ``{name}`` is one segment, ``{name*}`` the rest."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` on ``template`` (relative to the root)."""
        self._routes.append(_Route.compile(method, template, handler))

    def resolve(
        self, method: str, segments: list[str | None]
    ) -> tuple[Handler, dict[str, str | None]]:
        """Find the handler; raises ``ApiError`` 404 (no such path) or 405 (wrong method)."""
        path_matched = False
        candidates = [segments]
        if len(segments) > 1 and segments[-1] == "":
            candidates.append(segments[:-1])  # tolerate one trailing slash
        for candidate in candidates:
            for route in self._routes:
                params = route.match(candidate)
                if params is None:
                    continue
                if route.method == method:
                    return route.handler, params
                path_matched = True
            if path_matched:
                break
        if path_matched:
            raise ApiError(
                405,
                c.CODE_METHOD_NOT_ALLOWED,
                c.MSG_METHOD_NOT_ALLOWED.format(method, "/".join(s or "" for s in segments)),
            )
        raise ApiError(404, c.CODE_NO_ROUTE, c.MSG_NO_ROUTE)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes) -> Any:
    """Parse a request body (or part) as strict JSON; ``ValueError`` (``UnicodeDecodeError``
    for bytes that are not UTF-8) says what is wrong.

    Strict as JavaScript's ``JSON.parse``: no ``NaN`` or ``Infinity``. Nesting deeper than
    Python's parser can follow (``[[[[...]]]]`` 100,000 deep) is refused, not a crash.
    """
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def decode_segment(segment: str) -> str | None:
    """Percent-decode one path segment as UTF-8; ``None`` if it is not valid UTF-8."""
    if "%" not in segment and segment.isascii():
        return segment  # the common case, and nothing to decode
    try:
        return unquote_to_bytes(segment).decode("utf-8")
    except UnicodeDecodeError:
        return None
