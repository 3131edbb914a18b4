"""End-to-end fixtures: the app served on localhost, Debian's Chromium driven by Playwright.

The app runs in a thread (werkzeug, threaded) on a free port, against a SQLite file of its own
(schema from the models, as tests/conftest.py builds it: that the migrations reach the same
schema is tests/test_migrations.py's job); the browser is /usr/bin/chromium (no browser is ever
downloaded). Without that Chromium, or without Playwright, every test here is skipped
and says why. Screenshots go to test-artifacts/e2e/ (not committed).
"""
from __future__ import annotations

import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "Mat-khau-e2e-2025"
ORGANISER = ("lan.organiser@ldld79.vn", "Nguyễn Thị Lan")
SUPERVISOR = ("hung.supervisor@ldld79.vn", "Trần Quốc Hùng")
UNIT = "LDLD-79"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the tests are skipped, saying why
    expect = sync_playwright = None


NO_PLAYWRIGHT = ("Playwright for Python is not installed (pip install playwright==1.65.2; "
                 "no browser is downloaded)")


def _why_skip() -> str | None:
    if sync_playwright is None:
        return NO_PLAYWRIGHT
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    return None


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: end-to-end test in a real browser (Chromium at /usr/bin/chromium); "
        "skipped when it is missing")


def pytest_collection_modifyitems(config, items):
    reason = _why_skip()
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _fresh_database():
    """The suite's per-test database reset is for the in-process app: the served app here has
    a database of its own (this overrides tests/conftest.py's fixture of the same name)."""
    yield


# --- the served app ------------------------------------------------------------------------------

@dataclass
class LiveApp:
    url: str
    app: object

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from werkzeug.serving import make_server

    from casework import clock, create_app
    from casework.extensions import db
    from casework.services.reference import seed_reference
    from casework.services.users import create_user

    database = tmp_path_factory.mktemp("e2e") / "casework-e2e.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                      "SECRET_KEY": secrets.token_hex(32), "ENVIRONMENT": "development",
                      "DEFAULT_LANGUAGE": "vi", "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
        year = clock.today().year
        seed_reference(years=[year - 1, year, year + 1])
        for (email, name), role in ((ORGANISER, "organiser"), (SUPERVISOR, "supervisor")):
            create_user(email=email, name=name, role=role, unit_code=UNIT, password=PASSWORD)
        db.session.commit()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveApp(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


# --- the browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    # CI also runs the suite under libfaketime with a real monotonic clock (the suite's Python
    # needs it, see ../conftest.py); Chromium then never loads a page, and works with both faked
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            env={k: v for k, v in os.environ.items() if k != "FAKETIME_DONT_FAKE_MONOTONIC"})
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Problems:
    """What went wrong in the pages: console errors (CSP violations are reported there),
    uncaught exceptions and failed responses. A test asserts there are none."""
    items: list[str] = field(default_factory=list)

    def watch(self, page, who: str) -> None:
        def console(message) -> None:
            where = (message.location or {}).get("url", "")
            # the app has no favicon yet; Chromium asks for one on its own (not a page error)
            if message.type == "error" and not where.endswith("/favicon.ico"):
                self.items.append(f"{who} console {message.type}: {message.text} ({where})")

        page.on("console", console)
        page.on("pageerror", lambda e: self.items.append(f"{who} page error: {e}"))
        page.on("response", lambda r: self.items.append(f"{who} HTTP {r.status} {r.url}")
                if r.status >= 400 else None)
        # ERR_ABORTED: a request cut short because the page moved on (a form was sent)
        page.on("requestfailed", lambda r: self.items.append(
            f"{who} request failed: {r.url} ({r.failure})")
            if "ERR_ABORTED" not in (r.failure or "") else None)


@pytest.fixture
def problems():
    return Problems()


@pytest.fixture
def shots():
    """shots(page, "01-login") saves test-artifacts/e2e/01-login.png: the whole page, or one
    element when given a locator."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(target, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        if hasattr(target, "goto"):
            target.screenshot(path=str(path), full_page=True)
        else:
            target.screenshot(path=str(path))
        return path
    return take


@pytest.fixture
def open_browser(chromium, live_app, problems):
    """open_browser("organiser", phone=True) -> a page in a browser context of its own."""
    contexts = []

    def open_(who: str, phone: bool = False):
        options = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True,
                   "has_touch": True} if phone else {"viewport": DESKTOP}
        context = chromium.new_context(base_url=live_app.url, locale="vi-VN",
                                       timezone_id="Asia/Ho_Chi_Minh", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page, who)
        return page

    yield open_
    for context in contexts:
        context.close()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the login page, as a person would."""
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form #submit")
    expect(page).not_to_have_url(re.compile(r"/login"))
