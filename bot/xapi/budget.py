"""The call budget: the bot never sends a request it knows X will refuse.

`BudgetKeeper` starts from the tier's preset limits (`bot.xapi.tiers`), counts calls per
endpoint in the current window (and against the 24-hour user cap), and corrects itself from
the `x-rate-limit-*` and `x-user-limit-24hour-*` headers of every response. `acquire` reserves
a call or raises (`RateLimited`, `NotOnTier`) without anything being sent. Usage caps and
depleted credits `block` endpoints for a long back-off instead of being retried in a loop.

Windows are fixed: one starts at the first call (or at what the server's reset header says)
and clears at its reset instant, as X's windows do. The keeper never sleeps; callers ask
`next_allowed_at` or `poll_interval` and schedule themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from bot.clock import Clock
from bot.errors import NotOnTier, RateLimited
from bot.xapi import tiers
from bot.xapi.tiers import WINDOW_24_H, Limit

log = structlog.get_logger()

#: `next_allowed_at` of an endpoint the tier does not offer at all.
NEVER = datetime.max.replace(tzinfo=UTC)

#: Endpoints that cost money on pay-per-use; all of them stop when credits run out.
PAID_ENDPOINTS: tuple[str, ...] = tuple(e for e in tiers.ENDPOINTS if tiers.PAYG_PRICES.get(e, 0.0) > 0)

#: Account-wide daily caps seeded before any header tells the truth.
_DAILY_PRESETS: dict[str, int] = {tiers.POST_TWEET: tiers.DAILY_POST_CAP, tiers.FOLLOW: tiers.DAILY_FOLLOW_CAP}

CREDITS_BACKOFF = timedelta(hours=1)


@dataclass(slots=True)
class _Counter:
    """`limit` calls per `window_seconds`; `remaining` of them left until `reset_at`."""

    limit: int
    window_seconds: int
    remaining: int
    reset_at: datetime | None = None  # None: no window open yet

    def roll(self, now: datetime) -> None:
        if self.reset_at is not None and now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = None

    def take(self, now: datetime) -> None:
        if self.reset_at is None:
            self.reset_at = now + timedelta(seconds=self.window_seconds)
        self.remaining -= 1

    def learn(self, limit: int | None, remaining: int | None, reset_at: datetime | None) -> None:
        """Adopt what the server says; within the same window keep the lower count (calls in flight)."""
        if limit is not None:
            self.limit = limit
        if remaining is None:
            return
        same_window = (
            reset_at is not None
            and self.reset_at is not None
            and abs((reset_at - self.reset_at).total_seconds()) <= 1
        )
        self.remaining = min(self.remaining, remaining) if same_window else remaining
        if reset_at is not None:
            self.reset_at = reset_at


@dataclass(slots=True)
class _Endpoint:
    window: _Counter | None  # None: not available on this tier
    day: _Counter | None = None  # the 24-hour user cap, when known
    blocked_until: datetime | None = None
    blocked_reason: str | None = None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _time_header(headers: Mapping[str, str], name: str) -> datetime | None:
    seconds = _int_header(headers, name)
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


class BudgetKeeper:
    """Thread-safe per-endpoint call budget for one account on one tier."""

    def __init__(self, tier: str, clock: Clock, overrides: dict[str, Limit | None] | None = None) -> None:
        self.tier = tier
        self._clock = clock
        self._lock = threading.Lock()
        self._count_429 = 0
        presets: dict[str, Limit | None] = {**tiers.limits_for(tier), **(overrides or {})}
        self._presets = presets
        self._state: dict[str, _Endpoint] = {}
        for endpoint, limit in presets.items():
            window = None if limit is None else _Counter(limit.calls, limit.window_seconds, limit.calls)
            day = None
            daily = _DAILY_PRESETS.get(endpoint)
            if limit is not None and daily is not None and limit.window_seconds < WINDOW_24_H:
                day = _Counter(daily, WINDOW_24_H, daily)
            self._state[endpoint] = _Endpoint(window=window, day=day)

    # -- internals (call with the lock held) -------------------------------------------------

    def _get(self, endpoint: str) -> _Endpoint:
        try:
            return self._state[endpoint]
        except KeyError:
            raise ValueError(f"unknown X API endpoint key {endpoint!r} (see bot.xapi.tiers)") from None

    def _roll(self, state: _Endpoint, now: datetime) -> None:
        if state.blocked_until is not None and now >= state.blocked_until:
            log.info("xapi.budget.unblocked", reason=state.blocked_reason)
            state.blocked_until = None
            state.blocked_reason = None
        if state.window is not None:
            state.window.roll(now)
        if state.day is not None:
            state.day.roll(now)

    def _not_on_tier(self, endpoint: str) -> NotOnTier:
        return NotOnTier(f"{endpoint} is not available on the {self.tier} tier", endpoint=endpoint)

    def _next_allowed(self, state: _Endpoint, now: datetime) -> datetime:
        if state.window is None:
            return NEVER
        candidates = [now]
        if state.blocked_until is not None:
            candidates.append(state.blocked_until)
        for counter in (state.window, state.day):
            if counter is not None and counter.remaining <= 0:
                candidates.append(counter.reset_at or now)
        return max(candidates)

    # -- questions ---------------------------------------------------------------------------

    def check_on_tier(self, endpoint: str) -> None:
        """Raise `NotOnTier` if the tier does not offer `endpoint` at all (as `acquire` would)."""
        with self._lock:
            if self._get(endpoint).window is None:
                raise self._not_on_tier(endpoint)

    def may_call(self, endpoint: str) -> bool:
        """Whether a call to `endpoint` would be allowed now."""
        with self._lock:
            state = self._get(endpoint)
            now = self._clock.now()
            self._roll(state, now)
            return state.window is not None and self._next_allowed(state, now) <= now

    def next_allowed_at(self, endpoint: str) -> datetime:
        """When a call to `endpoint` may next be made (now if it may be made now; `NEVER` if not on the tier)."""
        with self._lock:
            state = self._get(endpoint)
            now = self._clock.now()
            self._roll(state, now)
            return self._next_allowed(state, now)

    def remaining(self, endpoint: str) -> int | None:
        """Calls left before the next reset (the tighter of window and daily cap); None if not on the tier."""
        with self._lock:
            state = self._get(endpoint)
            self._roll(state, self._clock.now())
            if state.window is None:
                return None
            counts = [c.remaining for c in (state.window, state.day) if c is not None]
            return max(0, min(counts))

    def poll_interval(self, endpoint: str, share: float = 1.0) -> float:
        """Seconds between calls that spread `share` of the endpoint's budget evenly over its window."""
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        with self._lock:
            state = self._get(endpoint)
            if state.window is None:
                raise self._not_on_tier(endpoint)
            intervals = [
                c.window_seconds / (max(c.limit, 1) * share) for c in (state.window, state.day) if c is not None
            ]
            return max(intervals)

    @property
    def count_429(self) -> int:
        """How many 429 responses have been observed."""
        with self._lock:
            return self._count_429

    def snapshot(self) -> dict[str, dict[str, object]]:
        """Per endpoint: limit, remaining, reset_at, blocked_reason (and the daily cap) for metrics and stats."""
        with self._lock:
            now = self._clock.now()
            out: dict[str, dict[str, object]] = {}
            for endpoint, state in self._state.items():
                self._roll(state, now)
                window = state.window
                out[endpoint] = {
                    "limit": None if window is None else window.limit,
                    "remaining": None if window is None else window.remaining,
                    "reset_at": None if window is None else window.reset_at,
                    "day_limit": None if state.day is None else state.day.limit,
                    "day_remaining": None if state.day is None else state.day.remaining,
                    "day_reset_at": None if state.day is None else state.day.reset_at,
                    "blocked_reason": "not_on_tier" if window is None else state.blocked_reason,
                    "blocked_until": state.blocked_until,
                }
            return out

    # -- actions -----------------------------------------------------------------------------

    def acquire(self, endpoint: str) -> None:
        """Reserve one call to `endpoint`, or raise `RateLimited` / `NotOnTier` (nothing must be sent then)."""
        with self._lock:
            state = self._get(endpoint)
            now = self._clock.now()
            self._roll(state, now)
            if state.window is None:
                raise self._not_on_tier(endpoint)
            allowed_at = self._next_allowed(state, now)
            if allowed_at > now:
                reason = state.blocked_reason if state.blocked_until is not None else "budget_spent"
                log.debug("xapi.budget.refused", endpoint=endpoint, reason=reason, reset_at=allowed_at.isoformat())
                raise RateLimited(
                    f"{endpoint}: not sent, {reason} until {allowed_at.isoformat()}",
                    reset_at=allowed_at,
                    endpoint=endpoint,
                )
            state.window.take(now)
            if state.day is not None:
                state.day.take(now)

    def observe(self, endpoint: str, status: int, headers: Mapping[str, str]) -> None:
        """Learn the true budget from a response's status and headers."""
        with self._lock:
            state = self._get(endpoint)
            now = self._clock.now()
            window = state.window
            if window is None:
                return
            limit = _int_header(headers, "x-rate-limit-limit")
            remaining = _int_header(headers, "x-rate-limit-remaining")
            reset_at = _time_header(headers, "x-rate-limit-reset")
            if status == 429:
                self._count_429 += 1
                remaining = 0
                if reset_at is None:
                    reset_at = window.reset_at or now + timedelta(seconds=window.window_seconds)
                log.warning("xapi.budget.429", endpoint=endpoint, reset_at=reset_at.isoformat())
            window.learn(limit, remaining, reset_at)
            day_limit = _int_header(headers, "x-user-limit-24hour-limit")
            day_remaining = _int_header(headers, "x-user-limit-24hour-remaining")
            day_reset = _time_header(headers, "x-user-limit-24hour-reset")
            if day_limit is not None or day_remaining is not None:
                if state.day is None:
                    first = day_limit if day_limit is not None else (day_remaining or 0)
                    state.day = _Counter(first, WINDOW_24_H, first)
                state.day.learn(day_limit, day_remaining, day_reset)

    def block(self, endpoint: str, until: datetime, reason: str) -> None:
        """Refuse every call to `endpoint` until `until` (usage cap, depleted credits, ...)."""
        with self._lock:
            state = self._get(endpoint)
            if state.blocked_until is None or until > state.blocked_until:
                state.blocked_until = until
                state.blocked_reason = reason
        log.warning("xapi.budget.blocked", endpoint=endpoint, until=until.isoformat(), reason=reason)

    def block_paid(self, until: datetime, reason: str) -> None:
        """Block every endpoint that costs money (credits depleted)."""
        for endpoint in PAID_ENDPOINTS:
            self.block(endpoint, until, reason)

    def unblock(self, endpoint: str | None = None) -> None:
        """Explicitly lift a block on `endpoint` (or on every endpoint), e.g. after credits were bought."""
        with self._lock:
            states = self._state.values() if endpoint is None else [self._get(endpoint)]
            for state in states:
                state.blocked_until = None
                state.blocked_reason = None
        log.info("xapi.budget.unblocked", endpoint=endpoint or "*", reason="explicit")

    # -- back-off helpers --------------------------------------------------------------------

    def usage_cap_until(self, endpoint: str, headers: Mapping[str, str] | None = None) -> datetime:
        """How long a usage cap on `endpoint` lasts: the 24-hour reset header, else next UTC day (posts) or month."""
        now = self._clock.now()
        reset = _time_header(headers or {}, "x-user-limit-24hour-reset")
        if reset is not None and reset > now:
            return reset
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if endpoint in (tiers.POST_TWEET, tiers.DELETE_TWEET, tiers.FOLLOW, tiers.UNFOLLOW):
            return midnight + timedelta(days=1)
        first = midnight.replace(day=1)
        if first.month == 12:
            return first.replace(year=first.year + 1, month=1)
        return first.replace(month=first.month + 1)

    def credits_until(self) -> datetime:
        """How long to stop paid calls after a 402 (one hour)."""
        return self._clock.now() + CREDITS_BACKOFF
