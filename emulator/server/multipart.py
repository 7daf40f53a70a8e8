"""``multipart/form-data`` (RFC 7578) parsed from body bytes, for KV value uploads.

The core works on bytes, not streams, so that the aiohttp server and the respx router share
it. Parts are found by their boundary; each keeps its name, filename, content type and
bytes. A malformed body raises ``MultipartError``: it is answered 400 and nothing is
written.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FormPart", "MultipartError", "boundary_of", "parse_form_data"]


class MultipartError(ValueError):
    """The body is not well-formed ``multipart/form-data``."""


@dataclass(frozen=True)
class FormPart:
    """One part of a form: ``name``, optional ``filename`` and ``content_type``, bytes."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split ``type; a=1; b="x y"`` into ``("type", {"a": "1", "b": "x y"})``.

    Quoted strings may contain ``;`` and backslash escapes; one left open raises
    ``MultipartError`` (guessing where it ends could accept a body the sender did not
    mean). Parameter names are lower-cased; the leading token is returned lower-cased too.
    """
    head, _, rest = value.partition(";")
    params: dict[str, str] = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in " \t;":
            i += 1
        eq = rest.find("=", i)
        if eq == -1:
            break
        name = rest[i:eq].strip().lower()
        i = eq + 1
        if i < n and rest[i] == '"':
            i += 1
            chars: list[str] = []
            while i < n and rest[i] != '"':
                if rest[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(rest[i])
                i += 1
            if i >= n:
                raise MultipartError(f"unbalanced quotes in the {name} parameter of {head!r}")
            i += 1  # the closing quote
            params.setdefault(name, "".join(chars))
        else:
            end = rest.find(";", i)
            end = n if end == -1 else end
            params.setdefault(name, rest[i:end].strip())
            i = end
    return head.strip().lower(), params


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a ``multipart/form-data`` content type."""
    _, params = header_params(content_type)
    boundary = params.get("boundary", "")
    if not 1 <= len(boundary) <= 200:
        raise MultipartError("multipart body without a valid boundary")
    return boundary


def parse_form_data(body: bytes, content_type: str) -> dict[str, FormPart]:
    """Return the parts of a form by name (the first part wins for a repeated name)."""
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    start = body.find(delimiter)
    if start == -1:
        raise MultipartError("multipart body without its boundary")
    parts: dict[str, FormPart] = {}
    position = start + len(delimiter)
    while True:
        if body.startswith(b"--", position):
            return parts  # the closing delimiter; an epilogue is ignored
        position = _skip_line_break(body, position)
        header_end = body.find(b"\r\n\r\n", position)
        if header_end == -1:
            raise MultipartError("multipart part without the blank line after its headers")
        headers = _part_headers(body[position:header_end])
        data_start = header_end + 4
        data_end = body.find(b"\r\n" + delimiter, data_start)
        if data_end == -1:
            raise MultipartError("multipart body without its closing boundary")
        part = _form_part(headers, body[data_start:data_end])
        parts.setdefault(part.name, part)
        position = data_end + 2 + len(delimiter)


def _skip_line_break(body: bytes, position: int) -> int:
    # Transport padding (spaces/tabs) may follow a delimiter before its CRLF.
    while body[position : position + 1] in (b" ", b"\t"):
        position += 1
    if not body.startswith(b"\r\n", position):
        raise MultipartError("multipart boundary not followed by a line break")
    return position + 2


def _part_headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.split(b"\r\n"):
        if not line.strip():
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            raise MultipartError("multipart part header without ':'")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("utf-8", "replace")
    return headers


def _form_part(headers: dict[str, str], data: bytes) -> FormPart:
    disposition = headers.get("content-disposition")
    if disposition is None:
        raise MultipartError("multipart part without Content-Disposition")
    kind, params = header_params(disposition)
    if kind != "form-data" or "name" not in params:
        raise MultipartError("multipart part is not form-data with a name")
    return FormPart(
        name=params["name"],
        filename=params.get("filename"),
        content_type=headers.get("content-type"),
        data=data,
    )
