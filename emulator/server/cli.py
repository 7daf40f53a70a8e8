"""``python -m emulator serve``: Cloudflare's REST API v4 for KV and D1 on a local port.

Starts in well under a second, in memory unless ``--persist-to`` names a folder; prints
the URL and the bindings it serves on stdout (the first line is the readiness signal:
``Serving Cloudflare REST API v4 at http://HOST:PORT/client/v4``), logs one line per
request on stderr, and stops cleanly on Ctrl-C or SIGTERM. Every write is on disk before
it is acknowledged, so even a killed server loses nothing it answered.

The server runs on an ``OffsetClock`` (wall time, movable and freezable through
``/__emulator/clock``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from aiohttp import web

from emulator.core import BindingKind, Emulator, EmulatorLayout, PersistenceLayout
from emulator.server import constants as c
from emulator.server.app import create_app
from emulator.server.clock import OffsetClock
from emulator.server.wrangler_layout import (
    DEFAULT_WRANGLER_STATE,
    WranglerLayout,
    is_wrangler_state,
    wrangler_root,
)
from emulator.wrangler import WranglerConfig, WranglerConfigError, load_wrangler_config

__all__ = ["build_parser", "main", "open_emulator", "start_server"]

TOKEN_ENV = "CF_EMULATOR_API_TOKEN"
READY_PREFIX = "Serving Cloudflare REST API v4 at "
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs'
log = logging.getLogger("emulator.server")


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m emulator`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description="Cloudflare Workers KV and D1, emulated locally.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve Cloudflare's REST API v4 for KV and D1",
        description="Serve Cloudflare's REST API v4 for KV and D1 (under /client/v4), "
        "with admin routes under /__emulator/.",
    )
    serve.add_argument("--host", default=c.DEFAULT_HOST, help="interface (default %(default)s)")
    serve.add_argument("--port", type=int, default=c.DEFAULT_PORT, help="0 picks a free port")
    serve.add_argument("--persist-to", type=Path, metavar="DIR", help="keep state in DIR")
    serve.add_argument(
        "--layout",
        choices=("auto", "emulator", "wrangler"),
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
        help="apply each D1 database's migrations_dir from the config at start",
    )
    serve.add_argument(
        "--api-token",
        default=os.environ.get(TOKEN_ENV),
        metavar="TOKEN",
        help=f"require 'Authorization: Bearer TOKEN' (default: ${TOKEN_ENV}, else none)",
    )
    serve.add_argument("--quiet", action="store_true", help="no per-request log lines")
    return parser


def choose_layout(persist_to: Path | None, layout: str) -> PersistenceLayout | None:
    """The persistence layout for ``--persist-to`` and ``--layout`` (``None``: in memory).

    ``wrangler`` without a folder uses wrangler's default, ``.wrangler/state``.
    """
    if layout == "wrangler":
        return WranglerLayout(wrangler_root(persist_to or Path(DEFAULT_WRANGLER_STATE)))
    if persist_to is None:
        return None
    if layout == "auto" and is_wrangler_state(persist_to):
        return WranglerLayout(wrangler_root(persist_to))
    return EmulatorLayout(persist_to)


def open_emulator(
    persist_to: Path | None,
    *,
    layout: str = "auto",
    config: WranglerConfig | None = None,
    apply_migrations: bool = False,
) -> Emulator:
    """Open the server's ``Emulator`` on an ``OffsetClock``, bound as ``config`` says."""
    emulator = Emulator(clock=OffsetClock(), layout=choose_layout(persist_to, layout))
    if config is not None:
        config.apply(emulator)
        if apply_migrations:
            for db in config.d1_databases:
                if db.migrations_dir.is_dir():
                    emulator.d1(db.binding).apply_migrations(
                        db.migrations_dir, table=db.migrations_table
                    )
    return emulator


async def start_server(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, str]:
    """Start ``app`` on ``host:port`` (0 picks a port); return the runner and base URL."""
    runner = web.AppRunner(app, access_log_format=ACCESS_LOG_FORMAT, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else str(bound_host)
    return runner, f"http://{shown}:{bound_port}"


def _exposed(host: str) -> bool:
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a host name: it may resolve to a public interface


def _describe(emulator: Emulator, url: str, layout: PersistenceLayout | None, out: TextIO) -> None:
    if layout is None:
        where = "in memory (gone when the server stops)"
    else:
        kind = "wrangler's layout" if isinstance(layout, WranglerLayout) else "emulator layout"
        where = f"{layout.root.resolve()} ({kind})"
    print(f"  state: {where}", file=out)
    print(f"  clock: wall time, movable at {url}{c.ADMIN_PREFIX}/clock", file=out)
    kinds: tuple[tuple[BindingKind, str], ...] = (("kv", "KV namespace"), ("d1", "D1 database"))
    for kind, label in kinds:
        for record in emulator.resources(kind):
            names = ", ".join(emulator.bindings_of(kind, record.id)) or "unbound"
            print(f"  {label} {record.title!r} id={record.id} binding={names}", file=out)


async def _serve(args: argparse.Namespace, emulator: Emulator) -> None:
    app = create_app(emulator, api_token=args.api_token)
    runner, url = await start_server(app, args.host, args.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Windows has no loop signal handlers: Ctrl-C raises KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    out = sys.stdout
    print(f"{READY_PREFIX}{url}{c.API_PREFIX}", file=out)
    _describe(emulator, url, emulator.layout, out)
    auth = "Bearer token required" if args.api_token else "any token accepted"
    print(f"  auth: {auth}; admin routes at {url}{c.ADMIN_PREFIX}/", file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING if args.quiet else logging.INFO)
    if _exposed(args.host):
        print(
            f"WARNING: listening on {args.host}: anyone who can reach this machine can read "
            "and change the emulator's data."
            + ("" if args.api_token else " Pass --api-token TOKEN to require a token."),
            file=sys.stderr,
            flush=True,
        )
    try:
        config = None if args.config is None else load_wrangler_config(args.config, env=args.env)
        emulator = open_emulator(
            args.persist_to,
            layout=args.layout,
            config=config,
            apply_migrations=args.apply_migrations,
        )
    except (WranglerConfigError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(args, emulator))
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the port is taken, the host unknown, ...
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    finally:
        emulator.close()
    print("Stopped; every acknowledged write is on disk." if emulator.layout else "Stopped.")
    return 0
