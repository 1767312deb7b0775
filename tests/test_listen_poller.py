"""`poll_mentions` on both stores: pagination, dedup, restart mid-storm, budget, errors, routing."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.classify.detector import Classification as Verdict
from bot.clock import ManualClock
from bot.domain import SLA_BY_SEVERITY, Severity
from bot.errors import RateLimited, TransientError, Unauthorized
from bot.listen.poller import MENTIONS, SEARCH, PollProgress, poll_mentions, search_query
from bot.settings import Settings
from bot.store.coordination import counter_value
from bot.store.models import Classification, Cursor, FollowDecision, Mention, TriageAction, TriageItem
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.client import TweetPage
from bot.xapi.fake import FakeXClient
from bot.xapi.tiers import Limit

BRAND_ID = "1000"
SETTINGS = Settings(brand_handle="brandbot", x_tier="pro")



class KeywordDetector:
    """A deterministic stand-in for the detector: 'broken' is a high complaint, 'refund' a critical one."""

    version = "kw-1"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def classify_many(self, texts: list[str]) -> list[Verdict]:
        self.seen.extend(texts)
        out = []
        for text in texts:
            if "refund" in text:
                out.append(Verdict(True, 0.97, "critical", ["refund"]))
            elif "broken" in text:
                out.append(Verdict(True, 0.8, "high", ["broken"]))
            else:
                out.append(Verdict(False, 0.1, "low", []))
        return out


class CrashingFake(FakeXClient):
    """The fake X whose process 'dies' (a transient error) on the n-th mentions page."""

    def __init__(self, crash_on_page: int | None = None, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.crash_on_page = crash_on_page
        self.pages = 0

    def mentions_page(self, user_id: str, *, since_id: str | None = None, pagination_token: str | None = None,
                      max_results: int = 100) -> TweetPage:
        self.pages += 1
        if self.crash_on_page is not None and self.pages == self.crash_on_page:
            raise TransientError("connection dropped", endpoint=tiers.GET_MENTIONS)
        return super().mentions_page(user_id, since_id=since_id, pagination_token=pagination_token,
                                     max_results=max_results)


class BudgetedFake(FakeXClient):
    """The fake X with the real client's budget check in front of the timeline calls."""

    def __init__(self, budget: BudgetKeeper, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.budget = budget

    def mentions_page(self, user_id: str, *, since_id: str | None = None, pagination_token: str | None = None,
                      max_results: int = 100) -> TweetPage:
        self.budget.acquire(tiers.GET_MENTIONS)
        return super().mentions_page(user_id, since_id=since_id, pagination_token=pagination_token,
                                     max_results=max_results)


def _storm(x: FakeXClient, n: int, authors: int) -> None:
    for i in range(n):
        text = f"@brandbot order {i} arrived broken" if i % 5 == 0 else f"@brandbot thanks for order {i}"
        x.add_mention(f"fan{i % authors:04d}", text)


def _poll(engine: Engine, x: FakeXClient, clock: ManualClock, *, budget: BudgetKeeper | None = None,
          worker: str = "w1", detector: KeywordDetector | None = None, progress: PollProgress | None = None,
          sources: tuple[str, ...] = (MENTIONS,), settings: Settings = SETTINGS):  # type: ignore[no-untyped-def]
    det = detector or KeywordDetector()
    return poll_mentions(engine=engine, x=x, budget=budget or BudgetKeeper("pro", clock), clock=clock,
                         settings=settings, detector_for=lambda _s: det, brand_user_id=BRAND_ID, worker_id=worker,
                         progress=progress, sources=sources)


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _calls(x: FakeXClient, method: str) -> list[dict[str, object]]:
    return [args for name, args in x.calls if name == method]


class TestSearchQuery:
    def test_handle_only(self) -> None:
        """Without keywords the query is the handle minus retweets and the brand's own posts."""
        assert search_query("@brandbot", ()) == "@brandbot -is:retweet -from:brandbot"

    def test_keywords_are_grouped_and_phrases_quoted(self) -> None:
        """Keywords are OR-ed with the handle inside parentheses; phrases are quoted."""
        assert search_query("brandbot", ("brandbot app", "bbot")) == (
            '(@brandbot OR "brandbot app" OR bbot) -is:retweet -from:brandbot'
        )


class TestPollMentions:
    def test_storm_of_5000_with_a_crash_midway(self, engine: Engine, clock: ManualClock) -> None:
        """A crash on page 21 of 50 and a restart store every mention exactly once and route each once."""
        x = CrashingFake(crash_on_page=21, tier="pro", brand_id=BRAND_ID)
        _storm(x, 5000, authors=500)
        first = _poll(engine, x, clock, worker="proc-a")
        assert (first.new_mentions, first.sources[0].error) == (2000, "TransientError: connection dropped")
        with Session(engine) as session:
            cursor = session.get(Cursor, MENTIONS)
            assert cursor is not None
            assert (cursor.since_id, cursor.last_success_at, cursor.last_error) == (
                None, None, "TransientError: connection dropped")
        clock.advance(301)  # the dead process's lease expires; a new process takes over
        detector = KeywordDetector()
        second = _poll(engine, x, clock, worker="proc-b", detector=detector)
        assert (second.new_mentions, second.complaints, second.sources[0].caught_up) == (3000, 600, True)
        assert len(detector.seen) == 3000
        newest = max(x.tweets, key=int)
        assert _count(engine, Mention) == 5000
        assert _count(engine, Classification) == 5000
        assert _count(engine, TriageItem) == 1000
        assert _count(engine, TriageAction) == 1000
        assert _count(engine, FollowDecision) == 500
        with Session(engine) as session:
            assert counter_value(session, "mentions_seen") == 5000
            assert counter_value(session, "complaints") == 1000
            cursor = session.get(Cursor, MENTIONS)
            assert cursor is not None
            assert (cursor.since_id, cursor.last_success_at, cursor.last_error) == (newest, clock.now(), None)
        x.add_mention("latecomer", "broken again")
        third = _poll(engine, x, clock, worker="proc-b")
        assert (third.new_mentions, third.complaints) == (1, 1)
        assert _calls(x, "mentions_page")[-1]["since_id"] == newest

    def test_budget_pause_resumes_where_it_stopped(self, engine: Engine, clock: ManualClock) -> None:
        """With 4 mention calls per 15 minutes, 1000 mentions are read in 3 windows, none twice."""
        budget = BudgetKeeper("pro", clock, overrides={tiers.GET_MENTIONS: Limit(4, 900)})
        x = BudgetedFake(budget, tier="pro", brand_id=BRAND_ID)
        _storm(x, 1000, authors=100)
        progress = PollProgress()
        runs = []
        for _ in range(3):
            runs.append(_poll(engine, x, clock, budget=budget, progress=progress))
            clock.advance(900)
        assert [r.new_mentions for r in runs] == [400, 400, 200]
        assert [r.sources[0].caught_up for r in runs] == [False, False, True]
        assert len(_calls(x, "mentions_page")) == 10
        assert _count(engine, Mention) == 1000
        skipped = _poll(engine, x, clock, budget=budget, progress=progress)
        assert skipped.sources[0].caught_up is True
        assert len(_calls(x, "mentions_page")) == 11

    def test_mentions_and_search_find_each_post_once(self, engine: Engine, clock: ManualClock) -> None:
        """Posts returned by both sources are stored once, credited to the source that saw them first."""
        x = FakeXClient(tier="pro", brand_id=BRAND_ID)
        x.add_mention("ada", "hello there")
        x.add_tweet("bob", "@brandbot2 is not us, broken")
        result = _poll(engine, x, clock, sources=(MENTIONS, SEARCH))
        assert [(s.source, s.pages, s.new_mentions) for s in result.sources] == [(MENTIONS, 1, 2), (SEARCH, 1, 0)]
        assert _calls(x, "search_recent_page")[0]["query"] == "@brandbot -is:retweet -from:brandbot"
        with Session(engine) as session:
            rows = {m.text: (m.found_by, m.summoned) for m in session.exec(select(Mention))}
        assert rows == {
            "@brandbot hello there": ("mentions", True),
            "@brandbot2 is not us, broken": ("mentions", False),
        }
        assert _count(engine, Classification) == 2

    def test_a_401_is_reported_as_unauthorized(self, engine: Engine, clock: ManualClock) -> None:
        """The runner raises the credentials flag from this field (other errors leave it down)."""
        x = FakeXClient(tier="pro", brand_id=BRAND_ID)
        x.fail_next("mentions_page", Unauthorized("Unauthorized", status=401, endpoint=tiers.GET_MENTIONS))
        assert [s.unauthorized for s in _poll(engine, x, clock).sources] == [True]
        assert [s.unauthorized for s in _poll(engine, x, clock).sources] == [False]

    def test_a_401_pauses_the_source_for_a_minute(self, engine: Engine, clock: ManualClock) -> None:
        """After a 401, runs within the next minute make no call (X is not asked at every poll); then it tries again."""
        x = FakeXClient(tier="pro", brand_id=BRAND_ID)
        x.add_mention("ada", "broken")
        x.fail_next("mentions_page", Unauthorized("Unauthorized", status=401, endpoint=tiers.GET_MENTIONS))
        progress = PollProgress()
        assert _poll(engine, x, clock, progress=progress).sources[0].unauthorized is True
        clock.advance(30)
        paused = _poll(engine, x, clock, progress=progress).sources[0]
        assert (paused.skipped, paused.unauthorized) == ("unauthorized: next try at 2026-03-01T12:01:00+00:00", False)
        assert len(_calls(x, "mentions_page")) == 1
        clock.advance(30)
        assert _poll(engine, x, clock, progress=progress).new_mentions == 1
        assert len(_calls(x, "mentions_page")) == 2

    def test_rate_limit_is_recorded_and_retried_next_run(self, engine: Engine, clock: ManualClock) -> None:
        """A 429 is written on the cursor and counted; the next run reads the same mentions."""
        x = FakeXClient(tier="pro", brand_id=BRAND_ID)
        x.add_mention("ada", "broken")
        x.fail_next("mentions_page", RateLimited("Too Many Requests", reset_at=None, status=429,
                                                 endpoint=tiers.GET_MENTIONS))
        first = _poll(engine, x, clock)
        assert (first.new_mentions, first.sources[0].error) == (0, "RateLimited: Too Many Requests")
        with Session(engine) as session:
            assert counter_value(session, "x_429") == 1
            cursor = session.get(Cursor, MENTIONS)
            assert cursor is not None
            assert (cursor.last_error, cursor.last_poll_at) == ("RateLimited: Too Many Requests", clock.now())
        assert len(_calls(x, "mentions_page")) == 1
        second = _poll(engine, x, clock)
        assert second.new_mentions == 1

    def test_a_source_the_budget_refuses_is_not_called(self, engine: Engine, clock: ManualClock) -> None:
        """When the mentions budget is spent the source is skipped without a call; search still runs."""
        budget = BudgetKeeper("basic", clock)
        for _ in range(10):
            budget.acquire(tiers.GET_MENTIONS)
        x = FakeXClient(tier="basic", brand_id=BRAND_ID)
        x.add_mention("ada", "hi")
        result = _poll(engine, x, clock, budget=budget, sources=(MENTIONS, SEARCH))
        assert result.sources[0].skipped == "budget: next call allowed at 2026-03-01T12:15:00+00:00"
        assert (_calls(x, "mentions_page"), result.sources[1].new_mentions) == ([], 1)

    def test_another_workers_lease_skips_the_run(self, engine: Engine, clock: ManualClock) -> None:
        """While worker w1 holds the poll lease, w2 makes no call."""
        x = FakeXClient(tier="pro", brand_id=BRAND_ID)
        _poll(engine, x, clock, worker="w1")
        clock.advance(60)
        result = _poll(engine, x, clock, worker="w2")
        assert (result.skipped, len(_calls(x, "mentions_page"))) == ("lease held by another worker", 1)

    def test_complaint_opens_a_triage_item_with_its_sla(self, engine: Engine, clock: ManualClock) -> None:
        """A critical complaint is due 15 minutes after it was seen, with a 'created' action."""
        x = FakeXClient(tier="pro", brand_id=BRAND_ID)
        x.add_mention("ada", "I want a refund")
        _poll(engine, x, clock)
        with Session(engine) as session:
            item = session.exec(select(TriageItem)).one()
            assert (item.severity, item.severity_rank, item.status, item.sla_due_at) == (
                "critical", 0, "new", clock.now() + SLA_BY_SEVERITY[Severity.CRITICAL])
            action = session.exec(select(TriageAction)).one()
            assert (action.item_id, action.actor, action.action) == (item.id, "system", "created")
            classification = session.exec(select(Classification)).one()
            assert (classification.model_version, classification.reasons) == ("kw-1", ["refund"])

    def test_one_follow_decision_per_author_ever(self, engine: Engine, clock: ManualClock) -> None:
        """An author who mentions the brand three times over two polls gets one decision row."""
        x = FakeXClient(tier="pro", brand_id=BRAND_ID)
        x.add_mention("ada", "one")
        x.add_mention("ada", "two")
        _poll(engine, x, clock)
        x.add_mention("ada", "three")
        _poll(engine, x, clock)
        with Session(engine) as session:
            rows = session.exec(select(FollowDecision)).all()
        assert [(r.status, r.reason) for r in rows] == [
            ("manual", "the pro tier cannot follow through the API: follow by hand")]

    def test_brand_own_posts_are_ignored(self, engine: Engine, clock: ManualClock) -> None:
        """A post by the brand itself is never stored as a mention."""
        x = FakeXClient(tier="pro", brand_id=BRAND_ID)
        x.add_tweet("brandbot", "hello @brandbot fans")
        result = _poll(engine, x, clock, sources=(SEARCH,))
        assert (result.new_mentions, _count(engine, Mention)) == (0, 0)
