"""Rate-limit windows, the 24-hour posting caps, the monthly usage cap and pay-per-use credits.

Windows are fixed, per user per endpoint, on the sandbox clock: the first call opens a window
of `Limit.window_seconds`; `x-rate-limit-reset` is when it closes (Unix seconds).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.xapi import tiers

# Per-app 24-hour posting limits (../shared/xapi/README.md: Basic 1,667, Pro 10,000); the other
# tiers have no documented app limit, so the per-user limit stands in.
APP_DAILY_POSTS = {"free": 17, "basic": 1667, "pro": 10000, "payg": 10000, "enterprise": 10000}

# Endpoints the sandbox serves that tiers.py does not list (only for the recorded contract).
EXTRA_LIMITS = {
    "GET /2/users/by": tiers.Limit(300, tiers.WINDOW_15_MIN),
    "GET /2/users/:id/followers": tiers.Limit(15, tiers.WINDOW_15_MIN),
    "GET /2/users/:id/following": tiers.Limit(15, tiers.WINDOW_15_MIN),
}

_MICRO = 1_000_000


@dataclass(slots=True)
class Window:
    """One open window: `used` calls since `started`, closing at `reset_at`."""

    limit: int
    used: int
    reset_at: datetime

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def headers(self, prefix: str = "x-rate-limit") -> dict[str, str]:
        return {
            f"{prefix}-limit": str(self.limit),
            f"{prefix}-remaining": str(self.remaining),
            f"{prefix}-reset": str(int(self.reset_at.timestamp())),
        }


class Windows:
    """Fixed windows keyed by anything hashable."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, ...], Window] = {}

    def current(self, key: tuple[str, ...], limit: tiers.Limit, now: datetime) -> Window:
        """The window for `key` at `now` (a fresh one when the last has closed)."""
        window = self._open.get(key)
        if window is None or now >= window.reset_at:
            window = Window(limit.calls, 0, now + timedelta(seconds=limit.window_seconds))
            self._open[key] = window
        return window

    def clear(self) -> None:
        self._open.clear()


def limit_for(tier: str, endpoint: str) -> tiers.Limit | None:
    """The tier's limit for `endpoint` (None: not available on this tier)."""
    table = tiers.limits_for(tier)
    if endpoint in table:
        return table[endpoint]
    return EXTRA_LIMITS.get(endpoint)


def price_of(endpoint: str, *, has_url: bool = False, is_reply: bool = False) -> float:
    """The pay-per-use price of one call in dollars."""
    if endpoint == tiers.POST_TWEET:
        if has_url:
            return tiers.PAYG_PRICES["POST /2/tweets (url)"]
        if is_reply:
            return tiers.PAYG_PRICES["POST /2/tweets (reply)"]
    return tiers.PAYG_PRICES.get(endpoint, 0.0)


class Ledger:
    """Credits (micro-dollars, so sums stay exact), posts read this month, and call statistics."""

    def __init__(self, *, credits: float | None, usage_cap_posts: int | None) -> None:
        self.budget_micro = None if credits is None else round(credits * _MICRO)
        self.spent_micro = 0
        self.usage_cap_posts = usage_cap_posts
        self.posts_read = 0
        self._month: tuple[int, int] | None = None
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.sent_429 = 0
        self.sent_5xx = 0
        self.dropped = 0
        self.timed_out = 0

    def affordable(self, price: float) -> bool:
        """Whether a call costing `price` dollars fits in what is left."""
        return self.budget_micro is None or self.spent_micro + round(price * _MICRO) <= self.budget_micro

    def charge(self, price: float) -> None:
        self.spent_micro += round(price * _MICRO)

    def capped(self, now: datetime) -> bool:
        """Whether the monthly usage cap is spent (it clears when the calendar month changes)."""
        month = (now.year, now.month)
        if self._month != month:
            self._month, self.posts_read = month, 0
        return self.usage_cap_posts is not None and self.posts_read >= self.usage_cap_posts

    def read_posts(self, count: int) -> None:
        self.posts_read += count

    def record(self, endpoint: str, status: int) -> None:
        self.calls[endpoint] += 1
        self.statuses[str(status)] += 1
        if status == 429:
            self.sent_429 += 1
        elif status >= 500:
            self.sent_5xx += 1

    def summary(self) -> dict[str, object]:
        """What `GET /_sandbox/usage` returns."""
        return {
            "calls": dict(sorted(self.calls.items())),
            "statuses": dict(sorted(self.statuses.items())),
            "rate_limited_429": self.sent_429,
            "server_errors_5xx": self.sent_5xx,
            "dropped": self.dropped,
            "timed_out": self.timed_out,
            "credits_spent": self.spent_micro / _MICRO,
            "credits_budget": None if self.budget_micro is None else self.budget_micro / _MICRO,
            "posts_read_this_month": self.posts_read,
            "usage_cap_posts": self.usage_cap_posts,
        }
