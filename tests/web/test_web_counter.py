"""The live character counter: /text/rules, and static/app.js counting as bot.text.weighted does (in Chromium)."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta

import emoji
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

from bot.app import App
from bot.clock import ManualClock
from bot.domain import PostKind
from bot.publish.queue import enqueue_post
from bot.store.db import upgrade
from bot.store.models import TriageItem
from bot.text.weighted import weighted_length
from bot.web.app import create_web_app
from bot.web.pages.text import accepts_gzip
from tests.test_text_weighted import load_conformance
from tests.web.conftest import (
    CHEAP_HASHER,
    REFUSED_PAGE,
    add_staff,
    browser_page,
    browser_sign_in,
    make_settings,
    seed_complaints,
    serve,
)

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

#: Texts where the script could part from Python: twitter-text's cases, then URL and emoji edge cases.
EDGE_CASES = [
    "see example.com", "see example.com/a/b?c=d.", "bit.ly", "bit.ly/x", "t.co", "www.twitter.com",
    "foo@bar.com", "#tag.com", "$bar.com", "x-example.com", "example.com-", "http://example.com:8080/p?q=1#f",
    "https://münchen.de/straße", "http://пример.рф/путь", "пример.рф", "http://" + "ü" * 40 + ".com",
    "http://" + "ü" * 60 + ".com", "http://" + "x" * 63 + ".com", "http://" + "x" * 64 + ".com",
    "http://foobar.پاکستان/", "a.b.c.example.co.uk/x", "(see https://x.org/wiki/A_(b))", "e\u0301t\u00e9",
    "火星 🚀 test", "🇫🇷🇫", "1\ufe0f\u20e3 1\u20e3 #\u20e3", "© ® ™ ©\ufe0f ©\ufe0e", "a\U0001f3fd", "\U0001f3fd\u200d",
    "\U0001f44d\U0001f3fd\u200dx", "\U0001f468\u200d\U0001f4bb\u200d\U0001f525",
    "\U0001f469\u200d\u2764\ufe0f\u200d\U0001f48bx", "\U0001f468\u200d\U0001f469\u200dx",
    "\U0001f9d1\U0001f3fd\u200d\U0001f9b0", "\u2764\ufe0f\u200d\U0001f525", "\U0001fae0\U0001faf8",
    "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", "\u200d\u200d\ufe0f", "",
    "tab\there\r\nline", "\u2066\u202ahttp://foobar.com/\u202c\u2069",
]


def _conformance_texts() -> list[str]:
    """Every text of twitter-text's validate.yml (all sections: tweets, lengths, URLs, directional marks)."""
    return [str(case["text"]) for cases in load_conformance().values() for case in cases if "text" in case]


