"""Real-browser tests: Debian's headless Chromium driven by Playwright for Python.

No browser is ever downloaded: Chromium is ``/usr/bin/chromium`` (``apt-get install
chromium``) and axe-core comes from the npm registry (``npm ci --prefix tests/browser``).
Without them the tests SKIP with the reason — except in CI (``CI=true``), where they fail.
A failing test leaves a screenshot in ``tests/browser/artifacts/``.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from browser_kit import ARTIFACTS, AXE, CHROMIUM, CHROMIUM_ARGS, IDLE_SECONDS  # noqa: E402
from station_server import RunningStation, start_station  # noqa: E402


def _missing() -> str | None:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install playwright)"
    if not AXE.exists():
        return f"axe-core is not installed at {AXE} (npm ci --prefix tests/browser)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (``-m browser`` / ``-m "not browser"``)."""
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def browser_tools() -> None:
    """Skip without Chromium, playwright or axe-core — but fail in CI, where they must run."""
    why = _missing()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the browser tests cannot run: {why}")
        pytest.skip(f"browser tests skipped: {why}")


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStation]:
    """A demo station per test module, stopped before any other station binds the database
    (one database per process)."""
    running = start_station(tmp_path_factory.mktemp("browser-station") / "home", idle_seconds=IDLE_SECONDS,
                            seed=True)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    """The one Playwright of the session (a second sync_playwright() in the same process fails)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_driver: Any) -> Iterator[Any]:
    launched = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser profile (cookies, cache) per test, portrait kiosk size by default."""
    size = getattr(request, "param", {"width": 1080, "height": 1920})
    ctx = browser.new_context(viewport=size, locale="vi-VN")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page that records CSP violations and JS errors (asserted empty by ``clean_console``)."""
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda msg: tab.problems.append(msg.text)
           if msg.type == "error" and ("Content Security Policy" in msg.text or "Uncaught" in msg.text) else None)
    tab.on("pageerror", lambda exc: tab.problems.append(f"page error: {exc}"))
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for index, open_page in enumerate(context.pages):
            try:
                open_page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{index}.png"), full_page=True)
            except Exception:  # a screenshot must not hide the real failure
                pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
