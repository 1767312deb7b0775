"""Every table of the product. Times are aware UTC (`UTCDateTime`); ids of X objects are strings.

Work shared by several bot processes is claimed with leases (`lease_owner`, `lease_until`)
updated by a conditional UPDATE, so the database is the only coordinator.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, UniqueConstraint, func, text
from sqlmodel import Field, SQLModel

from bot.store.types import UTCDateTime


def _ts(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Event(SQLModel, table=True):
    """A validated event from a feed (webhook, RSS/Atom, NDJSON); `id` is the source's event id."""

    __tablename__ = "events"

    id: str = Field(primary_key=True, max_length=200)
    type: str = Field(max_length=64, index=True)
    source: str = Field(max_length=200)
    occurred_at: datetime = _ts()
    received_at: datetime = _ts(index=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="new", max_length=20, index=True)  # new | queued | skipped | failed
    error: str | None = None


class DeadLetter(SQLModel, table=True):
    """Input that could not be accepted, kept with the reason so nothing is lost silently."""

    __tablename__ = "dead_letters"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200)
    received_at: datetime = _ts(index=True)
    raw: str
    reason: str
    event_id: str | None = Field(default=None, max_length=200)
    status: str = Field(default="open", max_length=20, index=True)  # open | retried | discarded
    retried_at: datetime | None = _ts(nullable=True)


class Post(SQLModel, table=True):
    """One item of the publish queue (a thread is several rows sharing `thread_key`)."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_state_due", "state", "scheduled_at"),
        UniqueConstraint("thread_key", "thread_index", name="uq_posts_thread_part"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="manual", max_length=20)
    state: str = Field(default="scheduled", max_length=20, index=True)
    text: str
    event_id: str | None = Field(default=None, foreign_key="events.id", max_length=200)
    template: str | None = None
    variant: int | None = None
    thread_key: str | None = Field(default=None, max_length=64)
    thread_index: int = 0
    thread_size: int = 1
    in_reply_to_tweet_id: str | None = Field(default=None, max_length=32)
    triage_item_id: int | None = Field(default=None, foreign_key="triage_items.id")
    priority: int = 0
    promotional: bool = False
    requires_approval: bool = False
    scheduled_at: datetime = _ts()
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    created_by: str = Field(default="system", max_length=100)
    approved_by: str | None = None
    approved_at: datetime | None = _ts(nullable=True)
    held_reason: str | None = None
    deferred_reason: str | None = None
    tweet_id: str | None = Field(default=None, max_length=32, index=True)
    posted_at: datetime | None = _ts(nullable=True)
    attempts: int = 0
    next_attempt_at: datetime | None = _ts(nullable=True)
    last_error: str | None = None
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _ts(nullable=True)


class PostAttempt(SQLModel, table=True):
    """One try at publishing a post; written before the API call, finished after it."""

    __tablename__ = "post_attempts"

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True)
    worker: str = Field(max_length=100)
    started_at: datetime = _ts()
    finished_at: datetime | None = _ts(nullable=True)
    outcome: str | None = Field(default=None, max_length=40)  # posted | transient | duplicate | failed | reconciled
    tweet_id: str | None = Field(default=None, max_length=32)
    error: str | None = None


class Author(SQLModel, table=True):
    """A person who mentioned the brand (from the author expansion)."""

    __tablename__ = "authors"

    id: str = Field(primary_key=True, max_length=32)
    username: str = Field(max_length=50, index=True)
    name: str = ""
    description: str = ""
    followers_count: int | None = None
    following_count: int | None = None
    tweet_count: int | None = None
    verified: bool = False
    account_created_at: datetime | None = _ts(nullable=True)
    first_seen_at: datetime = _ts()
    last_seen_at: datetime = _ts()


class Mention(SQLModel, table=True):
    """A post that mentions the brand, seen once (primary key is the tweet id)."""

    __tablename__ = "mentions"

    id: str = Field(primary_key=True, max_length=32)
    author_id: str = Field(foreign_key="authors.id", index=True, max_length=32)
    text: str
    created_at: datetime = _ts(index=True)
    seen_at: datetime = _ts(index=True)
    found_by: str = Field(default="mentions", max_length=20)  # mentions | search
    conversation_id: str | None = Field(default=None, max_length=32)
    in_reply_to_user_id: str | None = Field(default=None, max_length=32)
    lang: str | None = Field(default=None, max_length=10)
    summoned: bool = True  # the author mentioned or quoted the account, so a reply is allowed


class Classification(SQLModel, table=True):
    """The detector's verdict on one mention."""

    __tablename__ = "classifications"

    id: int | None = Field(default=None, primary_key=True)
    mention_id: str = Field(foreign_key="mentions.id", unique=True, max_length=32)
    complaint: bool = Field(index=True)
    score: float
    severity: str = Field(max_length=10)
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    model_version: str = Field(default="default", max_length=64)
    created_at: datetime = _ts(index=True)


class FollowDecision(SQLModel, table=True):
    """One decision about following an author, with its reason."""

    __tablename__ = "follow_decisions"

    id: int | None = Field(default=None, primary_key=True)
    author_id: str = Field(foreign_key="authors.id", index=True, max_length=32)
    mention_id: str | None = Field(default=None, foreign_key="mentions.id", max_length=32)
    status: str = Field(max_length=20, index=True)
    reason: str
    created_at: datetime = _ts()
    done_at: datetime | None = _ts(nullable=True)
    done_by: str | None = None
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _ts(nullable=True)


