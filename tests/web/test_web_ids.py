"""Ids in dashboard URLs: one beyond a 64-bit SQL INTEGER is refused before any query, never a 500.

In a path it names no page (the 404 page says the id is not valid). List pages page on with
cursors instead of ids: text that is not a cursor lists from the start, and an overlong one is
bad input (the 422 page).
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from bot.app import App
from bot.store.paging import MAX_CURSOR_LENGTH
from bot.web.ids import MAX_ROW_ID
from tests.web.conftest import csrf_token, post_form, seed_complaints

HUGE = "99999999999999999999"  # > 2**63 - 1: SQLite raised OverflowError on it


def _refused(response_status: int, page: str) -> None:
    """An id in the path: the "not found" page naming the id."""
    assert response_status == 404
    assert f"Not a valid id: &#39;{HUGE}&#39;." in page


class TestOversizedIds:
    @pytest.mark.parametrize("path", [f"/triage/{HUGE}", "/triage/0"])
    def test_pages(self, admin: TestClient, path: str) -> None:
        """A triage item id out of range is no page."""
        response = admin.get(path)
        assert response.status_code == 404
        assert "<h1>Not found</h1>" in response.text

    def test_the_message_names_the_id(self, admin: TestClient) -> None:
        response = admin.get(f"/triage/{HUGE}")
        _refused(response.status_code, response.text)


class TestPageCursors:
    @pytest.mark.parametrize("path", ["/audit", "/follows", "/mentions", "/triage", "/triage/items"])
    @pytest.mark.parametrize("query", [f"before={HUGE}", "before=-1", f"after={HUGE}", "after=%00"])
    def test_text_that_is_no_cursor_is_the_first_page(self, bot: App, admin: TestClient, path: str,
                                                      query: str) -> None:
        """Paging takes a page's cursor, not an id: an old id link or other text lists from the start."""
        with bot.session() as session:
            seed_complaints(session, bot.clock.now(), [("101", "high", "@brandbot refund please")])
        response = admin.get(f"{path}?{query}")
        assert response.status_code == 200
        assert ("refund please" in response.text) == (path not in ("/audit", "/follows"))

    def test_an_overlong_cursor_is_bad_input(self, admin: TestClient) -> None:
        """A cursor longer than any a page hands out is refused as invalid input (422), naming the parameter."""
        response = admin.get("/audit", params={"before": "x" * (MAX_CURSOR_LENGTH + 1)})
        assert response.status_code == 422
        assert "<h1>Invalid input</h1>" in response.text
        assert f"Before is too long (at most {MAX_CURSOR_LENGTH} characters)" in response.text

    @pytest.mark.parametrize("action", ["claim", "assign", "reply", "resolve", "dismiss", "label"])
    def test_triage_actions(self, admin: TestClient, action: str) -> None:
        """Every triage action on an oversized id is refused before touching the database."""
        token = csrf_token(admin, "/triage")
        response = admin.post(f"/triage/{HUGE}/{action}", data={"csrf_token": token, "assignee": "root",
                                                                 "template": "apology", "label": "complaint"})
        _refused(response.status_code, response.text)

    def test_triage_preview_is_json(self, admin: TestClient) -> None:
        """The page script's preview gets FastAPI's JSON 422."""
        response = admin.get(f"/triage/{HUGE}/preview", params={"template": "apology"},
                             headers={"X-Requested-With": "fetch"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["path", "item_id"]

    @pytest.mark.parametrize("action", ["done", "skip"])
    def test_follow_actions(self, admin: TestClient, action: str) -> None:
        """Marking an oversized follow decision done or skipped is refused."""
        token = csrf_token(admin, "/follows")
        response = admin.post(f"/follows/{HUGE}/{action}", data={"csrf_token": token})
        _refused(response.status_code, response.text)

    @pytest.mark.parametrize("action", ["approve", "edit", "cancel"])
    def test_queue_actions(self, admin: TestClient, action: str) -> None:
        """Approving, editing or cancelling an oversized post id is refused."""
        token = csrf_token(admin, "/queue")
        response = admin.post(f"/queue/posts/{HUGE}/{action}", data={"csrf_token": token, "text": "x"})
        _refused(response.status_code, response.text)

    def test_the_largest_id_is_simply_not_found(self, admin: TestClient) -> None:
        """2**63 - 1 fits the column: no such item (404), and an action on it says so."""
        response = admin.get(f"/triage/{MAX_ROW_ID}")
        assert (response.status_code, f"No triage item {MAX_ROW_ID}." in response.text) == (404, True)
        token = csrf_token(admin, "/triage")
        response = admin.post(f"/triage/{MAX_ROW_ID}/claim", data={"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
        assert f"no triage item {MAX_ROW_ID}" in admin.get("/triage").text
        assert f"no follow decision {MAX_ROW_ID}" in post_form(admin, f"/follows/{MAX_ROW_ID}/done", page="/follows")


class TestMentionIdsAreText:
    def test_a_huge_tweet_id_is_an_unknown_mention(self, bot: App, admin: TestClient) -> None:
        """Mention ids are tweet-id strings: a huge one pages from the newest and flags nothing, no 500."""
        with bot.session() as session:
            seed_complaints(session, bot.clock.now(), [("101", "high", "@brandbot refund please")])
        page = admin.get(f"/mentions?before={HUGE}")
        assert (page.status_code, 'data-mention="101"' in page.text) == (200, True)
        assert f"no mention {HUGE}" in post_form(admin, f"/mentions/{HUGE}/flag", page="/mentions")
