"""`execute_follows` on both stores: tier, budget, daily cap, crisis hold and claims."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.app import App
from bot.clock import ManualClock
from bot.crisis import set_crisis
from bot.domain import FollowStatus
from bot.errors import NotFound, RateLimited, TransientError
from bot.follow.decisions import FollowCandidate, record_follow_decisions
from bot.follow.executor import LEASE_TTL_SECONDS, execute_follows
from bot.follow.refusal import clear_follow_refused
from bot.listen.poller import MENTIONS, poll_mentions
from bot.sandbox import BRAND_USER_ID, SandboxConfig, SandboxServer
from bot.sandbox.testing import SandboxAdmin, sandbox_settings
from bot.settings import Settings
from bot.store.coordination import X_429_COUNTER, counter_value
from bot.store.db import make_engine, session_scope
from bot.store.models import AuditLog, Author, FollowDecision, Mention
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper
from bot.xapi.client import FollowResult
from bot.xapi.fake import FakeXClient

BRAND_ID = "1000"


class BudgetedFake(FakeXClient):
    """The fake X with the real client's budget check in front of `follow` (as TweepyXClient does)."""

    def __init__(self, budget: BudgetKeeper, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.budget = budget

    def follow(self, source_user_id: str, target_user_id: str) -> FollowResult:
        self.budget.acquire(tiers.FOLLOW)
        return super().follow(source_user_id, target_user_id)


class ProtectedFake(BudgetedFake):
    """X where the users in `protected` only get a follow request (`pending_follow: true`), as protected accounts do."""

    def __init__(self, budget: BudgetKeeper, **kw: object) -> None:
        super().__init__(budget, **kw)
        self.protected: set[str] = set()

    def follow(self, source_user_id: str, target_user_id: str) -> FollowResult:
        result = super().follow(source_user_id, target_user_id)
        if target_user_id in self.protected:
            self.following.discard(target_user_id)
            return FollowResult(following=False, pending=True)
        return result


class CrisisAfterTwo(BudgetedFake):
    """X with the crisis watcher tripping crisis mode (in `engine`) right after the second follow."""

    def __init__(self, budget: BudgetKeeper, engine: Engine, clock: ManualClock, **kw: object) -> None:
        super().__init__(budget, **kw)
        self.engine, self.clock = engine, clock

    def follow(self, source_user_id: str, target_user_id: str) -> FollowResult:
        result = super().follow(source_user_id, target_user_id)
        if len(self.following) == 2:
            with session_scope(self.engine) as session:
                set_crisis(session, active=True, reason="storm", actor="crisis-watch", now=self.clock.now(),
                           automatic=True)
        return result


class WorkerX(FakeXClient):
    """One process's view of a shared fake X: its own budget; its first follow waits (up to 2 s) for the other."""

    def __init__(self, world: FakeXClient, budget: BudgetKeeper, gate: threading.Barrier) -> None:
        super().__init__(tier=world.tier, brand_id=world.brand.id)
        self.world, self.budget, self.gate = world, budget, gate
        self.users = world.users

    def follow(self, source_user_id: str, target_user_id: str) -> FollowResult:
        self.budget.acquire(tiers.FOLLOW)
        if not self.gate.broken:  # both processes mid-run at once, as in production (unless only one follows)
            with contextlib.suppress(threading.BrokenBarrierError):
                self.gate.wait()
        return self.world.follow(source_user_id, target_user_id)


def _pending(
    engine: Engine, x: FakeXClient, clock: ManualClock, n: int, status: FollowStatus, *, prefix: str = "fan"
) -> list[str]:
    ids = []
    with session_scope(engine) as session:
        for i in range(n):
            user = x.add_user(f"{prefix}{i:03d}")
            session.add(Author(id=user.id, username=user.username, first_seen_at=clock.now(),
                               last_seen_at=clock.now()))
            session.flush()
            session.add(FollowDecision(author_id=user.id, status=status, reason="test", created_at=clock.now()))
            ids.append(user.id)
    return ids


def _statuses(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        out: dict[str, int] = {}
        for row in session.exec(select(FollowDecision)):
            out[row.status] = out.get(row.status, 0) + 1
        return out


def _follow_calls(x: FakeXClient) -> int:
    return sum(1 for name, _ in x.calls if name == "follow")


class TestExecuteFollows:
    def test_basic_tier_hands_pending_to_a_person_once(self, engine: Engine, clock: ManualClock) -> None:
        """On basic every pending decision becomes MANUAL without an API call, and a second run does nothing."""
        budget = BudgetKeeper("basic", clock)
        x = BudgetedFake(budget, tier="basic", brand_id=BRAND_ID)
        _pending(engine, x, clock, 3, FollowStatus.PENDING)
        settings = Settings(x_tier="basic")
        first = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                brand_user_id=BRAND_ID, worker_id="w1")
        second = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                 brand_user_id=BRAND_ID, worker_id="w1")
        assert (first.manual, first.followed, second.manual, second.followed) == (3, 0, 0, 0)
        assert _statuses(engine) == {"manual": 3}
        assert _follow_calls(x) == 0
        with Session(engine) as session:
            reasons = {r.reason for r in session.exec(select(FollowDecision))}
        assert reasons == {"the basic tier cannot follow through the API: follow by hand"}

    def test_server_refusal_moves_everyone_to_manual_once(self, engine: Engine, clock: ManualClock) -> None:
        """If the API says NotOnTier although the budget allowed it, one call is made and every row goes MANUAL."""
        budget = BudgetKeeper("enterprise", clock)
        x = BudgetedFake(budget, tier="basic", brand_id=BRAND_ID)  # the server's tier disagrees with settings
        _pending(engine, x, clock, 4, FollowStatus.PENDING)
        settings = Settings(x_tier="enterprise")
        first = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                brand_user_id=BRAND_ID, worker_id="w1")
        execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                        brand_user_id=BRAND_ID, worker_id="w1")
        assert (first.manual, first.stopped) == (4, "NotOnTier")
        assert _statuses(engine) == {"manual": 4}
        assert _follow_calls(x) == 1

    def test_enterprise_follows_within_the_15_minute_budget(self, engine: Engine, clock: ManualClock) -> None:
        """Enterprise allows 50 follows per 15 minutes: 60 pending → 50 done now, the other 10 in the next window."""
        budget = BudgetKeeper("enterprise", clock)
        x = BudgetedFake(budget, tier="enterprise", brand_id=BRAND_ID)
        ids = _pending(engine, x, clock, 60, FollowStatus.PENDING)
        settings = Settings(x_tier="enterprise")
        first = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                brand_user_id=BRAND_ID, worker_id="w1")
        assert (first.followed, _statuses(engine)) == (50, {"done": 50, "pending": 10})
        assert first.held == "follow budget spent until 2026-03-01T12:15:00+00:00"
        clock.advance(15 * 60)
        second = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                 brand_user_id=BRAND_ID, worker_id="w1")
        assert (second.followed, _statuses(engine)) == (10, {"done": 60})
        assert x.following == set(ids)
        assert _follow_calls(x) == 60

    def test_daily_cap_counts_done_rows_of_the_last_24_hours(self, engine: Engine, clock: ManualClock) -> None:
        """With a cap of 5 and 3 done in the last 24 h, only 2 more are followed."""
        budget = BudgetKeeper("enterprise", clock)
        x = BudgetedFake(budget, tier="enterprise", brand_id=BRAND_ID)
        _pending(engine, x, clock, 3, FollowStatus.PENDING)
        settings = Settings(x_tier="enterprise", follow_daily_cap=5)
        execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                        brand_user_id=BRAND_ID, worker_id="w1")
        clock.advance(20 * 3600)
        _pending(engine, x, clock, 5, FollowStatus.PENDING, prefix="later")
        run = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                              brand_user_id=BRAND_ID, worker_id="w1")
        assert (run.followed, _statuses(engine)) == (2, {"done": 5, "pending": 3})
        clock.advance(5 * 3600)
        later = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                brand_user_id=BRAND_ID, worker_id="w1")
        assert later.followed == 3

    def test_crisis_holds_follows(self, engine: Engine, clock: ManualClock) -> None:
        """While crisis mode is on nothing is followed and the API is not called."""
        budget = BudgetKeeper("enterprise", clock)
        x = BudgetedFake(budget, tier="enterprise", brand_id=BRAND_ID)
        _pending(engine, x, clock, 2, FollowStatus.PENDING)
        with session_scope(engine) as session:
            set_crisis(session, active=True, reason="storm", actor="ops", now=clock.now())
        run = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=Settings(x_tier="enterprise"),
                              brand_user_id=BRAND_ID, worker_id="w1")
        assert (run.held, run.followed, _follow_calls(x)) == ("crisis mode holds automatic follows", 0, 0)
        assert _statuses(engine) == {"pending": 2}

    def test_crisis_turned_on_mid_run_stops_the_run(self, engine: Engine, clock: ManualClock) -> None:
        """Crisis mode tripping after the second of 5 follows holds the other 3 (no further API call)."""
        budget = BudgetKeeper("enterprise", clock)
        x = CrisisAfterTwo(budget, engine, clock, tier="enterprise", brand_id=BRAND_ID)
        _pending(engine, x, clock, 5, FollowStatus.PENDING)
        run = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=Settings(x_tier="enterprise"),
                              brand_user_id=BRAND_ID, worker_id="w1")
        assert (run.followed, run.held, _follow_calls(x)) == (2, "crisis mode holds automatic follows", 2)
        assert _statuses(engine) == {"done": 2, "pending": 3}

    def test_a_name_blocklisted_after_its_decision_is_not_followed(self, engine: Engine, clock: ManualClock) -> None:
        """@Troll000 (pending) and @Troll001 (manual) are put on FOLLOW_BLOCKLIST after being decided: both are
        skipped, whatever the case, and only @fan000 is followed."""
        budget = BudgetKeeper("enterprise", clock)
        x = BudgetedFake(budget, tier="enterprise", brand_id=BRAND_ID)
        troll, _ = _pending(engine, x, clock, 2, FollowStatus.PENDING, prefix="Troll")
        (fan,) = _pending(engine, x, clock, 1, FollowStatus.PENDING)
        with session_scope(engine) as session:
            row = session.exec(select(FollowDecision).where(col(FollowDecision.author_id) != troll)
                               .where(col(FollowDecision.author_id) != fan)).one()
            row.status = FollowStatus.MANUAL
            session.add(row)
        settings = Settings(x_tier="enterprise", follow_blocklist=("troll000", "troll001"))
        run = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                              brand_user_id=BRAND_ID, worker_id="w1")
        assert (run.followed, x.following, _follow_calls(x)) == (1, {fan}, 1)
        with Session(engine) as session:
            rows = [(r.status, r.reason) for r in session.exec(select(FollowDecision).order_by(col(FollowDecision.id)))]
        assert rows == [("skipped", "blocklisted (added after the decision)"),
                        ("skipped", "blocklisted (added after the decision)"), ("done", "followed through the API")]

    def test_permanent_and_transient_errors(self, engine: Engine, clock: ManualClock) -> None:
        """A gone user is FAILED with the reason; a transient error leaves the row PENDING and stops the run."""
        budget = BudgetKeeper("enterprise", clock)
        x = BudgetedFake(budget, tier="enterprise", brand_id=BRAND_ID)
        _pending(engine, x, clock, 3, FollowStatus.PENDING)
        x.fail_next("follow", NotFound("user gone", status=404, endpoint=tiers.FOLLOW))
        x.fail_next("follow", TransientError("server error", status=503, endpoint=tiers.FOLLOW))
        settings = Settings(x_tier="enterprise")
        run = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                              brand_user_id=BRAND_ID, worker_id="w1")
        assert (run.failed, run.followed, run.stopped) == (1, 0, "TransientError")
        assert _statuses(engine) == {"failed": 1, "pending": 2}
        with Session(engine) as session:
            failed = session.exec(select(FollowDecision).where(col(FollowDecision.status) == "failed")).one()
            assert failed.reason == "NotFound: user gone"
            assert session.exec(select(FollowDecision).where(col(FollowDecision.lease_owner).is_not(None))).all() == []
        again = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                brand_user_id=BRAND_ID, worker_id="w1")
        assert (again.followed, _statuses(engine)) == (2, {"failed": 1, "done": 2})

    def test_a_429_from_x_is_counted_and_the_budgets_refusal_is_not(self, engine: Engine, clock: ManualClock) -> None:
        """X's 429 stops the run and counts in the shared 429 counter; the keeper's refusal stops it uncounted."""
        budget = BudgetKeeper("enterprise", clock)
        x = BudgetedFake(budget, tier="enterprise", brand_id=BRAND_ID)
        _pending(engine, x, clock, 2, FollowStatus.PENDING)
        x.fail_next("follow", RateLimited("429 Too Many Requests", reset_at=None, status=429, endpoint=tiers.FOLLOW))
        settings = Settings(x_tier="enterprise")
        run = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                              brand_user_id=BRAND_ID, worker_id="w1")
        assert (run.followed, run.stopped, _statuses(engine)) == (0, "RateLimited", {"pending": 2})
        x.fail_next("follow", RateLimited("not sent, budget_spent", reset_at=None, endpoint=tiers.FOLLOW))
        again = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                brand_user_id=BRAND_ID, worker_id="w1")
        assert (again.followed, again.stopped, _statuses(engine)) == (0, "RateLimited", {"pending": 2})
        with Session(engine) as session:
            assert counter_value(session, X_429_COUNTER) == 1

    def test_a_row_claimed_by_another_worker_is_left_alone(self, engine: Engine, clock: ManualClock) -> None:
        """A decision leased to worker w2 is not followed by w1 until that lease expires."""
        budget = BudgetKeeper("enterprise", clock)
        x = BudgetedFake(budget, tier="enterprise", brand_id=BRAND_ID)
        (author_id,) = _pending(engine, x, clock, 1, FollowStatus.PENDING)
        with session_scope(engine) as session:
            row = session.exec(select(FollowDecision)).one()
            row.lease_owner, row.lease_until = "w2", clock.now() + timedelta(minutes=2)
            session.add(row)
        settings = Settings(x_tier="enterprise")
        run = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                              brand_user_id=BRAND_ID, worker_id="w1")
        assert (run.followed, _follow_calls(x)) == (0, 0)
        clock.advance(3 * 60)
        later = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                brand_user_id=BRAND_ID, worker_id="w1")
        assert (later.followed, x.following) == (1, {author_id})

    def test_a_follow_request_to_a_protected_account_is_recorded_as_such(
        self, engine: Engine, clock: ManualClock
    ) -> None:
        """`pending_follow: true` is DONE (it counts against the cap) with a reason staff can tell apart."""
        budget = BudgetKeeper("enterprise", clock)
        x = ProtectedFake(budget, tier="enterprise", brand_id=BRAND_ID)
        locked, open_ = _pending(engine, x, clock, 2, FollowStatus.PENDING)
        x.protected.add(locked)
        run = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=Settings(x_tier="enterprise"),
                              brand_user_id=BRAND_ID, worker_id="w1")
        assert (run.followed, run.requested) == (1, 1)
        with Session(engine) as session:
            rows = {r.author_id: (r.status, r.reason) for r in session.exec(select(FollowDecision))}
            details = [a.detail for a in session.exec(select(AuditLog).where(AuditLog.action == "follow.done"))]
        assert rows == {locked: ("done", "follow request pending (protected account)"),
                        open_: ("done", "followed through the API")}
        assert sorted(details) == ["follow request pending (protected account)", "followed through the API"]

    def test_a_refusal_is_remembered_one_refused_call_over_many_rounds(
        self, engine: Engine, clock: ManualClock
    ) -> None:
        """X refuses following although X_TIER=enterprise: over 5 rounds of new mentions (and a restarted
        process) the API is asked once; later decisions go straight to the manual list with the reason."""
        settings = Settings(x_tier="enterprise")
        x = FakeXClient(tier="basic", brand_id=BRAND_ID)  # the account is not on enterprise after all
        refused = "the API refused following on the enterprise tier: follow by hand"
        for process in ("w1", "w2"):  # w2: a new process, with a fresh budget, reading the fact back
            budget = BudgetKeeper("enterprise", clock)
            for round_ in range(5):
                with session_scope(engine) as session:
                    user = x.add_user(f"{process}fan{round_}")
                    session.add(Author(id=user.id, username=user.username, first_seen_at=clock.now(),
                                       last_seen_at=clock.now()))
                    session.flush()
                    record_follow_decisions(
                        session, [FollowCandidate(author_id=user.id, mention_id=None, complaint=False, text="hi")],
                        crisis_active=False, blocklist=(), tier="enterprise", follow_enabled=True, now=clock.now())
                execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                brand_user_id=BRAND_ID, worker_id=process)
                clock.advance(60)
            assert budget.may_call(tiers.FOLLOW) is False
        assert _follow_calls(x) == 1
        with Session(engine) as session:
            rows = list(session.exec(select(FollowDecision).order_by(col(FollowDecision.id))))
            refusals = session.exec(select(AuditLog).where(AuditLog.action == "follow.api_refused")).all()
        assert [(r.status, r.reason) for r in rows] == [("manual", refused)] * 10
        assert [(a.actor, a.detail) for a in refusals] == [
            ("w1", "NotOnTier: following is not available on the basic tier")]

    def test_api_retry_lets_the_job_call_again(self, engine: Engine, clock: ManualClock) -> None:
        """Once the refusal is cleared (the account moved to Enterprise), the same process follows again."""
        settings = Settings(x_tier="enterprise")
        budget = BudgetKeeper("enterprise", clock)
        x = FakeXClient(tier="basic", brand_id=BRAND_ID)
        _pending(engine, x, clock, 1, FollowStatus.PENDING)
        execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings, brand_user_id=BRAND_ID,
                        worker_id="w1")
        x.tier = "enterprise"
        (later,) = _pending(engine, x, clock, 1, FollowStatus.PENDING, prefix="later")
        with session_scope(engine) as session:
            assert clear_follow_refused(session, now=clock.now(), actor="ops") is True
        run = execute_follows(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                              brand_user_id=BRAND_ID, worker_id="w1")
        assert (run.followed, x.following, _follow_calls(x)) == (1, {later}, 2)

    def test_one_process_follows_at_a_time_so_one_budget_counts(self, engine: Engine, clock: ManualClock) -> None:
        """w1 spends the 15-minute budget (50); w2, a second process with a fresh budget, waits on the lease
        instead of following 10 more in the same window; once w1 stops renewing, w2 takes over."""
        settings = Settings(x_tier="enterprise")
        x = FakeXClient(tier="enterprise", brand_id=BRAND_ID)
        _pending(engine, x, clock, 60, FollowStatus.PENDING)
        budgets = {w: BudgetKeeper("enterprise", clock) for w in ("w1", "w2")}
        workers = {w: BudgetedFake(budgets[w], tier="enterprise", brand_id=BRAND_ID) for w in budgets}
        for fake in workers.values():
            fake.users = x.users
        first = execute_follows(engine=engine, x=workers["w1"], budget=budgets["w1"], clock=clock, settings=settings,
                                brand_user_id=BRAND_ID, worker_id="w1")
        second = execute_follows(engine=engine, x=workers["w2"], budget=budgets["w2"], clock=clock,
                                 settings=settings, brand_user_id=BRAND_ID, worker_id="w2")
        assert (first.followed, second.followed, second.held) == (50, 0, "another worker is following")
        assert _follow_calls(workers["w2"]) == 0
        clock.advance(LEASE_TTL_SECONDS + 1)  # w1 died: its lease expires
        later = execute_follows(engine=engine, x=workers["w2"], budget=budgets["w2"], clock=clock, settings=settings,
                                brand_user_id=BRAND_ID, worker_id="w2")
        assert (later.followed, _statuses(engine)) == (10, {"done": 60})

    def test_a_follow_in_flight_elsewhere_counts_against_the_cap(self, engine: Engine, clock: ManualClock) -> None:
        """Cap 2 with one row claimed by a worker whose run outlived its lease: only one more is followed."""
        budget = BudgetKeeper("enterprise", clock)
        x = BudgetedFake(budget, tier="enterprise", brand_id=BRAND_ID)
        _pending(engine, x, clock, 3, FollowStatus.PENDING)
        with session_scope(engine) as session:
            row = session.exec(select(FollowDecision).order_by(col(FollowDecision.id))).first()
            assert row is not None
            row.lease_owner, row.lease_until = "w2", clock.now() + timedelta(minutes=1)
            session.add(row)
        run = execute_follows(engine=engine, x=x, budget=budget, clock=clock,
                              settings=Settings(x_tier="enterprise", follow_daily_cap=2), brand_user_id=BRAND_ID,
                              worker_id="w1")
        assert (run.followed, run.held) == (1, "daily cap of 2 follows reached")


