"""BudgetKeeper: presets, reservations, learning from headers, blocks, pacing — on a ManualClock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from structlog.testing import capture_logs

from bot.clock import ManualClock
from bot.errors import NotOnTier, RateLimited
from bot.xapi import tiers
from bot.xapi.budget import NEVER, PAID_ENDPOINTS, BudgetKeeper
from bot.xapi.tiers import Limit

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ts(instant: datetime) -> str:
    return str(int(instant.timestamp()))


@pytest.fixture
def manual() -> ManualClock:
    return ManualClock(START)


class TestPresets:
    def test_basic_mentions_allows_ten_calls_then_refuses_until_the_window_resets(self, manual: ManualClock) -> None:
        """Ten acquisitions succeed; the eleventh raises RateLimited with the window's reset instant."""
        budget = BudgetKeeper("basic", manual)
        for _ in range(10):
            budget.acquire(tiers.GET_MENTIONS)
        assert budget.remaining(tiers.GET_MENTIONS) == 0
        assert budget.may_call(tiers.GET_MENTIONS) is False
        with pytest.raises(RateLimited) as info:
            budget.acquire(tiers.GET_MENTIONS)
        assert info.value.reset_at == START + timedelta(minutes=15)
        assert info.value.endpoint == "GET /2/users/:id/mentions"

    def test_window_clears_at_reset(self, manual: ManualClock) -> None:
        """At the reset instant the full window is available again."""
        budget = BudgetKeeper("free", manual)
        budget.acquire(tiers.SEARCH_RECENT)
        manual.advance(899)
        assert budget.may_call(tiers.SEARCH_RECENT) is False
        manual.advance(1)
        assert budget.may_call(tiers.SEARCH_RECENT) is True
        assert budget.remaining(tiers.SEARCH_RECENT) == 1

    def test_endpoint_not_on_tier(self, manual: ManualClock) -> None:
        """Follow on basic is refused with NotOnTier and never becomes available."""
        budget = BudgetKeeper("basic", manual)
        with pytest.raises(NotOnTier):
            budget.acquire(tiers.FOLLOW)
        assert budget.may_call(tiers.FOLLOW) is False
        assert budget.next_allowed_at(tiers.FOLLOW) == NEVER
        assert budget.remaining(tiers.FOLLOW) is None
        assert budget.snapshot()[tiers.FOLLOW]["blocked_reason"] == "not_on_tier"

    def test_check_on_tier_refuses_what_the_tier_lacks_and_takes_no_call(self, manual: ManualClock) -> None:
        """check_on_tier raises acquire's NotOnTier for follow on basic; a spent endpoint on the tier passes."""
        budget = BudgetKeeper("basic", manual)
        with pytest.raises(NotOnTier, match=r"^POST /2/users/:id/following is not available on the basic tier$"):
            budget.check_on_tier(tiers.FOLLOW)
        for _ in range(15):
            budget.acquire(tiers.GET_TWEET)
        budget.check_on_tier(tiers.GET_TWEET)
        assert budget.remaining(tiers.GET_TWEET) == 0

    def test_overrides_replace_presets(self, manual: ManualClock) -> None:
        """An override gives follow a limit on basic (e.g. a sandbox configured otherwise)."""
        budget = BudgetKeeper("basic", manual, overrides={tiers.FOLLOW: Limit(2, 60)})
        budget.acquire(tiers.FOLLOW)
        assert budget.remaining(tiers.FOLLOW) == 1

    def test_unknown_endpoint_is_a_programming_error(self, manual: ManualClock) -> None:
        """An endpoint key that tiers.py does not define raises ValueError."""
        with pytest.raises(ValueError, match="unknown X API endpoint key"):
            BudgetKeeper("basic", manual).acquire("GET /2/nothing")

    def test_daily_post_cap_is_seeded_on_short_windows(self, manual: ManualClock) -> None:
        """On pro, posting has 100 per 15 minutes and the account's 2,400 per day."""
        snap = BudgetKeeper("pro", manual).snapshot()[tiers.POST_TWEET]
        assert (snap["limit"], snap["remaining"], snap["day_limit"], snap["day_remaining"]) == (100, 100, 2400, 2400)


class TestPollInterval:
    @pytest.mark.parametrize(
        ("tier", "endpoint", "share", "seconds"),
        [
            ("basic", tiers.GET_MENTIONS, 1.0, 90.0),
            ("basic", tiers.GET_MENTIONS, 0.5, 180.0),
            ("basic", tiers.SEARCH_RECENT, 1.0, 15.0),
            ("free", tiers.GET_MENTIONS, 1.0, 900.0),
            ("free", tiers.GET_ME, 1.0, 3456.0),
            ("pro", tiers.POST_TWEET, 1.0, 36.0),
        ],
    )
    def test_interval_spreads_calls_over_the_window(self, manual: ManualClock, tier: str, endpoint: str,
                                                    share: float, seconds: float) -> None:
        """The interval is window / (limit × share), the daily cap included."""
        assert BudgetKeeper(tier, manual).poll_interval(endpoint, share) == seconds

    def test_interval_of_an_endpoint_not_on_tier(self, manual: ManualClock) -> None:
        """There is no interval for an endpoint the tier lacks."""
        with pytest.raises(NotOnTier):
            BudgetKeeper("pro", manual).poll_interval(tiers.FOLLOW)


