"""Mention pipeline throughput: the sandbox's complaint storm read over HTTP → classify → store → route.

Run: `.venv/bin/python bench/bench_mentions.py [--mentions 10000] [--store sqlite|postgres|both] [--profile]`.

The sandbox runs the complaint-storm mix (storm texts, 25 % complaints, 5 % critical, EN/FR) at a rate
that puts `--mentions` mentions in its first simulated hour; the clock is then set past that hour, so
the whole backlog is waiting. One `poll_mentions` run (tier enterprise, the mentions timeline, pages
of 100) reads it through `TweepyXClient` over real HTTP, classifies every mention with the shipped
detector, stores mentions, authors, classifications, triage items and follow decisions, and routes —
the same code the bot's poll job runs, logging as the bot does (JSON at `--log-level`, default INFO,
written to /dev/null). Reported: mentions per second end to end, and where the time
goes (HTTP fetch incl. the sandbox's work, classification, the rest = storing and routing).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import STORES, Figure, arguments, database, report

from bot.classify.detector import Detector
from bot.clock import ManualClock
from bot.listen.poller import MENTIONS, PollProgress, poll_mentions
from bot.logs import configure_logging
from bot.sandbox.config import SandboxConfig
from bot.sandbox.scenarios import DEFAULT_MIX
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import BRAND_USER_ID
from bot.sandbox.testing import sandbox_settings
from bot.store.db import make_engine
from bot.xapi.budget import BudgetKeeper
from bot.xapi.client import TweetPage
from bot.xapi.tweepy_client import TweepyXClient

TARGET = 1000.0  # mentions per second end to end
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class TimedClient:
    """The real client, with the time spent in `mentions_page` added up."""

    def __init__(self, inner: TweepyXClient) -> None:
        self.inner = inner
        self.fetch_seconds = 0.0
        self.pages = 0

    def mentions_page(self, *args: Any, **kwargs: Any) -> TweetPage:
        started = time.perf_counter()
        try:
            return self.inner.mentions_page(*args, **kwargs)
        finally:
            self.fetch_seconds += time.perf_counter() - started
            self.pages += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class TimedDetector:
    """The shipped detector, with the time spent classifying added up."""

    def __init__(self) -> None:
        self.inner = Detector.default()
        self.seconds = 0.0

    def classify_many(self, texts: list[str]) -> Sequence[Any]:
        started = time.perf_counter()
        try:
            return self.inner.classify_many(texts)
        finally:
            self.seconds += time.perf_counter() - started


def storm_scenario(mentions: int, workdir: Path) -> Path:
    """The complaint storm's mix and storm texts, `mentions` of them within the first hour."""
    path = workdir / "storm.json"
    path.write_text(json.dumps({
        "name": "complaint-storm-bench", "rate_per_hour": mentions, "mix": DEFAULT_MIX, "population": 2000,
        "phases": [{"start_minutes": 0, "duration_minutes": 60, "multiplier": 1, "storm": True}],
    }), encoding="utf-8")
    return path


def measure(store: str, mentions: int, workdir: Path, *, profile: bool = False) -> dict[str, float]:
    clock = ManualClock(START)
    config = SandboxConfig(tier="enterprise", scenario=str(storm_scenario(mentions, workdir)), seed=3)
    with SandboxServer(config, clock) as server, database(store, workdir) as url:
        clock.set(START + timedelta(minutes=61))
        server.state.advance()  # the sandbox realises the backlog now, outside the measurement
        with server.state.lock:
            world = server.state.world  # what the brand may read (this world protects nobody, so all of them)
            waiting = sum(1 for t in world.tweets.values()
                          if BRAND_USER_ID in t.mentioned_ids and world.may_see(t.author_id, BRAND_USER_ID))
        settings = sandbox_settings(url, server.url, "enterprise")
        budget = BudgetKeeper("enterprise", clock)
        engine = make_engine(url)
        detector = TimedDetector()
        with TweepyXClient(settings.credentials, base_url=server.url, budget=budget, clock=clock) as inner:
            x: Any = TimedClient(inner)  # stands in for the XClient it wraps
            profiler = cProfile.Profile() if profile else None
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            result = poll_mentions(engine=engine, x=x, budget=budget, clock=clock, settings=settings,
                                   detector_for=lambda _s: detector, brand_user_id=BRAND_USER_ID, worker_id="bench",
                                   progress=PollProgress(), sources=(MENTIONS,))
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
        engine.dispose()
    if profiler:
        stats = pstats.Stats(profiler, stream=sys.stdout).sort_stats(os.environ.get("BENCH_SORT", "cumulative"))
        print(f"\n--- profile, {store} (cumulative, top 25) ---")
        stats.print_stats(25)
    if result.sources[0].error or result.new_mentions != waiting:
        raise SystemExit(f"{store}: stored {result.new_mentions} of {waiting} ({result.sources[0].error})")
    return {"mentions": result.new_mentions, "complaints": result.complaints, "pages": x.pages, "seconds": seconds,
            "fetch": x.fetch_seconds, "classify": detector.seconds}


def main() -> int:
    parser = arguments(__doc__.split("\n")[0])
    parser.add_argument("--mentions", type=int, default=10_000)
    parser.add_argument("--store", choices=(*STORES, "both"), default="both")
    parser.add_argument("--profile", action="store_true", help="Print a cProfile of the poll.")
    parser.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING"))
    args = parser.parse_args()
    configure_logging(log_format="json", level=args.log_level, stream=open(os.devnull, "w"))  # noqa: SIM115
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        for store in STORES if args.store == "both" else (args.store,):
            m = measure(store, args.mentions, Path(tmp), profile=args.profile)
            rate = m["mentions"] / m["seconds"]
            rest = m["seconds"] - m["fetch"] - m["classify"]
            print(f"{store}: {m['mentions']:.0f} mentions ({m['complaints']:.0f} complaints) "
                  f"in {m['pages']:.0f} pages, {m['seconds']:.2f} s = {rate:,.0f} mentions/s; "
                  f"fetch {m['fetch']:.2f} s, classify {m['classify']:.2f} s, store+route {rest:.2f} s",
                  file=sys.stderr)
            figures += [
                Figure("mentions", f"throughput, {store}", rate, "mentions/s", f">= {TARGET:,.0f}", rate >= TARGET),
                Figure("mentions", f"  HTTP fetch share, {store}", 100 * m["fetch"] / m["seconds"], "%"),
                Figure("mentions", f"  classify share, {store}", 100 * m["classify"] / m["seconds"], "%"),
                Figure("mentions", f"  store+route share, {store}", 100 * rest / m["seconds"], "%"),
            ]
    report(figures, as_json=args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
