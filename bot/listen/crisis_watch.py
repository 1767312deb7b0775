"""Crisis detection: a spike of complaints over a sliding window trips crisis mode (and alerts a person).

The rate is complaints among mentions posted in the last `crisis_window_minutes`; the
baseline is the mean number per window over the 24 hours before that window. The switch trips
when the count reaches `crisis_min_complaints` and is at least `crisis_ratio` times the baseline
(a baseline under one complaint per window counts as one, so a quiet brand is not tripped by a
handful). While crisis mode is on nothing is re-tripped; turning it off is a person's call, and
after a person turns it off only complaints classified since then count towards the window (the
spike the person just declared over does not trip it again at the next check).

A complaint is what staff say it is where they said anything (`bot.listen.complaints`): a mention a
person flagged counts, one the detector flagged and a person labelled not-complaint does not. Each
counts in the window of the mention's arrival (`Mention.created_at`, as the detector's do), never
of the flag: a flag may come hours later, and in bulk when someone works through the day's
mentions, and counting it at flag time would show a spike that never happened (and trip crisis
mode on a quiet afternoon). Flagged late, a complaint lands in the baseline, where it belonged,
and makes the next spike measure against the true rate. The "off" floor applies to the mention's
classification (when the listener stored it), so mentions of a spike a person declared over stay
out of the window even when they are flagged after the "off".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import structlog
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.crisis import crisis_state, set_crisis
from bot.listen.complaints import is_complaint, with_verdicts
from bot.settings import Settings
from bot.store.coordination import counter_value, set_counter
from bot.store.db import session_scope
from bot.store.models import Classification, CrisisChange, Mention

log = structlog.get_logger()

BASELINE_SPAN = timedelta(hours=24)
#: A baseline under this many complaints per window counts as this many (a quiet brand is not tripped by a handful).
MIN_BASELINE = 1.0
ALERT_TIMEOUT_SECONDS = 5.0
ACTOR = "crisis-watch"
#: Shared counters: the newest "off" change the watch has seen, and the classifications before it.
SEEN_OFF_COUNTER = "crisis_watch.seen_off_change"
FLOOR_COUNTER = "crisis_watch.classification_floor"
#: 1 while the alert of the current crisis has not reached the webhook yet.
ALERT_OWED_COUNTER = "crisis_watch.alert_owed"

#: Sends the alert text; returning False (or raising) means it did not arrive.
AlertSender = Callable[[str], bool | None]


@dataclass(frozen=True, slots=True)
class CrisisCheck:
    """The figures of one check and what came of it."""

    window_count: int
    baseline_per_window: float
    ratio: float
    tripped: bool
    already_active: bool = False
    reason: str = ""  # why crisis mode is on (tripped now or before), else empty

    @property
    def crisis_on(self) -> bool:
        """Whether crisis mode is on after this check."""
        return self.tripped or self.already_active


def complaints_between(session: Session, *, start: datetime, end: datetime, after_id: int = 0) -> int:
    """Complaints (as staff corrected the detector) among mentions posted in (start, end].

    With `after_id`, only mentions classified after classification `after_id` count (a mention
    never classified then does not: nothing says it came after the floor).
    """
    stmt = (
        with_verdicts(select(func.count()).select_from(Mention))
        .where(is_complaint())
        .where(col(Mention.created_at) > start)
        .where(col(Mention.created_at) <= end)
    )
    if after_id:
        stmt = stmt.where(col(Classification.id) > after_id)
    return int(session.exec(stmt).one())


def classification_floor(session: Session) -> int:
    """Classifications up to this id do not count towards the window: they came before a person's "off".

    The first check after an "off" change records the newest classification id (ids, not times:
    the command line and a sped-up bot keep different clocks).
    """
    latest_off = session.exec(select(func.max(CrisisChange.id)).where(col(CrisisChange.active).is_(False))).one()
    if latest_off is None:
        return 0
    if counter_value(session, SEEN_OFF_COUNTER) != latest_off:
        newest = session.exec(select(func.max(Classification.id))).one() or 0
        set_counter(session, SEEN_OFF_COUNTER, latest_off)
        set_counter(session, FLOOR_COUNTER, newest)
        return newest
    return counter_value(session, FLOOR_COUNTER)


def measure(session: Session, *, now: datetime, window: timedelta, after_id: int = 0) -> tuple[int, float, float]:
    """(complaints in the window ending now, baseline per window over the 24 h before, ratio).

    The window counts only classifications after `after_id`; the baseline counts all.
    """
    start = now - window
    count = complaints_between(session, start=start, end=now, after_id=after_id)
    before = complaints_between(session, start=start - BASELINE_SPAN, end=start)
    baseline = before * (window / BASELINE_SPAN)
    ratio = count / max(baseline, MIN_BASELINE)
    return count, baseline, ratio


def post_alert(url: str, text: str, *, timeout: float = ALERT_TIMEOUT_SECONDS,
               transport: httpx.BaseTransport | None = None) -> bool:
    """POST `{"text": ...}` (Slack-compatible) to `url`; failures are logged and reported as False, never raised.

    The status line decides; the body is never read, so a webhook that drips its answer a byte at a time
    (each read inside `timeout`) cannot hold the crisis job, which runs one at a time.
    """
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client, \
                client.stream("POST", url, json={"text": text}) as response:
            response.raise_for_status()
    except httpx.HTTPError as exc:
        log.error("crisis.alert_failed", error=type(exc).__name__, detail=str(exc))
        return False
    return True


def check_crisis(session: Session, *, now: datetime, settings: Settings) -> CrisisCheck:
    """Trip crisis mode on a complaint spike, in the caller's transaction (not committed); no alert sent."""
    window = timedelta(minutes=settings.crisis_window_minutes)
    count, baseline, ratio = measure(session, now=now, window=window, after_id=classification_floor(session))
    state = crisis_state(session, now=now)
    if state.active:
        return CrisisCheck(count, baseline, ratio, tripped=False, already_active=True, reason=state.reason)
    if count < settings.crisis_min_complaints or ratio < settings.crisis_ratio:
        return CrisisCheck(count, baseline, ratio, tripped=False)
    counted_as = f", counted as {MIN_BASELINE:g}" if baseline < MIN_BASELINE else ""
    reason = (
        f"complaint spike: {count} complaints in the last {settings.crisis_window_minutes} min, "
        f"{ratio:.1f}x the 24 h baseline of {baseline:.1f} per window{counted_as} "
        f"(thresholds {settings.crisis_min_complaints} and {settings.crisis_ratio:g}x)"
    )
    set_crisis(session, active=True, reason=reason, actor=ACTOR, now=now, automatic=True)
    log.warning("crisis.tripped", window_count=count, baseline_per_window=round(baseline, 2), ratio=round(ratio, 2),
                reason=reason)
    return CrisisCheck(count, baseline, ratio, tripped=True, reason=reason)


