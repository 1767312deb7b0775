"""A simulated day of the bot against the sandbox, as a discrete-event simulation on one `ManualClock`.

The bot's jobs run on the schedule `BotRunner` gives them (the same intervals: the poll intervals
from the tier's budget, follow every 60 s, the publisher right after something is queued and every
60 s for retries), but instead of sleeping, the clock jumps to the next due job. So a whole day of a
tier costs only the real work (HTTP calls to the sandbox, database writes), and the figures do not
depend on the machine's speed or the job floor of an accelerated clock. Both the sandbox and the bot
read the same clock, so "mention created" and "triage item created" are on one time line.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bot.app import App
from bot.clock import ManualClock
from bot.follow.executor import execute_follows
from bot.listen.poller import MENTIONS, SEARCH, PollProgress, poll_mentions
from bot.publish.publisher import Publisher
from bot.runner import poll_seconds
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import SandboxServer
from bot.sandbox.testing import sandbox_settings
from bot.store.coordination import counter_value
from bot.store.models import Mention, Post, TriageItem
from bot.xapi import tiers

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


@dataclass
class DayResult:
    """What one simulated day produced."""

    tier: str
    scenario: str
    hours: float
    mentions: int
    triage_latencies: list[float]  # seconds from mention created (sandbox) to triage item created (bot)
    posts: int
    usage: dict[str, Any]
    x_429_seen_by_bot: int
    intervals: dict[str, float]
    wall_seconds: float
    job_runs: dict[str, int] = field(default_factory=dict)

    @property
    def api_calls(self) -> int:
        return sum(int(v) for v in self.usage["calls"].values())


def simulate(
    *,
    database_url: str,
    tier: str,
    scenario: str,
    hours: float = 24.0,
    seed: int = 0,
    demo_every_minutes: float | None = None,
) -> DayResult:
    """Run the bot's jobs for `hours` simulated hours; `demo_every_minutes` queues a demo event that often."""
    clock = ManualClock(START)
    started = time.perf_counter()
    with SandboxServer(SandboxConfig(tier=tier, scenario=scenario, seed=seed), clock) as server:
        app = App(sandbox_settings(database_url, server.url, tier), clock=clock, worker_id="sim")
        brand_id = app.me().id
        budget = app.budget
        progress = PollProgress()
        jobs: dict[str, tuple[float, Callable[[], object]]] = {}

        def poll(source: str) -> Callable[[], object]:
            return lambda: poll_mentions(engine=app.engine, x=app.x, budget=budget, clock=clock, settings=app.settings,
                                         detector_for=app.detector, brand_user_id=brand_id, worker_id="sim",
                                         progress=progress, sources=(source,))

        publisher = Publisher(engine=app.engine, x=app.x, budget=budget, clock=clock, worker_id="sim",
                              brand_user_id=brand_id)

        def publish() -> object:
            return publisher.run_once()

        if budget.remaining(tiers.GET_MENTIONS) is not None:  # the same intervals as BotRunner._jobs
            jobs["poll_mentions"] = (poll_seconds(app.settings, budget, tiers.GET_MENTIONS, share=0.9), poll(MENTIONS))
        if budget.remaining(tiers.SEARCH_RECENT) is not None:
            jobs["poll_search"] = (poll_seconds(app.settings, budget, tiers.SEARCH_RECENT, share=0.95), poll(SEARCH))
        jobs["follow"] = (60.0, lambda: execute_follows(engine=app.engine, x=app.x, budget=budget, clock=clock,
                                                        settings=app.settings, brand_user_id=brand_id,
                                                        worker_id="sim"))
        jobs["publish"] = (60.0, publish)
        if demo_every_minutes:
            from bot.runner_demo import push_demo_event

            counter = iter(range(10**9))

            def demo() -> object:
                push_demo_event(app, next(counter))
                return publish()  # the runner's nudge: the publisher looks at once

            jobs["demo_feed"] = (demo_every_minutes * 60, demo)
        end = START + timedelta(hours=hours)
        queue = [(START + timedelta(seconds=0.05 * i), name) for i, name in enumerate(sorted(jobs))]
        heapq.heapify(queue)
        runs: dict[str, int] = {}
        while queue and queue[0][0] < end:
            due, name = heapq.heappop(queue)
            clock.set(due)
            jobs[name][1]()
            runs[name] = runs.get(name, 0) + 1
            heapq.heappush(queue, (due + timedelta(seconds=jobs[name][0]), name))
        clock.set(end)
        usage = server.state.ledger.summary()
        with Session(app.engine) as session:
            mentions = {m.id: m.created_at for m in session.exec(select(Mention))}
            latencies = [(item.created_at - mentions[item.mention_id]).total_seconds()
                         for item in session.exec(select(TriageItem))]
            posts = len(list(session.exec(select(Post.id).where(col(Post.state) == "posted"))))
            x_429 = counter_value(session, "x_429")
        app.engine.dispose()
    return DayResult(tier=tier, scenario=scenario, hours=hours, mentions=len(mentions), triage_latencies=latencies,
                     posts=posts, usage=usage, x_429_seen_by_bot=x_429,
                     intervals={k: v[0] for k, v in jobs.items()}, wall_seconds=time.perf_counter() - started,
                     job_runs=runs)
