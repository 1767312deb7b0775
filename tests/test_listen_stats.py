"""bot.listen.stats: the poll lag and follow counts `brandbot stats` shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bot.classify.detector import Classification as Verdict
from bot.domain import FollowStatus
from bot.listen.ingest import store_page
from bot.listen.stats import compute_stats
from bot.settings import Settings
from bot.store.models import Author, Cursor, FollowDecision, TriageItem
from bot.triage import queue
from bot.triage.mentions import flag_mention
from bot.xapi.client import TweetPage, XTweet, XUser

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)



class BrokenDetector:
    """A stand-in for the detector: a text saying 'broken' is a complaint, nothing else is."""

    def classify_many(self, texts: list[str]) -> list[Verdict]:
        return [Verdict(True, 0.8, "high", []) if "broken" in t else Verdict(False, 0.1, "low", []) for t in texts]


def _listen(session: Session, texts: dict[str, str]) -> dict[str, int]:
    """Store mentions (id -> text) as the listener does; the detector's triage item ids by mention id."""
    page = TweetPage(tweets=[XTweet(id=i, text=t, author_id="7", created_at=NOW) for i, t in texts.items()],
                     users={"7": XUser(id="7", username="ada")})
    store_page(session, page, found_by="mentions", detector=BrokenDetector(),
               settings=Settings(brand_handle="brandbot"), brand_user_id="1000", crisis_active=False, now=NOW)
    return {i.mention_id: i.id or 0 for i in session.exec(select(TriageItem))}


def _complaint_figures(session: Session) -> tuple[int, int, int, int]:
    stats = compute_stats(session, now=NOW)
    return (stats.complaints, stats.complaints_by_detector, stats.complaints_added_by_staff,
            stats.complaints_removed_by_staff)


def test_lag_is_time_since_the_newest_successful_poll(session: Session) -> None:
    """The lag counts from the most recent success of any cursor."""
    session.add(Cursor(name="mentions", last_success_at=NOW - timedelta(seconds=90)))
    session.add(Cursor(name="search", last_success_at=NOW - timedelta(seconds=30)))
    session.commit()
    assert compute_stats(session, now=NOW).poll_lag_seconds == 30.0


def test_lag_is_never_negative(session: Session) -> None:
    """A sped-up sandbox run records poll times ahead of the wall clock: the lag shows 0, not -2374 s."""
    session.add(Cursor(name="mentions", last_success_at=NOW + timedelta(minutes=40)))
    session.commit()
    assert compute_stats(session, now=NOW).poll_lag_seconds == 0.0


def test_never_polled(session: Session) -> None:
    """No cursor yet: no lag."""
    assert compute_stats(session, now=NOW).poll_lag_seconds is None


def test_each_source_has_its_own_lag(session: Session) -> None:
    """Search succeeding does not hide mentions failing: each cursor shows its own lag."""
    session.add(Cursor(name="mentions", last_success_at=NOW - timedelta(minutes=45), last_error="Forbidden: 403"))
    session.add(Cursor(name="search", last_success_at=NOW - timedelta(seconds=30)))
    session.add(Cursor(name="search_new", last_success_at=None))
    session.commit()
    stats = compute_stats(session, now=NOW)
    assert stats.poll_lag_by_source == {"mentions": 2700.0, "search": 30.0, "search_new": None}


def test_follows_done_counts_the_ones_a_person_made(session: Session) -> None:
    """On the basic tier every follow is made by hand: "follows done" counts those too."""
    for n, status in enumerate([FollowStatus.DONE, FollowStatus.MANUAL_DONE, FollowStatus.MANUAL_DONE,
                                FollowStatus.MANUAL, FollowStatus.SKIPPED]):
        session.add(Author(id=str(n), username=f"u{n}", first_seen_at=NOW, last_seen_at=NOW))
        session.flush()
        session.add(FollowDecision(author_id=str(n), status=status.value, reason="r", created_at=NOW))
    session.commit()
    stats = compute_stats(session, now=NOW)
    assert (stats.follows_done, stats.follows_waiting_for_a_person) == (3, 1)


class TestComplaints:
    def test_a_complaint_flagged_by_staff_counts(self, session: Session) -> None:
        """The detector found 2 of 3 complaints; a person flags the third: complaints 3 (detector 2, +1 by staff)."""
        _listen(session, {"1": "@brandbot broken again", "2": "@brandbot broken screen",
                          "3": "@brandbot 3 weeks, no box"})
        flag_mention(session, mention_id="3", actor="sam", now=NOW)
        session.commit()
        assert _complaint_figures(session) == (3, 2, 1, 0)

    def test_a_detector_complaint_staff_labelled_not_a_complaint_does_not_count(self, session: Session) -> None:
        """"Not a complaint" on a detector item takes it out of complaints (detector 2, -1 by staff); labelled a
        complaint again, it is back."""
        items = _listen(session, {"1": "@brandbot broken again", "2": "@brandbot broken records, love it"})
        queue.label(session, item_id=items["2"], label="not-complaint", actor="sam", now=NOW)
        session.commit()
        assert _complaint_figures(session) == (1, 2, 0, 1)
        queue.label(session, item_id=items["2"], label="complaint", actor="kim", now=NOW)
        session.commit()
        assert _complaint_figures(session) == (2, 2, 0, 0)