class TestObserve:
    def test_headers_replace_the_preset(self, manual: ManualClock) -> None:
        """limit/remaining/reset headers of another window are adopted as they are."""
        budget = BudgetKeeper("basic", manual)
        budget.acquire(tiers.GET_MENTIONS)
        reset = START + timedelta(minutes=4)
        budget.observe(tiers.GET_MENTIONS, 200, {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "448",
                                                 "x-rate-limit-reset": ts(reset)})
        snap = budget.snapshot()[tiers.GET_MENTIONS]
        assert (snap["limit"], snap["remaining"], snap["reset_at"]) == (450, 448, reset)

    def test_same_window_keeps_the_lower_count(self, manual: ManualClock) -> None:
        """A header from the same window cannot give back calls reserved but not yet answered."""
        budget = BudgetKeeper("basic", manual)
        for _ in range(3):
            budget.acquire(tiers.GET_MENTIONS)
        budget.observe(tiers.GET_MENTIONS, 200, {"x-rate-limit-remaining": "9",
                                                 "x-rate-limit-reset": ts(START + timedelta(minutes=15))})
        assert budget.remaining(tiers.GET_MENTIONS) == 7

    def test_429_empties_the_window_and_is_counted(self, manual: ManualClock) -> None:
        """A 429 sets remaining to 0 until its reset header, and count_429 goes up."""
        budget = BudgetKeeper("pro", manual)
        budget.acquire(tiers.SEARCH_RECENT)
        with capture_logs() as logs:
            budget.observe(tiers.SEARCH_RECENT, 429, {"x-rate-limit-reset": ts(START + timedelta(minutes=2))})
        assert budget.count_429 == 1
        assert budget.next_allowed_at(tiers.SEARCH_RECENT) == START + timedelta(minutes=2)
        assert logs == [{"event": "xapi.budget.429", "endpoint": "GET /2/tweets/search/recent",
                         "reset_at": "2026-03-01T12:02:00+00:00", "log_level": "warning"}]

    def test_user_24_hour_headers_create_a_daily_counter(self, manual: ManualClock) -> None:
        """x-user-limit-24hour-* headers cap an endpoint that had no daily preset."""
        budget = BudgetKeeper("basic", manual)
        budget.acquire(tiers.DELETE_TWEET)
        budget.observe(tiers.DELETE_TWEET, 200, {"x-user-limit-24hour-limit": "17",
                                                 "x-user-limit-24hour-remaining": "0",
                                                 "x-user-limit-24hour-reset": ts(START + timedelta(hours=9))})
        assert budget.remaining(tiers.DELETE_TWEET) == 0
        assert budget.next_allowed_at(tiers.DELETE_TWEET) == START + timedelta(hours=9)

    def test_malformed_headers_are_ignored(self, manual: ManualClock) -> None:
        """Non-numeric header values leave the local count in charge."""
        budget = BudgetKeeper("basic", manual)
        budget.acquire(tiers.GET_MENTIONS)
        budget.observe(tiers.GET_MENTIONS, 200, {"x-rate-limit-remaining": "lots", "x-rate-limit-reset": "soon"})
        assert budget.remaining(tiers.GET_MENTIONS) == 9


