"""Prometheus metrics read from the database at scrape time (a custom collector on its own registry).

Families (all prefixed `brandbot_`): posts{state}, posts_published_total, mentions_total, complaints_total,
triage_open{severity}, triage_sla_breached, follow_decisions{status}, dead_letters_open,
crisis_active, x_unauthorized, x_429_total{scope}, poll_lag_seconds{cursor},
budget_remaining{endpoint}, budget_day_remaining{endpoint}, database_up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import structlog
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from bot.crisis import crisis_state
from bot.domain import FollowStatus, PostState, Severity
from bot.publish.reconcile import POSTED_COUNTER
from bot.store.coordination import X_429_COUNTER, counter_value
from bot.store.models import Cursor, DeadLetter, FollowDecision, Post, TriageItem
from bot.triage.sla import OPEN_STATUSES, breached_items
from bot.web.readiness import UNAUTHORIZED_COUNTER

if TYPE_CHECKING:
    from bot.app import App

log = structlog.get_logger()



def _grouped(session: Session, column: object, where: object | None = None) -> dict[str, int]:
    stmt = select(column, func.count()).group_by(column)  # type: ignore[call-overload]
    if where is not None:
        stmt = stmt.where(where)
    return {str(key): int(n) for key, n in session.exec(stmt)}


class BrandbotCollector:
    """Yields every family from one short read-only session per scrape."""

    def __init__(self, app: App) -> None:
        self.app = app

    def describe(self) -> list[Metric]:
        return []  # nothing to describe up front: the registry must not query the database at registration

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("brandbot_database_up", "1 if the database answered this scrape.")
        try:
            families = self._from_database()
        except SQLAlchemyError as exc:
            log.warning("metrics.database_error", error=type(exc).__name__)
            up.add_metric([], 0)
            families = []
        else:
            up.add_metric([], 1)
        yield up
        yield from families
        yield from self._budget()

    def _from_database(self) -> list[Metric]:
        now = self.app.clock.now()
        with self.app.session() as db:
            posts = _grouped(db, col(Post.state))
            triage = _grouped(db, col(TriageItem.severity), col(TriageItem.status).in_(OPEN_STATUSES))
            follows = _grouped(db, col(FollowDecision.status))
            breached = len(breached_items(db, now=now))
            dead = int(db.exec(select(func.count()).select_from(DeadLetter)
                               .where(col(DeadLetter.status) == "open")).one())
            mentions = counter_value(db, "mentions_seen")
            complaints = counter_value(db, "complaints")
            published = counter_value(db, POSTED_COUNTER)
            unauthorized = counter_value(db, UNAUTHORIZED_COUNTER)
            shared_429 = counter_value(db, X_429_COUNTER)
            cursors = [(c.name, c.last_success_at) for c in db.exec(select(Cursor))]
            crisis = crisis_state(db, now=now).active

        out: list[Metric] = []
        g = GaugeMetricFamily("brandbot_posts", "Posts in the publish queue by state.", labels=["state"])
        for state in PostState:
            g.add_metric([state.value], posts.get(state.value, 0))
        out.append(g)
        c = CounterMetricFamily("brandbot_mentions", "Mentions seen since the database was created.")
        c.add_metric([], mentions)
        out.append(c)
        c = CounterMetricFamily("brandbot_complaints", "Mentions the detector classified as complaints.")
        c.add_metric([], complaints)
        out.append(c)
        c = CounterMetricFamily("brandbot_posts_published", "Posts the publisher sent to X.")
        c.add_metric([], published)
        out.append(c)
        g = GaugeMetricFamily("brandbot_triage_open", "Open triage items by severity.", labels=["severity"])
        for severity in Severity:
            g.add_metric([severity.value], triage.get(severity.value, 0))
        out.append(g)
        out.append(GaugeMetricFamily("brandbot_triage_sla_breached", "Open triage items past their SLA.",
                                     value=breached))
        g = GaugeMetricFamily("brandbot_follow_decisions", "Follow decisions by status.", labels=["status"])
        for status in FollowStatus:
            g.add_metric([status.value], follows.get(status.value, 0))
        out.append(g)
        out.append(GaugeMetricFamily("brandbot_dead_letters_open", "Feed input waiting in the dead-letter table.",
                                     value=dead))
        out.append(GaugeMetricFamily("brandbot_crisis_active", "1 while crisis mode holds automatic posting.",
                                     value=int(crisis)))
        out.append(GaugeMetricFamily("brandbot_x_unauthorized", "1 while the X API answers 401.",
                                     value=int(bool(unauthorized))))
        c = CounterMetricFamily("brandbot_x_429", "429 responses from the X API.", labels=["scope"])
        c.add_metric(["process"], self.app.budget.count_429)
        c.add_metric(["shared"], shared_429)
        out.append(c)
        g = GaugeMetricFamily("brandbot_poll_lag_seconds", "Seconds since a poller cursor last succeeded.",
                              labels=["cursor"])
        for name, at in sorted(cursors):
            if at is not None:
                g.add_metric([name], max(0.0, (now - at).total_seconds()))
        out.append(g)
        return out

    def _budget(self) -> Iterator[Metric]:
        window = GaugeMetricFamily("brandbot_budget_remaining", "X API calls left in the current window.",
                                   labels=["endpoint"])
        day = GaugeMetricFamily("brandbot_budget_day_remaining", "X API calls left under the 24-hour cap.",
                                labels=["endpoint"])
        for endpoint, snap in sorted(self.app.budget.snapshot().items()):
            remaining, day_remaining = snap.get("remaining"), snap.get("day_remaining")
            if isinstance(remaining, int):
                window.add_metric([endpoint], remaining)
            if isinstance(day_remaining, int):
                day.add_metric([endpoint], day_remaining)
        yield window
        yield day


def metrics_registry(app: App) -> CollectorRegistry:
    """A registry of its own (never the global one), holding only the brandbot collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BrandbotCollector(app))  # type: ignore[arg-type]
    return registry


def render_metrics(registry: CollectorRegistry) -> bytes:
    return bytes(generate_latest(registry))