@pytest.mark.postgres
class TestTwoWorkersOnPostgres:
    def test_the_daily_cap_holds_when_two_processes_follow_at_once(self, pg_engine: Engine, clock: ManualClock) -> None:
        """Two processes (own engine, own budget) run the follow job together: cap 5, 10 pending → 5 done."""
        world = FakeXClient(tier="enterprise", brand_id=BRAND_ID)
        _pending(pg_engine, world, clock, 10, FollowStatus.PENDING)
        settings = Settings(x_tier="enterprise", follow_daily_cap=5)
        gate = threading.Barrier(2, timeout=2)
        start = threading.Barrier(2, timeout=10)
        results: dict[str, object] = {}

        def process(worker_id: str) -> None:
            engine = make_engine(pg_engine.url.render_as_string(hide_password=False))
            budget = BudgetKeeper("enterprise", clock)
            try:
                start.wait()
                results[worker_id] = execute_follows(engine=engine, x=WorkerX(world, budget, gate), budget=budget,
                                                     clock=clock, settings=settings, brand_user_id=BRAND_ID,
                                                     worker_id=worker_id)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=process, args=(w,)) for w in ("w1", "w2")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert set(results) == {"w1", "w2"}
        assert _statuses(pg_engine) == {"done": 5, "pending": 5}
        assert len(world.following) == _follow_calls(world) == 5