class TestBlock:
    def test_block_refuses_until_the_instant_then_clears(self, manual: ManualClock) -> None:
        """A blocked endpoint raises RateLimited with the block's end, and opens by itself after it."""
        budget = BudgetKeeper("pro", manual)
        until = START + timedelta(hours=1)
        budget.block(tiers.SEARCH_RECENT, until, "usage_cap")
        with pytest.raises(RateLimited) as info:
            budget.acquire(tiers.SEARCH_RECENT)
        assert info.value.reset_at == until
        assert str(info.value) == "GET /2/tweets/search/recent: not sent, usage_cap until 2026-03-01T13:00:00+00:00"
        manual.advance(3600)
        assert budget.may_call(tiers.SEARCH_RECENT) is True
        assert budget.snapshot()[tiers.SEARCH_RECENT]["blocked_reason"] is None

    def test_unblock_lifts_every_block(self, manual: ManualClock) -> None:
        """An explicit unblock (credits bought) reopens paid endpoints at once."""
        budget = BudgetKeeper("payg", manual)
        budget.block_paid(START + timedelta(hours=1), "credits_depleted")
        assert budget.may_call(tiers.POST_TWEET) is False
        budget.unblock()
        assert budget.may_call(tiers.POST_TWEET) is True

    def test_paid_endpoints(self) -> None:
        """Every endpoint with a pay-per-use price is paid; delete is free."""
        assert PAID_ENDPOINTS == (
            tiers.POST_TWEET, tiers.GET_TWEET, tiers.GET_TWEETS, tiers.GET_ME, tiers.GET_USER,
            tiers.GET_USER_BY_USERNAME, tiers.GET_USER_TWEETS, tiers.GET_MENTIONS, tiers.SEARCH_RECENT,
        )

    @pytest.mark.parametrize(
        ("endpoint", "now", "until"),
        [
            (tiers.POST_TWEET, START, datetime(2026, 3, 2, tzinfo=UTC)),
            (tiers.SEARCH_RECENT, START, datetime(2026, 4, 1, tzinfo=UTC)),
            (tiers.GET_MENTIONS, datetime(2026, 12, 31, 23, 0, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        ],
    )
    def test_usage_cap_back_off(self, manual: ManualClock, endpoint: str, now: datetime, until: datetime) -> None:
        """Without a 24-hour reset header, a usage cap lasts to the next UTC day (writes) or month (reads)."""
        manual.set(now)
        assert BudgetKeeper("basic", manual).usage_cap_until(endpoint) == until

    def test_usage_cap_back_off_uses_the_24_hour_reset_header(self, manual: ManualClock) -> None:
        """A future x-user-limit-24hour-reset decides when the cap clears."""
        headers = {"x-user-limit-24hour-reset": ts(START + timedelta(hours=5))}
        assert BudgetKeeper("basic", manual).usage_cap_until(tiers.POST_TWEET, headers) == START + timedelta(hours=5)


class TestThreads:
    def test_concurrent_acquire_never_over_reserves(self, manual: ManualClock) -> None:
        """Eight threads racing for 60 search calls get exactly 60 between them."""
        budget = BudgetKeeper("basic", manual)
        granted: list[int] = []
        lock = threading.Lock()

        def worker() -> None:
            for _ in range(20):
                try:
                    budget.acquire(tiers.SEARCH_RECENT)
                except RateLimited:
                    continue
                with lock:
                    granted.append(1)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(granted) == 60


class SimulatedServer:
    """X's side of the budget: fixed windows that started 123 s before the poller, with the tier's limits."""

    def __init__(self, tier: str, clock: ManualClock) -> None:
        self.clock = clock
        self.limits = tiers.limits_for(tier)
        self.reset: dict[str, datetime] = {}
        self.used: dict[str, int] = {}
        self.served = 0
        self.refused = 0

    def call(self, endpoint: str) -> tuple[int, dict[str, str]]:
        limit = self.limits[endpoint]
        assert limit is not None
        now = self.clock.now()
        reset = self.reset.get(endpoint, START - timedelta(seconds=123))
        while now >= reset:
            reset += timedelta(seconds=limit.window_seconds)
            self.used[endpoint] = 0
        self.reset[endpoint] = reset
        if self.used[endpoint] >= limit.calls:
            self.refused += 1
            return 429, {"x-rate-limit-limit": str(limit.calls), "x-rate-limit-remaining": "0",
                         "x-rate-limit-reset": ts(reset)}
        self.used[endpoint] += 1
        self.served += 1
        return 200, {"x-rate-limit-limit": str(limit.calls),
                     "x-rate-limit-remaining": str(limit.calls - self.used[endpoint]),
                     "x-rate-limit-reset": ts(reset)}


class TestSimulatedDay:
    @pytest.mark.parametrize("tier", ["free", "basic", "pro", "payg", "enterprise"])
    def test_greedy_poller_gets_no_429_in_24_hours(self, manual: ManualClock, tier: str) -> None:
        """Polling mentions and search whenever may_call allows, for a simulated day, uses every window fully and
        never meets a 429."""
        budget = BudgetKeeper(tier, manual)
        server = SimulatedServer(tier, manual)
        end = START + timedelta(hours=24)
        endpoints = (tiers.GET_MENTIONS, tiers.SEARCH_RECENT)
        while manual.now() < end:
            for endpoint in endpoints:
                while budget.may_call(endpoint):
                    budget.acquire(endpoint)
                    status, headers = server.call(endpoint)
                    budget.observe(endpoint, status, headers)
            manual.set(min(budget.next_allowed_at(e) for e in endpoints))
        assert (budget.count_429, server.refused) == (0, 0)
        limits = tiers.limits_for(tier)
        # the server's windows touched in the day: a first partial one (777 s) and 96 full ones
        expected = sum(97 * limit.calls for e in endpoints if (limit := limits[e]) is not None)
        assert server.served == expected