class TestRulesEndpoint:
    def test_signed_in_staff_get_the_rules(self, bot: App, agent: TestClient) -> None:
        """Every role may count: the limits, the URL patterns and lists, emoji data, cached for an hour."""
        response = agent.get("/text/rules")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, max-age=3600"
        rules = response.json()
        assert (rules["max"], rules["urlWeight"], rules["emojiWeight"]) == (280, 23, 2)
        assert rules["lightRanges"] == [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]]
        assert {"com", "co", "xn--p1ai", "рф"} <= set(rules["urls"]["tlds"])
        assert rules["urls"]["candidate"].startswith("(?<![^")
        assert "(?P<" not in rules["urls"]["tail"]
        assert len(rules["emoji"]) == len(emoji.EMOJI_DATA)
        assert "\U0001f3fd" in rules["emojiComponents"]
        assert rules["space"].startswith("\t\n\x0b\x0c\r\x1c")

    def test_gzipped_for_a_client_that_accepts_it(self, agent: TestClient) -> None:
        """Accept-Encoding: gzip gets the same JSON gzipped (a quarter of the size); identity gets it plain."""
        plain = agent.get("/text/rules", headers={"Accept-Encoding": "identity"})
        assert (plain.headers.get("content-encoding"), plain.headers["vary"]) == (None, "Accept-Encoding")
        assert int(plain.headers["content-length"]) == len(plain.content) > 90_000
        with agent.stream("GET", "/text/rules", headers={"Accept-Encoding": "gzip, deflate, br"}) as response:
            raw = b"".join(response.iter_raw())
            assert (response.headers["content-encoding"], response.headers["vary"]) == ("gzip", "Accept-Encoding")
            assert response.headers["content-type"] == "application/json"
        assert len(raw) < len(plain.content) // 3
        assert gzip.decompress(raw) == plain.content
        assert json.loads(gzip.decompress(raw)) == plain.json()
        refused = agent.get("/text/rules", headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert refused.headers.get("content-encoding") is None

    def test_cacheable_with_an_etag(self, agent: TestClient) -> None:
        """Kept an hour, then revalidated: one ETag whatever the encoding; If-None-Match gets a bodiless 304."""
        first = agent.get("/text/rules")
        etag = first.headers["etag"]
        assert re.fullmatch(r'W/"[0-9a-f]{32}"', etag)
        assert first.headers["cache-control"] == "private, max-age=3600"
        assert agent.get("/text/rules", headers={"Accept-Encoding": "identity"}).headers["etag"] == etag
        again = agent.get("/text/rules", headers={"If-None-Match": etag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
        assert again.headers["cache-control"] == "private, max-age=3600"
        assert agent.get("/text/rules", headers={"If-None-Match": f'"x", {etag.removeprefix("W/")}'}).status_code == 304
        assert agent.get("/text/rules", headers={"If-None-Match": 'W/"other"'}).status_code == 200

    def test_nothing_else_is_compressed(self, bot: App, agent: TestClient) -> None:
        """Pages (they hold the CSRF token: BREACH) and /metrics go out as before, even to a gzip client."""
        with bot.session() as session:
            seed_complaints(session, START, [("201", "high", "@brandbot the app lost my booking " * 40)])
        for path in ("/triage", "/metrics", "/healthz"):
            response = agent.get(path, headers={"Accept-Encoding": "gzip"})
            assert (path, response.status_code, response.headers.get("content-encoding")) == (path, 200, None)

    @pytest.mark.parametrize(("header", "gzipped"), [
        ("gzip", True), ("GZIP", True), ("deflate, gzip;q=0.5", True), ("*", True), ("br;q=1, *;q=0.1", True),
        ("", False), ("identity", False), ("gzip;q=0", False), ("gzip; q=0.0, *", False), ("*;q=0", False),
        ("deflate, br", False), ("gzip;q=nonsense", False),
    ])
    def test_accept_encoding(self, header: str, gzipped: bool) -> None:
        """gzip (or `*`) must be named with a quality above 0; gzip's own quality wins over `*`."""
        assert accepts_gzip(header) is gzipped

    def test_anonymous_gets_401(self, client: TestClient) -> None:
        """Only signed-in pages ask for it; a script without a session is told to sign in."""
        response = client.get("/text/rules", headers={"X-Requested-With": "fetch"})
        assert (response.status_code, response.json()) == (401, {"error": "sign in first"})


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[App, str]]:
    """The dashboard on a real port with an agent (sam) and an editor (pat); a complaint and a queued post."""
    url = f"sqlite:///{tmp_path_factory.mktemp('counter') / 'brandbot.db'}"
    upgrade(url)
    app = App(make_settings(url), clock=ManualClock(START))
    add_staff(app, "sam", "agent")
    add_staff(app, "pat", "editor")
    with app.session() as session:
        seed_complaints(session, START, [("201", "high", "@brandbot the app lost my booking")])
        enqueue_post(session, texts=["Sol 50: a dust storm"], now=START, kind=PostKind.EVENT,
                     scheduled_at=START + timedelta(hours=2))
    with serve(create_web_app(app, password_hasher=CHEAP_HASHER)) as base_url:
        yield app, base_url
    app.engine.dispose()


@pytest.fixture
def page(browser: Browser, dashboard: tuple[App, str]) -> Iterator[Page]:
    with browser_page(browser, dashboard[1]) as page:
        yield page


def _item_id(app: App) -> int:
    with app.session() as session:
        item_id = session.exec(select(TriageItem.id)).one()
        assert item_id is not None
        return item_id


COUNT_IN_PAGE = """async (texts) => {
  const rules = await loadTextRules();
  return texts.map((text) => weightedLength(text, rules));
}"""


@pytest.mark.browser
class TestScriptAgreesWithPython:
    def test_conformance_and_edge_cases(self, page: Page) -> None:
        """twitter-text's conformance texts and the edge cases weigh in the page what weighted_length says."""
        browser_sign_in(page, "sam")
        conformance = _conformance_texts()
        assert len(conformance) == 97
        texts = conformance + EDGE_CASES
        assert page.evaluate(COUNT_IN_PAGE, texts) == [weighted_length(t) for t in texts]

    def test_every_emoji_of_the_data(self, page: Page) -> None:
        """Each emoji sequence the server knows, alone and between letters, weighs the same in the page."""
        browser_sign_in(page, "sam")
        texts = list(emoji.EMOJI_DATA) + [f"a{e}\u200d{e}b" for e in emoji.EMOJI_DATA]
        assert page.evaluate(COUNT_IN_PAGE, texts) == [weighted_length(t) for t in texts]


@pytest.mark.browser
class TestLiveCounter:
    def test_typing_a_reply_with_emoji_and_a_url(self, page: Page, dashboard: tuple[App, str]) -> None:
        """The own-words reply counts as weighted_length while typed; past 280 it turns red (and back)."""
        app, _ = dashboard
        browser_sign_in(page, "sam")
        page.goto(f"/triage/{_item_id(app)}")
        counter = page.locator("#reply-text-count")
        expect(counter).to_have_text("0 / 280")
        text = "@ada so sorry 🙏🏽 our help page: https://example.com/help/refunds?id=42 👨‍👩‍👧 火星"
        page.locator("#reply-text").press_sequentially(text)
        expect(counter).to_have_text(f"{weighted_length(text)} / 280")
        assert weighted_length(text) == 63  # 45 light characters, 3 emoji (6), 火星 (4), the URL (23)
        expect(counter).not_to_have_class("counter over")
        longer = text + " " + "z" * 218  # 63 + 1 + 218 = 282
        page.locator("#reply-text").fill(longer)
        expect(counter).to_have_text(f"{weighted_length(longer)} / 280")
        expect(counter).to_have_class("counter over")
        page.locator("#reply-text").press("Backspace")
        page.locator("#reply-text").press("Backspace")
        expect(counter).to_have_text("280 / 280")
        expect(counter).to_have_class("counter")

    def test_a_refused_edit_keeps_the_text_and_its_red_count(self, browser: Browser,
                                                             dashboard: tuple[App, str]) -> None:
        """Type past the limit in an Edit form, save: the form is open again with the text and the count."""
        with browser_page(browser, dashboard[1], expected_errors=(REFUSED_PAGE,)) as page:
            self._refused_edit(page)

    @staticmethod
    def _refused_edit(page: Page) -> None:
        browser_sign_in(page, "pat")
        row = page.locator("tr[data-post]").first
        post_id = row.get_attribute("data-post")
        row.locator("summary").click()
        field = page.locator(f"#edit-{post_id}-text")
        expect(page.locator(f"#edit-{post_id}-text-count")).to_have_text("20 / 280")
        typed = "Sol 50: a dust storm 🌪 " + "ø" * 260 + " https://example.com/storm"
        field.fill(typed)
        expect(page.locator(f"#edit-{post_id}-text-count")).to_have_text(f"{weighted_length(typed)} / 280")
        row.get_by_role("button", name="Save").click()
        expect(page.locator(f"#edit-{post_id}-error")).to_contain_text("Not saved: 308 weighted characters > 280")
        expect(page.locator(f"#edit-{post_id}-text")).to_have_value(typed)
        expect(page.locator(f"#edit-{post_id}-text")).to_be_focused()
        expect(page.locator(f"#edit-{post_id}-text-count")).to_have_text("308 / 280")
        expect(page.locator(f"#edit-{post_id}-text-count")).to_have_class("counter over")

    def test_a_text_split_into_a_thread_is_not_red(self, page: Page) -> None:
        """Over 280 in "Queue a post" is red until the thread box is ticked."""
        browser_sign_in(page, "pat")
        page.locator("#add-post-text").fill("w" * 300)
        counter = page.locator("#add-post-text-count")
        expect(counter).to_have_class("counter over")
        page.locator("#add-post-thread").check()
        expect(counter).to_have_text("300 / 280")
        expect(counter).to_have_class("counter")


@pytest.mark.browser
class TestRulesInTheBrowser:
    def test_fetched_once_gzipped_and_kept_across_pages(self, browser: Browser,
                                                        tmp_path_factory: pytest.TempPathFactory) -> None:
        """Chromium opens three pages with a counter: it asks for the rules once, gets them gzipped, and every
        page counts with them (the later ones from its HTTP cache, no request reaches the server)."""
        url = f"sqlite:///{tmp_path_factory.mktemp('rules') / 'brandbot.db'}"
        upgrade(url)
        app = App(make_settings(url), clock=ManualClock(START))
        add_staff(app, "sam", "agent")
        with app.session() as session:
            seed_complaints(session, START, [("201", "high", "@brandbot the app lost my booking")])
        web = create_web_app(app, password_hasher=CHEAP_HASHER)
        asked: list[tuple[int, str | None]] = []
        text = "火星 🚀 example.com"

        @web.middleware("http")
        async def record(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            response = await call_next(request)
            if request.url.path == "/text/rules":
                asked.append((response.status_code, response.headers.get("content-encoding")))
            return response

        try:
            with serve(web) as base_url, browser_page(browser, base_url) as page:
                browser_sign_in(page, "sam")
                for _ in range(3):
                    page.goto(f"/triage/{_item_id(app)}")
                    expect(page.locator("#reply-text-count")).to_have_text("0 / 280")
                    assert page.evaluate(COUNT_IN_PAGE, [text]) == [weighted_length(text)]
        finally:
            app.engine.dispose()
        assert asked == [(200, "gzip")]
