"""Fixtures for the inspector's tests: the app's core, real servers, and a real browser.

The browser is Debian's ``chromium`` driven by Playwright for Python, launched from its
system path (Playwright's own browser downloads are never used). Where no browser can be
had, the browser tests skip and say why - except on CI (``CI=true``), where a missing
browser fails them: ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from emulator import Emulator
from emulator.server import RestApi, create_app
from emulator.server.app import REST_API
from tests.server.ui.served import Served

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def ui_api(emu: Emulator) -> RestApi:
    """The core of an app built by ``create_app``: the REST API plus the inspector's routes."""
    return create_app(emu)[REST_API]


def _chromium() -> str | None:
    return os.environ.get("CF_EMULATOR_CHROMIUM") or shutil.which("chromium")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; on CI the browser tests must run (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium_args() -> list[str]:
    """The browser's command line; a module overrides this fixture to add to it."""
    return CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser(chromium_args: list[str]) -> Iterator[Browser]:
    """Debian's chromium, headless, through Playwright (skips where none can be had).

    One per test module, not per session: Playwright's sync API keeps an event loop
    running while it is open, which the asyncio tests of other modules cannot share.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    executable = _chromium()
    if executable is None:
        _unavailable("no chromium browser on PATH (apt-get install chromium)")
    assert executable is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=chromium_args)
        yield launched
        launched.close()


class PageProblems:
    """What a page did that it must not: script errors, CSP violations, dialogs (alert())."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Browser, problems: PageProblems) -> Iterator[Page]:
    """A fresh browser context and page; fails the test on any uncaught script error."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    opened.on("pageerror", lambda error: problems.errors.append(str(error)))

    def on_console(message: Any) -> None:
        # The page must never trip its own Content-Security-Policy.
        if "Content Security Policy" in message.text:
            problems.errors.append(message.text)

    opened.on("console", on_console)

    def on_dialog(dialog: Any) -> None:
        problems.dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    yield opened
    context.close()
    assert problems.errors == []
    assert problems.dialogs == []


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start ``python -m emulator serve`` (extra arguments as given); stopped afterwards."""
    started: list[Served] = []

    def start(*args: str, token: str | None = None, quiet: bool = True) -> Served:
        server = Served(tmp_path, *args, token=token, quiet=quiet)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def expect(browser: Browser) -> Any:
    """Playwright's auto-waiting assertions (they poll the page; nothing sleeps)."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=10_000)
    return playwright_expect
