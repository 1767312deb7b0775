"""bot.listen.complaints: the detector's verdict counts unless a person labelled the mention otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.domain import TriageLabel
from bot.listen.complaints import StaffCorrections, is_complaint, staff_corrections, with_verdicts
from bot.store.db import session_scope
from bot.store.models import Author, Classification, Mention
from bot.triage import queue
from bot.triage.mentions import flag_mention
from bot.triage.routing import open_triage_item

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def seed(session: Session, verdicts: dict[str, bool | None]) -> dict[str, int]:
    """Mentions by one author with the detector's verdict (None: never classified); the detector's complaints
    get a triage item, as the listener opens them. Returns item ids by mention id."""
    if session.get(Author, "7") is None:
        session.add(Author(id="7", username="ada", first_seen_at=NOW, last_seen_at=NOW))
        session.flush()
    for mention_id in verdicts:
        session.add(Mention(id=mention_id, author_id="7", text=f"@brandbot post {mention_id}", created_at=NOW,
                            seen_at=NOW))
    session.flush()
    items: dict[str, int] = {}
    for mention_id, complaint in verdicts.items():
        if complaint is None:
            continue
        session.add(Classification(mention_id=mention_id, complaint=complaint, score=0.9 if complaint else 0.1,
                                   severity="high" if complaint else "low", reasons=[], created_at=NOW))
        if complaint:
            items[mention_id] = open_triage_item(session, mention_id=mention_id, author_id="7", severity="high",
                                                 score=0.9, now=NOW).id or 0
    session.flush()
    return items


def complaint_ids(session: Session) -> list[str]:
    stmt = with_verdicts(select(Mention.id)).where(is_complaint()).order_by(col(Mention.id))
    return list(session.exec(stmt))


class TestIsComplaint:
    def test_staff_label_wins_over_the_detector(self, engine: Engine) -> None:
        """Flagged by a person counts, labelled not-complaint does not, an unlabelled verdict stands."""
        with session_scope(engine) as session:
            items = seed(session, {"1": True, "2": True, "3": False, "4": False, "5": None})
            queue.label(session, item_id=items["2"], label=TriageLabel.NOT_COMPLAINT.value, actor="sam", now=NOW)
            flag_mention(session, mention_id="3", actor="sam", now=NOW)
            flag_mention(session, mention_id="5", actor="sam", now=NOW)
            assert complaint_ids(session) == ["1", "3", "5"]

    def test_the_latest_label_counts(self, engine: Engine) -> None:
        """A complaint labelled not-complaint, then complaint again, counts; a flag taken back does not."""
        with session_scope(engine) as session:
            items = seed(session, {"1": True, "2": False})
            queue.label(session, item_id=items["1"], label="not-complaint", actor="sam", now=NOW)
            queue.label(session, item_id=items["1"], label="complaint", actor="kim", now=NOW)
            flagged = flag_mention(session, mention_id="2", actor="sam", now=NOW)
            queue.label(session, item_id=flagged.id or 0, label="not-complaint", actor="kim", now=NOW)
            assert complaint_ids(session) == ["1"]


class TestStaffCorrections:
    def test_counts_where_staff_disagree_with_the_detector(self, engine: Engine) -> None:
        """Two flags (one on a never-classified mention) are added, one not-complaint removed; agreeing labels
        and flags taken back change nothing."""
        with session_scope(engine) as session:
            items = seed(session, {"1": True, "2": True, "3": False, "4": None, "5": False})
            queue.label(session, item_id=items["1"], label="complaint", actor="sam", now=NOW)
            queue.label(session, item_id=items["2"], label="not-complaint", actor="sam", now=NOW)
            flag_mention(session, mention_id="3", actor="sam", now=NOW)
            flag_mention(session, mention_id="4", actor="sam", now=NOW)
            taken_back = flag_mention(session, mention_id="5", actor="sam", now=NOW)
            queue.label(session, item_id=taken_back.id or 0, label="not-complaint", actor="sam", now=NOW)
            assert staff_corrections(session) == StaffCorrections(added=2, removed=1)

    def test_none_without_labels(self, engine: Engine) -> None:
        """The detector's items, unlabelled, are no correction."""
        with session_scope(engine) as session:
            seed(session, {"1": True, "2": False})
            assert staff_corrections(session) == StaffCorrections(added=0, removed=0)
