"""Stored mentions as staff see them, and flagging a complaint the detector missed.

The detector only puts in the triage queue what it thinks is a complaint, so staff labels could
only ever teach it to flag less. `recent_mentions` (`page_mentions`: as a page that says whether
newer and older ones exist) lists every stored mention with the detector's verdict and its triage item (if
any), and `flag_mention` opens a triage item for one it missed, through the same routing code the
listener uses, and stores a complaint label for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain import Severity, TriageLabel
from bot.store.models import Author, Classification, Mention, TriageAction, TriageItem
from bot.store.paging import Keyset, KeysetPage
from bot.triage import queue
from bot.triage.errors import TriageConflictError, TriageNotFoundError
from bot.triage.listing import get_item
from bot.triage.replies import record
from bot.triage.routing import open_triage_item

#: How many mentions a listing shows when not told otherwise.
DEFAULT_LIMIT = 100
#: The history action a person's flag leaves on the item it opened.
FLAGGED = "flagged"


@dataclass(frozen=True, slots=True)
class MentionRow:
    """One stored mention with its author, the detector's verdict (None if never classified) and its item."""

    mention: Mention
    username: str
    verdict: Classification | None
    item: TriageItem | None

    @property
    def flagged(self) -> bool:
        """The mention has a triage item (the detector's or a person's)."""
        return self.item is not None


def recent_mentions(
    session: Session, *, limit: int = DEFAULT_LIMIT, before: str | None = None, after: str | None = None,
    unflagged: bool = False,
) -> list[MentionRow]:
    """The newest stored mentions first (by tweet time, then id); at most `limit`.

    Keyset paging (`bot.store.paging`): `before` (a page's `cursor_after`) continues with the
    mentions older than that page, `after` (a page's `cursor_before`) gives the `limit` just newer
    (the first page if it reaches the newest). `unflagged` leaves out mentions that have a triage
    item. A text that is not such a cursor is ignored (the newest page).
    """
    return page_mentions(session, limit=limit, before=before, after=after, unflagged=unflagged).rows


def page_mentions(
    session: Session, *, limit: int = DEFAULT_LIMIT, before: str | None = None, after: str | None = None,
    unflagged: bool = False,
) -> KeysetPage[MentionRow]:
    """`recent_mentions` as a page (`bot.store.paging`) that also says whether newer and older mentions exist.

    `more_after` is exact when reading older (one row over `limit` is read), so a page of exactly
    `limit` mentions is known to be the last; `more_before` is exact when reading `after`, else
    whether the page starts from a cursor. `cursor_before`/`cursor_after` read the newer/older page.
    """
    stmt = (
        select(Mention, Author, Classification, TriageItem)
        .join(Author, col(Author.id) == col(Mention.author_id), isouter=True)
        .join(Classification, col(Classification.mention_id) == col(Mention.id), isouter=True)
        .join(TriageItem, col(TriageItem.mention_id) == col(Mention.id), isouter=True)
    )
    if unflagged:
        stmt = stmt.where(col(TriageItem.id).is_(None))
    keyset = Keyset(order=(col(Mention.created_at), col(Mention.id)), descending=True, limit=limit)
    keyset = keyset.from_cursors(forward=before, backward=after)
    return keyset.read(stmt, lambda page: [
        MentionRow(mention=m, username=a.username if a is not None else m.author_id, verdict=c, item=i)
        for m, a, c, i in session.exec(page)
    ], key=lambda row: (row.mention.created_at, row.mention.id))


def flag_notes(session: Session, item_ids: Sequence[int]) -> dict[int, str]:
    """For items a person flagged (`flag_mention`): who flagged it and why ("flagged by sam: note"), by item id."""
    stmt = (select(TriageAction).where(col(TriageAction.action) == FLAGGED)
            .where(col(TriageAction.item_id).in_(list(item_ids))).order_by(col(TriageAction.id)))
    return {a.item_id: a.detail for a in session.exec(stmt)}


def parse_flag_severity(value: str | None) -> Severity:
    """The severity a person chose (medium when none); an unknown one is a `ValueError`, never a silent medium."""
    if value is None or not value.strip():
        return Severity.MEDIUM
    try:
        return Severity(value.strip().lower())
    except ValueError:
        raise ValueError(f"severity must be one of {', '.join(s.value for s in Severity)}, got {value!r}") from None


def _item_of(session: Session, mention_id: str) -> TriageItem | None:
    return session.exec(select(TriageItem).where(col(TriageItem.mention_id) == mention_id)).first()


def _already_flagged(mention_id: str, item: TriageItem | None) -> TriageConflictError:
    which = f"triage item {item.id} ({item.status})" if item is not None else "a triage item"
    return TriageConflictError(f"mention {mention_id} already has {which}")


def flag_mention(
    session: Session,
    *,
    mention_id: str,
    actor: str,
    now: datetime,
    severity: str | None = None,
    note: str = "",
) -> TriageItem:
    """Put a mention the detector did not flag in the triage queue, as `actor` says it is a complaint.

    The NEW item is opened by the listener's routing (`open_triage_item`: SLA due per severity,
    'created' history and audit rows, here by `actor`), with the detector's score (0 if the
    mention was never classified). A 'flagged' row keeps who and why, and a complaint
    `TrainingLabel` is stored as `queue.label` does, so the next training learns to flag such
    mentions. Raises `TriageNotFoundError` for an unknown mention, `TriageConflictError` naming the
    item when the mention already has one, `ValueError` for an unknown severity. Not committed.
    """
    sev = parse_flag_severity(severity)
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise TriageNotFoundError(f"no mention {mention_id}")
    existing = _item_of(session, mention_id)
    if existing is not None:
        raise _already_flagged(mention_id, existing)
    verdict = session.exec(select(Classification).where(col(Classification.mention_id) == mention_id)).first()
    try:
        with session.begin_nested():  # another person flagging it at the same moment loses on the unique index
            item = open_triage_item(session, mention_id=mention.id, author_id=mention.author_id, severity=sev.value,
                                    score=verdict.score if verdict is not None else 0.0, now=now, actor=actor)
    except IntegrityError:
        raise _already_flagged(mention_id, _item_of(session, mention_id)) from None
    note = note.strip()
    record(session, item, actor=actor, action=FLAGGED, detail=f"flagged by {actor}" + (f": {note}" if note else ""),
           now=now)
    queue.label(session, item_id=item.id or 0, label=TriageLabel.COMPLAINT.value, actor=actor, now=now)
    return get_item(session, item.id or 0)
