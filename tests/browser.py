"""Headless Chromium through Playwright (sync API), for tests that drive the real pages.

Use it from a test package's conftest::

    from tests.browser import browser, browser_page  # noqa: F401  (pytest fixtures)

and mark the tests ``@pytest.mark.browser`` with ``@pytest.mark.django_db(transaction=True)``
(the live server reads the rows the test writes from another thread). The browser is Debian's
``/usr/bin/chromium``; without it the tests skip, saying why. Never run ``playwright install``.
"""

from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
HANDHELD = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python Playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture
def browser(monkeypatch):
    """A launched headless Chromium; closed after the test."""
    reason = chromium_missing_reason()
    if reason:
        print(f"skipping browser test: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM calls
    # made while one runs; the test and the live server still make them one at a time, so allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            # Inside Playwright's loop the ORM sees another context, so the test opened database
            # connections of its own there; close them, or PostgreSQL cannot drop the test database.
            connections.close_all()


@pytest.fixture
def browser_page(browser, live_server):
    """A page of a fresh browser context (no cookies) whose relative URLs go to the live server.

    Desktop-sized; a test that wants a handheld calls ``page.set_viewport_size(HANDHELD)``. A JavaScript
    error on any page fails the test (at teardown).
    """
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not script_errors, f"JavaScript errors on the page: {script_errors}"


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG under test-artifacts/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, username: str, password: str) -> None:
    """Sign in through the login form and wait for the page it leads to."""
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


__all__ = ["DESKTOP", "HANDHELD", "browser", "browser_page", "log_in", "screenshot"]
