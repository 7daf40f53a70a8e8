"""Where a data command's requests go: the server that owns the folder, or the folder.

Every data command speaks Cloudflare's REST API v4, through one of two transports:

- a server owns the folder (its lock file records its URL): over HTTP to that server, so
  the command never opens files another program is writing;
- nobody owns it: the command opens the folder itself (taking the lock for as long as it
  runs) and answers through the same transport-free ``RestApi`` the server uses.

So a command behaves the same either way, byte for byte. A folder owned by something
that does not serve (a test's ``Emulator``, ``wrangler dev``) is refused in one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from emulator.ownership import FolderInUseError, read_owner
from emulator.registry import REGISTRY_FILE, load_registry
from emulator.server.cli import LAYOUTS, TOKEN_ENV
from emulator.server.envelope import ApiRequest, ApiResponse
from emulator.server.rest import RestApi
from emulator.server.startup import StartupError, choose_layout, open_emulator
from emulator.server.wrangler_layout import DEFAULT_WRANGLER_STATE
from emulator.wrangler import (
    WranglerConfig,
    WranglerConfigError,
    find_wrangler_config,
    load_wrangler_config,
)

__all__ = [
    "ACCOUNT",
    "CommandError",
    "State",
    "add_state_arguments",
    "load_config",
    "open_state",
    "path_segment",
    "read_input",
    "with_state",
]

ACCOUNT = "local"
Transport = Callable[[ApiRequest], ApiResponse]


class CommandError(Exception):
    """What a command prints as ``error: <text>`` (one line) before exiting with 1."""


def add_state_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every data command shares (wrangler's names)."""
    parser.add_argument(
        "--persist-to",
        type=Path,
        default=Path(DEFAULT_WRANGLER_STATE),
        metavar="DIR",
        help="the state folder, as given to `serve --persist-to`",
    )
    parser.add_argument("--layout", choices=LAYOUTS, default="auto", help="how DIR is organised")
    parser.add_argument(
        "-c", "--config", type=Path, metavar="FILE", help="wrangler config (default: found in .)"
    )
    parser.add_argument("-e", "--env", metavar="NAME", help="the config's [env.NAME] bindings")
    parser.add_argument(
        "--api-token",
        default=os.environ.get(TOKEN_ENV),
        metavar="TOKEN",
        help=f"token for a server started with --api-token (default: ${TOKEN_ENV})",
    )
    parser.add_argument(
        "--local", action="store_true", help="accepted for wrangler habits; always local"
    )


@dataclass
class State:
    """A data command's view of the state: REST calls, plus the names that bind ids."""

    transport: Transport
    config: WranglerConfig | None
    bindings: Mapping[tuple[str, str], str] = field(default_factory=dict)
    via: str = ""

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json_body: Any = None,
        body: bytes = b"",
        content_type: str | None = None,
    ) -> ApiResponse:
        """Send one request to ``/client/v4/accounts/local/<path>`` (or to ``path`` itself
        when it starts with ``/``, such as a signed download URL's path)."""
        target = path if path.startswith("/") else f"/client/v4/accounts/{ACCOUNT}/{path}"
        given = {k: v for k, v in (query or {}).items() if v is not None}
        if given:
            target += "?" + urlencode(given)
        headers: dict[str, str] = {}
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            content_type = "application/json"
        if content_type is not None:
            headers["Content-Type"] = content_type
        return self.transport(ApiRequest(method, target, headers, body))

    def envelope(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        """The whole success envelope; raises ``CommandError`` with the API's message."""
        response = self.call(method, path, **options)
        payload = _envelope(response)
        if not payload.get("success"):
            errors = payload.get("errors") or [{"message": f"HTTP {response.status}"}]
            raise CommandError("; ".join(str(e.get("message")) for e in errors))
        return payload

    def result(self, method: str, path: str, **options: Any) -> Any:
        """The envelope's ``result`` (see ``envelope``)."""
        return self.envelope(method, path, **options).get("result")


def _envelope(response: ApiResponse) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        raise CommandError(f"unexpected answer (HTTP {response.status})") from None
    if not isinstance(payload, dict):
        raise CommandError(f"unexpected answer (HTTP {response.status})")
    return payload


def path_segment(text: str) -> str:
    """Percent-encode one path segment (a key may hold ``/``, spaces, anything)."""
    return quote(text, safe="")


@contextmanager
def open_state(args: argparse.Namespace) -> Iterator[State]:
    """Open the state named by the common options; raise ``CommandError`` on mistakes."""
    config = load_config(args)
    try:
        layout = choose_layout(args.persist_to, args.layout)
    except StartupError as exc:
        raise CommandError(str(exc)) from None
    assert layout is not None
    owner = read_owner(layout.root)
    if owner is not None:
        if owner.url is None:
            raise CommandError(str(FolderInUseError(layout.root, owner)))
        with _http(owner.url, args.api_token) as transport:
            yield State(transport, config, _registry_bindings(layout.root), via=owner.url)
        return
    try:
        emulator = open_emulator(layout, config=config)
    except StartupError as exc:
        raise CommandError(str(exc)) from None
    try:
        api = RestApi(emulator)
        # The open emulator holds the registry, and the bindings the config just added.
        bindings: dict[tuple[str, str], str] = {
            (record.kind, record.name): record.id for record in emulator.records()
        }
        yield State(api.handle_sync, config, bindings)
    finally:
        emulator.close()


def load_config(args: argparse.Namespace) -> WranglerConfig | None:
    """The wrangler config of ``--config`` (and ``--env``), else the one in ``.``."""
    path = args.config if args.config is not None else find_wrangler_config(".")
    if path is None:
        return None
    try:
        return load_wrangler_config(path, env=args.env)
    except WranglerConfigError as exc:
        raise CommandError(str(exc)) from None


def _registry_bindings(root: Path) -> dict[tuple[str, str], str]:
    """``(kind, binding name) -> id`` from the folder's registry (written atomically)."""
    path = root / REGISTRY_FILE
    if not path.is_file():
        return {}
    try:
        records, _ = load_registry(path)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    return {(record.kind, record.name): record.id for record in records.values()}


@contextmanager
def _http(url: str, token: str | None) -> Iterator[Transport]:
    headers = {"Authorization": f"Bearer {token or 'local'}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60.0) as client:

        def send(request: ApiRequest) -> ApiResponse:
            try:
                answer = client.request(
                    request.method,
                    request.target,
                    headers=dict(request.headers),
                    content=request.body,
                )
            except httpx.HTTPError as exc:
                raise CommandError(f"cannot reach the server at {url}: {exc}") from None
            return ApiResponse(answer.status_code, tuple(answer.headers.items()), answer.content)

        yield send


Action = Callable[[argparse.Namespace, State], None]


def with_state(action: Action) -> Callable[[argparse.Namespace], int]:
    """Run ``action`` on the opened state; print a ``CommandError`` as one line, exit 1."""

    def run(args: argparse.Namespace) -> int:
        try:
            with open_state(args) as state:
                action(args, state)
        except CommandError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0

    return run


def read_input(path: Path, what: str) -> bytes:
    """The bytes of a file a command was given; ``CommandError`` naming it otherwise."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
