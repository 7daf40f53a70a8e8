"""``python -m emulator serve``: Cloudflare's REST API v4 for KV and D1 on a local port.

Starts in well under a second, in memory unless ``--persist-to`` names a folder; prints
the URL and what it serves on stdout (the first line is the readiness signal:
``Serving Cloudflare REST API v4 at http://HOST:PORT/client/v4``), then the state folder,
its layout and what it holds, and the migrations applied. Logs one line per request on
stderr (``2027-01-15T08:00:00.123Z GET /client/v4/... 200 1.4ms``) and stops cleanly on
Ctrl-C or SIGTERM. Every write is on disk before it is acknowledged, so even a killed
server loses nothing it answered. A mistake at start is one line on stderr and exit
status 2 (see ``emulator.server.startup``).

The server owns its folder (``emulator.ownership``): the lock file records its pid and URL,
so a second server refuses and the data commands send their requests here.

The server runs on an ``OffsetClock`` (wall time, movable and freezable through
``/__emulator/clock``). Web pages of other origins, and requests naming a host it does not
answer to (DNS rebinding), are refused: see ``emulator.server.browser_guard`` and
``--allow-host``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import ContentEncodingError

from emulator.core import BindingKind, Emulator
from emulator.server import constants as c
from emulator.server.app import create_app
from emulator.server.browser_guard import ANY_HOST, is_loopback
from emulator.server.protocol import EnvelopeAppRunner
from emulator.server.startup import (
    AppliedMigrations,
    StartupError,
    apply_config_migrations,
    choose_layout,
    describe_state,
    open_emulator,
)
from emulator.server.ui.routes import is_pulse
from emulator.wrangler import WranglerConfigError, load_wrangler_config

__all__ = [
    "READY_PREFIX",
    "TOKEN_ENV",
    "AccessLogger",
    "add_serve_command",
    "port_number",
    "run_serve",
    "start_server",
]

TOKEN_ENV = "CF_EMULATOR_API_TOKEN"
READY_PREFIX = "Serving Cloudflare REST API v4 at "
LAYOUTS = ("auto", "emulator", "wrangler")
log = logging.getLogger("emulator.server")


def port_number(text: str) -> int:
    """An ``argparse`` type: a TCP port, 0-65535 (0 picks a free one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is out of range: use 1-65535, or 0 for any")
    return port


def add_serve_command(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``serve`` and its options to the top-level parser's subcommands."""
    serve = commands.add_parser(
        "serve",
        help="serve Cloudflare's REST API v4 for KV and D1",
        description="Serve Cloudflare's REST API v4 for KV and D1 (under /client/v4), "
        "with admin routes under /__emulator/.",
    )
    serve.add_argument("--host", default=c.DEFAULT_HOST, help="interface to listen on")
    serve.add_argument(
        "--port", type=port_number, default=c.DEFAULT_PORT, help="port; 0 picks a free one"
    )
    serve.add_argument(
        "--persist-to", type=Path, metavar="DIR", help="keep state in DIR (default: in memory)"
    )
    serve.add_argument(
        "--layout",
        choices=LAYOUTS,
        default="auto",
        help="how DIR is organised: the emulator's own files, or wrangler's "
        "(DIR/v3/kv, DIR/v3/d1, shared with `wrangler --local`); auto picks wrangler "
        "for .wrangler/state, a folder named v3, or one holding v3/",
    )
    serve.add_argument("--config", type=Path, metavar="FILE", help="wrangler.toml/.json/.jsonc")
    serve.add_argument("--env", metavar="NAME", help="the config's [env.NAME] bindings")
    serve.add_argument(
        "--apply-migrations",
        action="store_true",
        help="apply each D1 database's migrations_dir from --config at start",
    )
    serve.add_argument(
        "--api-token",
        default=os.environ.get(TOKEN_ENV),
        metavar="TOKEN",
        help=f"require 'Authorization: Bearer TOKEN' (default: ${TOKEN_ENV}, else none)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests whose Host header is NAME, e.g. a container's or a "
        "tunnel's name; repeatable; '.example.com' allows it and its subdomains, "
        f"'{ANY_HOST}' any name (default: localhost, *.localhost, loopback addresses and "
        "--host; any IP address too when --host is not loopback)",
    )
    serve.add_argument("--quiet", action="store_true", help="no per-request log lines")
    serve.set_defaults(run=run_serve)


class AccessLogger(AbstractAccessLogger):
    """One line per request: UTC timestamp, method, path, status, duration."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if is_pulse(request.method, request.path):
            return
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self.logger.info(
            "%s %s %s %d %.1fms",
            stamp,
            request.method,
            request.raw_path,
            response.status,
            time * 1000,
        )


async def start_server(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, str]:
    """Start ``app`` on ``host:port`` (0 picks a port); return the runner and base URL."""
    runner = EnvelopeAppRunner(app, access_log_class=AccessLogger, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else str(bound_host)
    return runner, f"http://{shown}:{bound_port}"


def _not_a_body_decoding_error(record: logging.LogRecord) -> bool:
    """Drop aiohttp's traceback for a body that is not what its Content-Encoding says.

    The request was already answered 400 in the envelope; aiohttp logs the error again
    as "Unhandled exception" while draining the rest of the body.
    """
    exc = record.exc_info[1] if record.exc_info else None
    return not isinstance(exc, ContentEncodingError)


def _describe(
    emulator: Emulator, url: str, migrations: list[AppliedMigrations], out: TextIO
) -> None:
    print(f"  state: {describe_state(emulator.layout, emulator)}", file=out)
    print(f"  clock: wall time, movable at {url}{c.ADMIN_PREFIX}/clock", file=out)
    kinds: tuple[tuple[BindingKind, str], ...] = (("kv", "KV namespace"), ("d1", "D1 database"))
    for kind, label in kinds:
        for record in emulator.resources(kind):
            names = ", ".join(emulator.bindings_of(kind, record.id)) or "unbound"
            print(f"  {label} {record.title!r} id={record.id} binding={names}", file=out)
    for applied in migrations:
        done = ", ".join(applied.names) if applied.names else "none pending"
        print(f"  migrations applied to {applied.binding}: {done}", file=out)


async def _serve(
    args: argparse.Namespace, emulator: Emulator, migrations: list[AppliedMigrations]
) -> None:
    app = create_app(
        emulator, api_token=args.api_token, host=args.host, allowed_hosts=args.allow_host
    )
    runner, url = await start_server(app, args.host, args.port)
    if emulator.owner_lock is not None:
        emulator.owner_lock.announce(url)  # data commands on this folder come here
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Windows has no loop signal handlers: Ctrl-C raises KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    out = sys.stdout
    print(f"{READY_PREFIX}{url}{c.API_PREFIX}", file=out)
    _describe(emulator, url, migrations, out)
    auth = "Bearer token required" if args.api_token else "any token accepted"
    print(f"  auth: {auth}; admin routes at {url}{c.ADMIN_PREFIX}/", file=out)
    print(f"  inspector: open {url}/ in a browser", file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _open(args: argparse.Namespace) -> tuple[Emulator, list[AppliedMigrations]]:
    if args.apply_migrations and args.config is None:
        raise StartupError("--apply-migrations needs --config naming the wrangler config")
    try:
        config = None if args.config is None else load_wrangler_config(args.config, env=args.env)
    except WranglerConfigError as exc:
        raise StartupError(str(exc)) from None
    emulator = open_emulator(choose_layout(args.persist_to, args.layout), config=config)
    try:
        migrations = (
            apply_config_migrations(emulator, config)
            if config is not None and args.apply_migrations
            else []
        )
    except BaseException:
        emulator.close()
        raise
    return emulator, migrations


def run_serve(args: argparse.Namespace) -> int:
    """Run ``serve`` with parsed arguments; return the exit status."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING if args.quiet else logging.INFO)
    logging.getLogger("aiohttp.server").addFilter(_not_a_body_decoding_error)
    if not is_loopback(args.host):  # a host name may resolve to a public interface
        print(
            f"WARNING: listening on {args.host}: anyone who can reach this machine can read "
            "and change the emulator's data."
            + ("" if args.api_token else " Pass --api-token TOKEN to require a token."),
            file=sys.stderr,
            flush=True,
        )
    try:
        emulator, migrations = _open(args)
    except StartupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(args, emulator, migrations))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the port is taken, the host unknown, ...
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    finally:
        emulator.close()
    print("Stopped; every acknowledged write is on disk." if emulator.layout else "Stopped.")
    return 0
