"""Browser tests: real Chromium (Debian's /usr/bin/chromium) driven by Playwright, against the
whole local stack with demo data and a built site (one stack per test worker)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.stack import Stack, running_stack

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = os.environ.get("NMO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        # Not a skip: `make test` installs Debian's chromium, so its absence is a broken setup.
        raise RuntimeError("chromium not found: run `make test` (it installs Debian's chromium)")
    return path


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The local stack with demo data and the built site."""
    with running_stack(tmp_path_factory.mktemp("portal"), seed=True, build=True) as stack:
        yield stack


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleErrors(list[str]):
    """Console errors and uncaught page errors seen during a test."""


PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@contextlib.contextmanager
def _watched_page(browser: Any, **context_options: Any) -> Iterator[Any]:
    """A page in a Russian-locale context that records console and page errors."""
    context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", **context_options)
    page = context.new_page()
    errors = ConsoleErrors()
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with _watched_page(browser) as page:
        yield page


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    with _watched_page(browser, **PHONE) as page:
        yield page


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