@pytest.fixture
def enterprise_sandbox(clock: ManualClock) -> Iterator[SandboxServer]:
    """An Enterprise-tier sandbox (the tier that follows through the API) with no scenario."""
    server = SandboxServer(SandboxConfig(tier="enterprise", scenario="quiet"), clock).start()
    yield server
    server.stop()


def _poll(app: App, clock: ManualClock) -> int:
    """One mentions poll through the bot's listener; how many new mentions it stored."""
    return poll_mentions(engine=app.engine, x=app.x, budget=app.budget, clock=clock, settings=app.settings,
                         detector_for=app.detector, brand_user_id=BRAND_USER_ID, worker_id="w1",
                         sources=(MENTIONS,)).new_mentions


class TestOnTheSandbox:
    def test_a_protected_author_gets_a_request_recorded_as_pending(
        self, database_url: str, clock: ManualClock, enterprise_sandbox: SandboxServer
    ) -> None:
        """Through tweepy over HTTP: two authors mention the brand, one then protects their account before the
        follow job runs; the decisions end as a follow request X holds for approval and a follow, and the rows
        say which. (A protected account's mention never reaches a brand that does not follow it, so the
        listener can only have read it while the account was public.)"""
        admin = SandboxAdmin(enterprise_sandbox.url)
        admin.mention("locked", "@brandbot hello, soon from a private account")
        admin.mention("open", "@brandbot hello from a public one")
        app = App(sandbox_settings(database_url, enterprise_sandbox.url, "enterprise"), clock=clock)
        try:
            assert _poll(app, clock) == 2
            admin.protect("locked")
            run = execute_follows(engine=app.engine, x=app.x, budget=app.budget, clock=clock, settings=app.settings,
                                  brand_user_id=BRAND_USER_ID, worker_id="w1")
            with Session(app.engine) as session:
                rows = {a.username: (d.status, d.reason) for d, a in session.exec(
                    select(FollowDecision, Author).where(col(Author.id) == col(FollowDecision.author_id)))}
        finally:
            app.engine.dispose()
        assert (run.followed, run.requested) == (1, 1)
        assert rows == {"locked": ("done", "follow request pending (protected account)"),
                        "open": ("done", "followed through the API")}
        assert [r["target_username"] for r in admin.follow_requests()] == ["locked"]
        assert [f["target_username"] for f in admin.follows()] == ["open"]

    def test_the_listener_reads_a_protected_author_only_once_the_request_is_approved(
        self, database_url: str, clock: ManualClock, enterprise_sandbox: SandboxServer
    ) -> None:
        """While the brand's request waits, the protected author's new mention is not served (the poll stores
        nothing and does not fail); once the author approves it, the next poll stores that mention."""
        admin = SandboxAdmin(enterprise_sandbox.url)
        admin.mention("locked", "@brandbot first, while public")
        app = App(sandbox_settings(database_url, enterprise_sandbox.url, "enterprise"), clock=clock)
        try:
            assert _poll(app, clock) == 1
            admin.protect("locked")
            execute_follows(engine=app.engine, x=app.x, budget=app.budget, clock=clock, settings=app.settings,
                            brand_user_id=BRAND_USER_ID, worker_id="w1")
            clock.advance(60)
            hidden = admin.mention("locked", "@brandbot second, now private")
            clock.advance(60)
            assert _poll(app, clock) == 0
            admin.approve_follow_request("locked")
            clock.advance(60)
            assert _poll(app, clock) == 1
            with Session(app.engine) as session:
                decision = session.exec(select(FollowDecision)).one()
                stored = set(session.exec(select(Mention.id)))
        finally:
            app.engine.dispose()
        assert hidden in stored
        assert (decision.status, decision.reason) == ("done", "follow request pending (protected account)")
        assert (admin.follow_requests(), [f["target_username"] for f in admin.follows()]) == ([], ["locked"])