class TriageItem(SQLModel, table=True):
    """A complaint in front of customer service."""

    __tablename__ = "triage_items"
    __table_args__ = (Index("ix_triage_open_order", "status", "severity_rank", "sla_due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    mention_id: str = Field(foreign_key="mentions.id", unique=True, max_length=32)
    author_id: str = Field(foreign_key="authors.id", max_length=32)
    severity: str = Field(max_length=10)
    severity_rank: int
    score: float
    status: str = Field(default="new", max_length=20, index=True)
    assignee: str | None = Field(default=None, max_length=100)
    sla_due_at: datetime = _ts()
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    first_response_at: datetime | None = _ts(nullable=True)
    resolved_at: datetime | None = _ts(nullable=True)
    label: str | None = Field(default=None, max_length=20)


class TriageAction(SQLModel, table=True):
    """History of a triage item: who did what, when."""

    __tablename__ = "triage_actions"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="triage_items.id", index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=30)
    detail: str = ""
    created_at: datetime = _ts()


class TrainingLabel(SQLModel, table=True):
    """A staff label (complaint or not) the detector learns from."""

    __tablename__ = "training_labels"

    id: int | None = Field(default=None, primary_key=True)
    mention_id: str | None = Field(default=None, foreign_key="mentions.id", max_length=32, index=True)
    text: str
    label: int
    actor: str = Field(max_length=100)
    created_at: datetime = _ts()


class DetectorModel(SQLModel, table=True):
    """A trained brand-specific detector model; the newest row is used by every process."""

    __tablename__ = "detector_models"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=64)
    blob: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    n_examples: int
    n_labels: int = 0
    created_at: datetime = _ts(index=True)
    created_by: str = Field(default="system", max_length=100)


class Cursor(SQLModel, table=True):
    """A since_id cursor of a poller, with when it last ran."""

    __tablename__ = "cursors"

    name: str = Field(primary_key=True, max_length=100)
    since_id: str | None = Field(default=None, max_length=32)
    last_poll_at: datetime | None = _ts(nullable=True)
    last_success_at: datetime | None = _ts(nullable=True)
    last_error: str | None = None


class CrisisChange(SQLModel, table=True):
    """Every crisis toggle is a row; the last row written (highest id) is the current state."""

    __tablename__ = "crisis_changes"

    id: int | None = Field(default=None, primary_key=True)
    active: bool
    reason: str
    actor: str = Field(max_length=100)
    automatic: bool = False
    auto_resume_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts(index=True)


class StaffUser(SQLModel, table=True):
    """A person using the dashboard."""

    __tablename__ = "staff_users"
    #: Names are unique whatever their letter case ("Sam" and "sam" are one account): the database says so,
    #: not only `add_user`'s check, so two creates racing each other cannot both succeed (migration 0002).
    __table_args__ = (Index("uq_staff_users_username_lower", func.lower(text("username")), unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=100)
    role: str = Field(max_length=20)
    password_hash: str
    disabled: bool = False
    created_at: datetime = _ts()


class AuditLog(SQLModel, table=True):
    """Who did what, when (people and the bot itself)."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60, index=True)
    target: str = ""
    detail: str = ""


class Lease(SQLModel, table=True):
    """A named lease so only one process at a time runs a singleton job (e.g. a poller)."""

    __tablename__ = "leases"

    name: str = Field(primary_key=True, max_length=100)
    owner: str = Field(max_length=100)
    until: datetime = _ts()


class OAuthToken(SQLModel, table=True):
    """The OAuth 2.0 user token, persisted after every refresh."""

    __tablename__ = "oauth_tokens"

    id: int | None = Field(default=None, primary_key=True)
    access_token: str
    refresh_token: str
    expires_at: datetime = _ts()
    updated_at: datetime = _ts()


class FeedState(SQLModel, table=True):
    """Conditional-GET state of one RSS/Atom feed."""

    __tablename__ = "feed_states"

    url: str = Field(primary_key=True, max_length=500)
    etag: str | None = None
    modified: str | None = None
    last_polled_at: datetime | None = _ts(nullable=True)
    last_status: int | None = None


class AnecdoteUse(SQLModel, table=True):
    """A daily anecdote already told (never repeated until the library is exhausted)."""

    __tablename__ = "anecdote_uses"
    __table_args__ = (UniqueConstraint("persona", "day", name="uq_anecdote_day"),)

    id: int | None = Field(default=None, primary_key=True)
    persona: str = Field(max_length=100)
    anecdote_id: str = Field(max_length=100)
    cycle: int = 0
    day: str = Field(max_length=10)  # local date, YYYY-MM-DD
    post_id: int | None = Field(default=None, foreign_key="posts.id")
    created_at: datetime = _ts()


class Counter(SQLModel, table=True):
    """Monotonic counters shared by processes (e.g. 429s received)."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=100)
    value: int = 0


class WebListener(SQLModel, table=True):
    """Where one bot process's web server listens: written once its socket is bound, closed when it stops.

    The address is the one the socket reports, whatever gave it (`WEB_PORT` in the environment or `.env`,
    `brandbot run --web-port`, or `0` for a port the OS picks). `brandbot health` reads the newest open row
    of its own host whose process still runs (`hostname`, `pid`), so several bots may share one database.
    """

    __tablename__ = "web_listeners"

    id: int | None = Field(default=None, primary_key=True)
    worker: str = Field(max_length=100)  # `App.worker_id`, as on leases and post attempts
    hostname: str = Field(max_length=255, index=True)
    pid: int
    host: str = Field(max_length=255)  # the address bound, e.g. 0.0.0.0, 127.0.0.1, ::
    port: int
    started_at: datetime = _ts()
    stopped_at: datetime | None = _ts(nullable=True)
