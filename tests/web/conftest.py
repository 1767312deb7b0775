"""The dashboard on a temporary SQLite database: an App, a TestClient, staff accounts and seed data;
for browser tests, the dashboard served over loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import html
import re
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlmodel import Session

# Starlette warns at import that its TestClient will move to the `httpx2` package, which is not
# installed here; the client works as documented with httpx. Only that one warning is silenced.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from starlette.testclient import TestClient

from bot.app import App
from bot.clock import ManualClock
from bot.settings import Settings
from bot.store.models import Author, Classification, Mention
from bot.triage.routing import NewComplaint, open_triage_items
from bot.web.accounts import add_user
from bot.web.app import create_web_app

REPO = Path(__file__).resolve().parents[2]
#: Cheap argon2 parameters so a test signs in in microseconds (hashes still verify as argon2id).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_settings(database_url: str, **changes: object) -> Settings:
    base = Settings(database_url=database_url, template_dir=REPO / "templates", persona="mars-phoenix",
                    timezone="Europe/Paris", session_secret="test-session-secret-0123456789")
    return base.with_overrides(**changes)


@pytest.fixture
def bot(sqlite_url: str, clock: ManualClock) -> App:
    return App(make_settings(sqlite_url), clock=clock)


@pytest.fixture
def web(bot: App) -> FastAPI:
    return create_web_app(bot, password_hasher=CHEAP_HASHER)


@pytest.fixture
def client(web: FastAPI) -> Iterator[TestClient]:
    with TestClient(web) as c:
        yield c


def add_staff(bot: App, username: str, role: str, password: str = PASSWORD) -> None:
    with bot.session() as session:
        add_user(session, username=username, role=role, password=password, actor="test", now=bot.clock.now(),
                 hasher=CHEAP_HASHER)


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    match = _CSRF.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def link(page: str, link_id: str) -> str | None:
    """The URL of the page's `<a id="link_id" href=...>` (HTML entities undone), or None without one."""
    match = re.search(rf'<a id="{link_id}" href="([^"]*)"', page)
    return html.unescape(match.group(1)) if match else None


def post_form(client: TestClient, path: str, data: dict[str, str] | None = None, *, page: str = "/overview") -> str:
    """POST a form with the session's CSRF token, follow the redirect; the resulting page's HTML."""
    body = {"csrf_token": csrf_token(client, page), **(data or {})}
    response = client.post(path, data=body)
    assert response.status_code == 200, response.text
    return response.text


def refused_form(client: TestClient, path: str, data: dict[str, str] | None = None, *,
                 page: str = "/overview") -> str:
    """POST a form that must be refused and shown again (400, no redirect); the page's HTML."""
    body = {"csrf_token": csrf_token(client, page), **(data or {})}
    response = client.post(path, data=body, follow_redirects=False)
    assert response.status_code == 400, response.text
    return response.text


@pytest.fixture
def agent(bot: App, client: TestClient) -> TestClient:
    add_staff(bot, "sam", "agent")
    sign_in(client, "sam")
    return client


@pytest.fixture
def editor(bot: App, client: TestClient) -> TestClient:
    add_staff(bot, "pat", "editor")
    sign_in(client, "pat")
    return client


@pytest.fixture
def admin(bot: App, client: TestClient) -> TestClient:
    add_staff(bot, "root", "admin")
    sign_in(client, "root")
    return client


def seed_complaints(
    session: Session, now: datetime, specs: list[tuple[str, str, str]], *, author: str = "ada"
) -> dict[str, int]:
    """Mentions (id, severity, text) by one author, classified as complaints, each with an open triage item."""
    session.add(Author(id="7", username=author, name="Ada L.", followers_count=120, first_seen_at=now,
                       last_seen_at=now))
    session.flush()
    for mention_id, _severity, text in specs:
        session.add(Mention(id=mention_id, author_id="7", text=text, created_at=now, seen_at=now))
    session.flush()
    for mention_id, severity, _text in specs:
        session.add(Classification(mention_id=mention_id, complaint=True, score=0.9, severity=severity,
                                   reasons=["negative sentiment", f"keyword:{severity}"], created_at=now))
    return open_triage_items(session, [NewComplaint(m, "7", s, 0.9) for m, s, _ in specs], now=now)



CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@contextmanager
def serve(web: FastAPI) -> Iterator[str]:
    """`web` served by uvicorn on a free loopback port, in a thread: its base URL."""
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=0, lifespan="off", ws="none",
                                           log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (never `playwright install`)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


#: What Chromium logs when a form is refused and its page comes back with status 400.
REFUSED_PAGE = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


@contextmanager
def browser_page(browser: Browser, base_url: str, *, expected_errors: tuple[str, ...] = ()) -> Iterator[Page]:
    """A page in a fresh browser context (its own cookies); a console error fails the test at the end,
    unless the test expects it (`expected_errors`, e.g. `REFUSED_PAGE`)."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    unexpected = [e for e in errors if e not in expected_errors]
    assert unexpected == [], f"browser console errors (CSP violations show here): {unexpected}"


def browser_sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".who")).to_contain_text(username)