def test_the_calm_world_on_enterprise_ends_some_follows_as_requests(sqlite_url: str, clock: ManualClock) -> None:
    """The built-in calm world (seed 3, first 40 minutes) with the listener every 5 s and the follow job every 60 s,
    as the runner schedules them on Enterprise. Two people protect their account half a minute after a first
    mention: @adam_roux197 before the follow job reached him (his follow ends as a request X holds), @zoe_nguy256
    after it had followed her (a follow, and she stays readable). Nothing fails.

    Idle polls are skipped (a poll with no new tweet in the world stores nothing), so it costs little."""
    server = SandboxServer(SandboxConfig(tier="enterprise", scenario="calm", seed=3), clock).start()
    app = App(sandbox_settings(sqlite_url, server.url, "enterprise"), clock=clock)
    admin = SandboxAdmin(server.url)
    seen = 0
    try:
        for step in range(1, 40 * 12 + 1):
            clock.advance(5)
            server.state.advance()
            if len(server.state.world.tweets) != seen:
                seen = len(server.state.world.tweets)
                _poll(app, clock)
            if step % 12 == 0:
                run = execute_follows(engine=app.engine, x=app.x, budget=app.budget, clock=clock,
                                      settings=app.settings, brand_user_id=BRAND_USER_ID, worker_id="w1")
                assert (run.failed, run.stopped) == (0, None)
        with Session(app.engine) as session:
            rows = {a.username: (d.status, d.reason) for d, a in session.exec(
                select(FollowDecision, Author).where(col(Author.id) == col(FollowDecision.author_id)))}
        requested = [r["target_username"] for r in admin.follow_requests()]
        followed = {f["target_username"] for f in admin.follows()}
        world = server.state.world
        protected = {u.username for u in world.users.values() if u.protected}
    finally:
        admin.close()
        app.engine.dispose()
        server.stop()
    assert protected == {"adam_roux197", "zoe_nguy256"}
    assert (rows["adam_roux197"], rows["zoe_nguy256"]) == (
        ("done", "follow request pending (protected account)"), ("done", "followed through the API"))
    assert requested == ["adam_roux197"]
    assert "zoe_nguy256" in followed
    assert world.may_see(world.by_username["zoe_nguy256"], BRAND_USER_ID)
    assert not world.may_see(world.by_username["adam_roux197"], BRAND_USER_ID)
    assert {status for status, _ in rows.values()} <= {"done", "skipped"}
