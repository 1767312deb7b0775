"""The long-running bot: every scheduled job of one process, started and stopped together.

`BotRunner(app)` owns an APScheduler `BackgroundScheduler` (one job per concern, each with
`max_instances=1` and `coalesce=True`, so a slow run is never stacked) plus a publisher
thread that wakes at once when something is queued (`nudge()`), so a webhook event is
posted within a second. Intervals are in simulated seconds and divided by the clock's speed,
so the accelerated sandbox clock runs a simulated day in minutes.

Every job is wrapped: an exception is logged with the job's name and never kills the
scheduler; a 401 from X raises the `x.unauthorized` flag that readiness reports.

Jobs run in daemon threads (`JobThreads`), so `stop(timeout)` bounds shutdown: a call still
in flight after the timeout is abandoned with the process, exactly like a crash, which the
publisher's lease and reconciliation already make safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

import structlog
from apscheduler.executors.pool import BasePoolExecutor

from bot.app import App
from bot.credentials_health import mark_authorized, mark_unauthorized
from bot.errors import RateLimited, TransientError, Unauthorized
from bot.publish.publisher import Publisher
from bot.settings import Settings
from bot.xapi import tiers
from bot.xapi.budget import BudgetKeeper

log = structlog.get_logger()

#: Tries of the start-up `users/me` call when X answers 5xx, times out or drops (1, 2, 4, 8 s apart).
WHOAMI_TRIES = 5


@dataclass(frozen=True)
class JobPlan:
    """How often each job runs, in simulated seconds (None: derived from the tier's budget)."""

    publish_seconds: float = 1.0
    mentions_seconds: float | None = None
    search_seconds: float | None = None
    follow_seconds: float = 60.0
    crisis_seconds: float = 60.0
    retrain_seconds: float = 3600.0
    feed_seconds: float | None = None  # RSS: settings.rss_poll_seconds
    inbox_seconds: float = 5.0
    anecdote_seconds: float = 60.0


class JobThreads(Executor):
    """A `concurrent.futures` executor running each job in its own daemon thread.

    The standard thread pool's workers are joined when the interpreter exits, so one HTTP call
    hanging until its timeout would hold a stopped bot well past its shutdown deadline.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: set[threading.Thread] = set()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(fn(*args, **kwargs))
                    except BaseException as exc:  # noqa: BLE001 - handed to the scheduler through the future
                        future.set_exception(exc)
            finally:
                with self._lock:
                    self._running.discard(threading.current_thread())

        thread = threading.Thread(target=run, name="job", daemon=True)
        with self._lock:
            self._running.add(thread)
        thread.start()
        return future

    def join(self, deadline: float) -> int:
        """Wait for running jobs until `deadline` (`time.monotonic()`); returns how many are still running."""
        with self._lock:
            running = list(self._running)
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))
        return sum(t.is_alive() for t in running)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if wait:
            self.join(float("inf"))


class _JobExecutor(BasePoolExecutor):  # type: ignore[misc]  # APScheduler ships no type hints
    def __init__(self, pool: JobThreads) -> None:
        super().__init__(pool)


#: On pay-per-use, the share of PAYG_DAILY_BUDGET each poller may spend.
PAYG_POLL_SHARES = {tiers.SEARCH_RECENT: 0.6, tiers.GET_MENTIONS: 0.4}


def poll_seconds(settings: Settings, budget: BudgetKeeper, endpoint: str, *, share: float) -> float:
    """Seconds between polls of `endpoint`: `share` of its rate limit, and on payg what the daily budget pays for."""
    seconds = budget.poll_interval(endpoint, share=share)
    price = tiers.PAYG_PRICES.get(endpoint, 0.0)
    if settings.x_tier == "payg" and price > 0:
        affordable_calls = settings.payg_daily_budget * PAYG_POLL_SHARES.get(endpoint, 0.5) / price
        seconds = max(seconds, 86400 / affordable_calls)
    return seconds


def _speed(app: App) -> float:
    return float(getattr(app.clock, "speed", 1.0))


class BotRunner:
    """Runs the bot's jobs for one process until `stop()`."""

    def __init__(self, app: App, *, plan: JobPlan | None = None) -> None:
        self.app = app
        self.plan = plan or JobPlan()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._publisher_thread: threading.Thread | None = None
        self._scheduler: Any = None
        self._progress: Any = None
        self.runs: dict[str, int] = {}
        self.last_errors: dict[str, str] = {}
        self._extra: list[tuple[str, float, Callable[[], object]]] = []
        self._job_threads = JobThreads()

    def add_job(self, name: str, seconds: float, func: Callable[[], object]) -> None:
        """One more job every `seconds` simulated seconds (call before `start`)."""
        self._extra.append((name, seconds, func))

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the scheduler and the publisher thread (returns at once)."""
        from apscheduler.schedulers.background import BackgroundScheduler

        from bot.listen.poller import PollProgress

        self._progress = PollProgress()
        self._brand_id = self._whoami()
        app = self.app
        self._publisher = Publisher(engine=app.engine, x=app.x, budget=app.budget, clock=app.clock,
                                    worker_id=app.worker_id, brand_user_id=self._brand_id,
                                    lease_seconds=app.settings.publish_lease_seconds)
        scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"max_instances": 1, "coalesce": True},
                                        executors={"default": _JobExecutor(self._job_threads)})
        for name, seconds, func in self._jobs():
            real = max(0.2, seconds / _speed(self.app))
            scheduler.add_job(self._wrapped(name, func), "interval", seconds=real, id=name, name=name,
                              next_run_time=None)
        self._scheduler = scheduler
        scheduler.start()
        now = time.time()
        for job in scheduler.get_jobs():  # first run of every job right away, staggered a little
            job.modify(next_run_time=_utc_from_ts(now + 0.05 * len(self.runs)))
        self._publisher_thread = threading.Thread(target=self._publish_loop, name="publisher", daemon=True)
        self._publisher_thread.start()
        log.info("bot.started", worker=self.app.worker_id, jobs=[j.id for j in scheduler.get_jobs()],
                 speed=_speed(self.app))

    def _whoami(self) -> str:
        """The brand account's id; a transient failure at start-up is retried, not fatal (a 429 is not retried)."""
        for attempt in range(1, WHOAMI_TRIES):
            try:
                return self.app.me().id
            except RateLimited:
                raise  # the budget holds the call until X's reset: retrying seconds later cannot help
            except TransientError as exc:
                log.warning("bot.whoami_retry", attempt=attempt, error=type(exc).__name__, detail=str(exc))
                time.sleep(2.0 ** (attempt - 1))
        return self.app.me().id  # the last try's error goes to the caller

    def stop(self, timeout: float = 8.0) -> None:
        """Stop taking work; wait up to `timeout` seconds for jobs in flight, then let go."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        if self._publisher_thread is not None:
            self._publisher_thread.join(max(0.0, deadline - time.monotonic()))
        unfinished = self._job_threads.join(deadline)
        if unfinished or (self._publisher_thread is not None and self._publisher_thread.is_alive()):
            log.warning("bot.stop_abandons", jobs=unfinished, timeout=timeout,
                        detail="calls still in flight are left to the leases, as after a crash")
        try:
            from bot.follow.executor import release_follow_lease
            from bot.listen.poller import release_poll_lease

            release_poll_lease(self.app.engine, worker_id=self.app.worker_id)
            release_follow_lease(self.app.engine, worker_id=self.app.worker_id)
        except Exception as exc:  # noqa: BLE001 - shutdown must go on; the lease expires anyway
            log.warning("bot.lease_release_failed", error=type(exc).__name__)
        log.info("bot.stopped", worker=self.app.worker_id)

    def nudge(self) -> None:
        """Something was queued: let the publisher look now instead of at its next tick."""
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- jobs -----------------------------------------------------------------------------------

    def _jobs(self) -> list[tuple[str, float, Callable[[], object]]]:
        app, plan = self.app, self.plan
        budget = app.budget
        jobs: list[tuple[str, float, Callable[[], object]]] = []
        if budget.remaining(tiers.GET_MENTIONS) is not None:
            seconds = plan.mentions_seconds or poll_seconds(app.settings, budget, tiers.GET_MENTIONS, share=0.9)
            jobs.append(("poll_mentions", seconds, lambda: self._poll(("mentions",))))
        if budget.remaining(tiers.SEARCH_RECENT) is not None:
            seconds = plan.search_seconds or poll_seconds(app.settings, budget, tiers.SEARCH_RECENT, share=0.95)
            jobs.append(("poll_search", seconds, lambda: self._poll(("search",))))
        jobs += [
            ("follow", plan.follow_seconds, self._follow),
            ("crisis_watch", plan.crisis_seconds, self._crisis),
            ("retrain", plan.retrain_seconds, self._retrain),
        ]
        jobs += self._feed_jobs()
        return jobs + self._extra

    def _feed_jobs(self) -> list[tuple[str, float, Callable[[], object]]]:
        """Event-feed jobs: RSS/Atom feeds, the NDJSON inbox, the daily anecdote."""
        app, plan = self.app, self.plan
        jobs: list[tuple[str, float, Callable[[], object]]] = []
        if app.settings.rss_feeds:
            seconds = plan.feed_seconds or min(60.0, float(app.settings.rss_poll_seconds))
            jobs.append(("rss", seconds, self._rss))
        if app.settings.inbox_dir is not None:
            jobs.append(("inbox", plan.inbox_seconds, self._inbox))
        jobs.append(("daily_anecdote", plan.anecdote_seconds, self._anecdote))
        return jobs

    def _rss(self) -> object:
        from bot.feed.rss import poll_feeds

        app = self.app
        new = poll_feeds(app.engine, settings=app.settings, renderer=app.renderer, clock=app.clock,
                         worker=app.worker_id)
        if new:
            app.notify_queued()
        return new

    def _inbox(self) -> object:
        from bot.feed.ndjson import scan_inbox

        app = self.app
        result = scan_inbox(app.engine, settings=app.settings, renderer=app.renderer, clock=app.clock,
                            worker=app.worker_id)
        app.notify_queued()
        return result

    def _anecdote(self) -> object:
        from bot.publish.anecdotes_job import queue_daily_anecdote

        app = self.app
        with app.session() as session:
            post = queue_daily_anecdote(session, now=app.clock.now(), settings=app.settings, renderer=app.renderer,
                                        at_local=app.settings.anecdote_time)
        if post is not None:
            app.notify_queued()
        return post

    def _poll(self, sources: tuple[str, ...]) -> object:
        from bot.listen.poller import MENTIONS, SEARCH, poll_mentions

        names = {"mentions": MENTIONS, "search": SEARCH}
        app = self.app
        result = poll_mentions(
            engine=app.engine, x=app.x, budget=app.budget, clock=app.clock, settings=app.settings,
            detector_for=app.detector, brand_user_id=self._brand_id, worker_id=app.worker_id,
            progress=self._progress, sources=tuple(names[s] for s in sources),
        )
        refused = [s for s in result.sources if s.unauthorized]
        if refused:
            raise Unauthorized(refused[0].error or "401 Unauthorized", status=401)
        if not any(s.error for s in result.sources) and any(s.pages for s in result.sources):
            with app.session() as session:
                mark_authorized(session, now=app.clock.now(), detail="polling works again")
        return result

    def _follow(self) -> object:
        from bot.follow.executor import execute_follows

        app = self.app
        return execute_follows(engine=app.engine, x=app.x, budget=app.budget, clock=app.clock,
                               settings=app.settings, brand_user_id=self._brand_id, worker_id=app.worker_id)

    def _crisis(self) -> object:
        from bot.crisis import settle_auto_resume
        from bot.listen.crisis_watch import watch_crisis

        app = self.app
        with app.session() as session:
            settle_auto_resume(session, now=app.clock.now())
        return watch_crisis(engine=app.engine, clock=app.clock, settings=app.settings)

    def _retrain(self) -> object:
        from bot.triage.learning import scheduled_retrain

        app = self.app
        return scheduled_retrain(app.engine, settings=app.settings, now=app.clock.now(), worker_id=app.worker_id)

    def publish_once(self) -> object:
        return self._publisher.run_once()

    def _publish_loop(self) -> None:
        run = self._wrapped("publish", self.publish_once)
        period = max(0.05, self.plan.publish_seconds / _speed(self.app))
        while not self._stop.is_set():
            run()
            self._wake.wait(period)
            self._wake.clear()

    def _wrapped(self, name: str, func: Callable[[], object]) -> Callable[[], None]:
        def job() -> None:
            if self._stop.is_set():
                return
            structlog.contextvars.bind_contextvars(job=name)
            try:
                func()
                self.runs[name] = self.runs.get(name, 0) + 1
            except Unauthorized as exc:
                self._flag_unauthorized(name, exc)
            except Exception as exc:
                self.last_errors[name] = f"{type(exc).__name__}: {exc}"
                log.exception("job.failed", error=type(exc).__name__)
            finally:
                structlog.contextvars.unbind_contextvars("job")

        job.__name__ = f"job_{name}"
        return job

    def _flag_unauthorized(self, name: str, exc: Unauthorized) -> None:
        app = self.app
        log.error("x.unauthorized", job=name, detail=str(exc),
                  action="X refused the credentials; check X_* settings (posting and polling wait)")
        with app.session() as session:
            mark_unauthorized(session, now=app.clock.now(), detail=str(exc))


def _utc_from_ts(ts: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC)