def alert_text(handle: str, reason: str) -> str:
    """The message a person gets when crisis mode trips."""
    return (
        f"@{handle}: crisis mode is ON; automatic posts and follows are held (staff replies still go out). {reason}. "
        "Turn it off when it is over."
    )


def watch_crisis(
    *,
    engine: Engine,
    clock: Clock,
    settings: Settings,
    send_alert: AlertSender | None = None,
) -> CrisisCheck:
    """The scheduled job: check (committed), then alert outside the transaction.

    `send_alert` defaults to a POST to `settings.alert_webhook_url` when set (else only the log
    warning). An alert that fails (the sender raises, or the webhook answers an error) stays owed
    in a shared counter and is sent again at each later check while crisis mode is still on; a
    failure is logged, never raised.
    """
    sender = send_alert or _webhook_sender(settings)
    with session_scope(engine) as session:
        result = check_crisis(session, now=clock.now(), settings=settings)
        if result.tripped and sender is not None:
            set_counter(session, ALERT_OWED_COUNTER, 1)
        owed = counter_value(session, ALERT_OWED_COUNTER) == 1
        if owed and (not result.crisis_on or sender is None):
            set_counter(session, ALERT_OWED_COUNTER, 0)  # over before anyone could be told: nothing to send
            owed = False
    if not owed or sender is None:
        return result
    try:
        sent = sender(alert_text(settings.brand_handle, result.reason)) is not False
    except Exception as exc:  # noqa: BLE001 - an alert failure must never undo or fail the trip
        log.error("crisis.alert_failed", error=type(exc).__name__, detail=str(exc))
        sent = False
    if sent:
        with session_scope(engine) as session:
            set_counter(session, ALERT_OWED_COUNTER, 0)
    else:
        log.warning("crisis.alert_owed", detail="sent again at the next check while crisis mode is on")
    return result


def _webhook_sender(settings: Settings) -> AlertSender | None:
    if not settings.alert_webhook_url:
        return None
    url = settings.alert_webhook_url

    def sender(message: str) -> bool:
        return post_alert(url, message)

    return sender
