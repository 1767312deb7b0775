"""The overview's figures: per-hour series over the last 24 hours or 7 days (read-only queries)."""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.domain import PostKind, PostState
from bot.listen.complaints import is_complaint, with_verdicts
from bot.store.models import Mention, Post, TriageItem

HOUR = timedelta(hours=1)
RANGES = {"24h": 24, "7d": 24 * 7}


def hour_starts(now: datetime, hours: int, tz: ZoneInfo) -> list[datetime]:
    """The starts of the last `hours` whole local hours, the current (partial) one last; aware UTC."""
    current = now.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    first = current.astimezone(now.tzinfo) - (hours - 1) * HOUR
    return [first + i * HOUR for i in range(hours)]


def bucket_index(starts: Sequence[datetime], at: datetime) -> int | None:
    """Which hour bucket `at` falls in (None before the first or after the last)."""
    if not starts or at < starts[0] or at >= starts[-1] + HOUR:
        return None
    return bisect_right(starts, at) - 1


def count_per_bucket(starts: Sequence[datetime], times: Iterable[datetime]) -> list[int]:
    counts = [0] * len(starts)
    for at in times:
        i = bucket_index(starts, at)
        if i is not None:
            counts[i] += 1
    return counts


def median_per_bucket(starts: Sequence[datetime], pairs: Iterable[tuple[datetime, float]]) -> list[float | None]:
    """Median of the values whose instant falls in each bucket (None for an empty bucket)."""
    groups: list[list[float]] = [[] for _ in starts]
    for at, value in pairs:
        i = bucket_index(starts, at)
        if i is not None:
            groups[i].append(value)
    return [statistics.median(g) if g else None for g in groups]


def rate_per_bucket(parts: Sequence[int], wholes: Sequence[int]) -> list[float | None]:
    """`parts[i] / wholes[i]` in percent (None where nothing was seen)."""
    return [100.0 * p / w if w else None for p, w in zip(parts, wholes, strict=True)]


@dataclass(frozen=True, slots=True)
class Overview:
    """Per-hour series (aligned on `starts`, aware UTC) and the range's totals."""

    starts: list[datetime]
    mentions: list[int]
    complaints: list[int]
    complaint_rate: list[float | None]
    replies: list[int]
    median_response_minutes: list[float | None]
    posts: list[int]
    total_mentions: int
    total_complaints: int
    total_replies: int
    total_posts: int
    median_response_overall: float | None


def compute_overview(session: Session, *, now: datetime, hours: int, tz: ZoneInfo) -> Overview:
    """Mentions, complaints, complaint rate, replies sent, median time to first response, posts published.

    Complaints are counted as staff corrected the detector (`bot.listen.complaints`).
    """
    starts = hour_starts(now, hours, tz)
    since = starts[0]
    mention_times = list(session.exec(select(Mention.created_at).where(col(Mention.created_at) >= since)))
    complaint_times = list(session.exec(  # as staff corrected the detector, by the hour the mention arrived
        with_verdicts(select(Mention.created_at))
        .where(is_complaint())
        .where(col(Mention.created_at) >= since)
    ))
    posted = list(session.exec(
        select(Post.kind, Post.posted_at)
        .where(col(Post.state) == PostState.POSTED.value)
        .where(col(Post.posted_at) >= since)
    ))
    reply_times = [at for kind, at in posted if kind == PostKind.REPLY.value and at is not None]
    post_times = [at for kind, at in posted if kind != PostKind.REPLY.value and at is not None]
    responses = [
        (created, (first - created).total_seconds() / 60)
        for created, first in session.exec(
            select(TriageItem.created_at, TriageItem.first_response_at)
            .where(col(TriageItem.created_at) >= since)
            .where(col(TriageItem.first_response_at).is_not(None))
        )
        if first is not None
    ]
    mentions = count_per_bucket(starts, mention_times)
    complaints = count_per_bucket(starts, complaint_times)
    in_range = [minutes for created, minutes in responses if bucket_index(starts, created) is not None]
    return Overview(
        starts=starts,
        mentions=mentions,
        complaints=complaints,
        complaint_rate=rate_per_bucket(complaints, mentions),
        replies=count_per_bucket(starts, reply_times),
        median_response_minutes=median_per_bucket(starts, responses),
        posts=count_per_bucket(starts, post_times),
        total_mentions=sum(mentions),
        total_complaints=sum(complaints),
        total_replies=sum(count_per_bucket(starts, reply_times)),
        total_posts=sum(count_per_bucket(starts, post_times)),
        median_response_overall=statistics.median(in_range) if in_range else None,
    )
