"""Plain domain vocabulary shared by every layer (no I/O)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class PostState(StrEnum):
    """Lifecycle of a queued post: draft → pending_approval → scheduled → publishing → posted|failed|cancelled|held."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    POSTED = "posted"
    FAILED = "failed"
    CANCELLED = "cancelled"
    HELD = "held"


OPEN_POST_STATES = (PostState.DRAFT, PostState.PENDING_APPROVAL, PostState.SCHEDULED, PostState.HELD)


class PostKind(StrEnum):
    """Where a post came from."""

    EVENT = "event"
    MANUAL = "manual"
    REPLY = "reply"
    ANECDOTE = "anecdote"


class Severity(StrEnum):
    """Complaint severity, lowest to highest."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for critical … 3 for low, so ascending order is most urgent first."""
        return {"critical": 0, "high": 1, "medium": 2, "low": 3}[self.value]


SLA_BY_SEVERITY: dict[Severity, timedelta] = {
    Severity.CRITICAL: timedelta(minutes=15),
    Severity.HIGH: timedelta(hours=1),
    Severity.MEDIUM: timedelta(hours=4),
    Severity.LOW: timedelta(hours=24),
}


class TriageStatus(StrEnum):
    """Where a complaint stands with customer service."""

    NEW = "new"
    CLAIMED = "claimed"
    REPLIED = "replied"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


OPEN_TRIAGE_STATUSES = (TriageStatus.NEW, TriageStatus.CLAIMED, TriageStatus.REPLIED)


class TriageLabel(StrEnum):
    """A person's word on a mention: the detector learns from it, and it overrides the detector's verdict in counts."""

    COMPLAINT = "complaint"
    NOT_COMPLAINT = "not-complaint"


class FollowStatus(StrEnum):
    """What became of a decision about following an author."""

    SKIPPED = "skipped"  # policy said no (reason recorded)
    PENDING = "pending"  # will be followed through the API when the budget allows
    DONE = "done"  # followed through the API
    MANUAL = "manual"  # the tier cannot follow through the API: waiting for a person
    MANUAL_DONE = "manual_done"  # a person followed by hand
    FAILED = "failed"  # the API refused permanently (reason recorded)


class Role(StrEnum):
    """Staff roles: admins do everything, editors run the publish queue, agents triage."""

    ADMIN = "admin"
    EDITOR = "editor"
    AGENT = "agent"
