"""bot/triage/learning.py on both stores: CSV examples persist across trainings, and a minimum of examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from structlog.testing import capture_logs

from bot.errors import ValidationError
from bot.settings import Settings
from bot.store.coordination import acquire_lease, release_lease
from bot.store.db import session_scope
from bot.store.models import AuditLog, Author, Classification, DetectorModel, Mention, TrainingLabel
from bot.triage.learning import (
    MIN_PER_CLASS,
    example_key,
    load_detector,
    new_labels_since_last_model,
    retrain_if_needed,
    scheduled_retrain,
    stored_examples,
    train_detector,
)
from bot.triage.mentions import flag_mention

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
#: What the CSV teaches and staff labels never mention: kits called "qwzx" are complaints, "plmk" kits are not.
TAUGHT, UNTAUGHT = "the qwzx kit came today", "the plmk kit came today"


def _csv(path: Path, complaints: int, others: int, *, header: str = "text,label") -> Path:
    lines = [header]
    lines += [f"the qwzx kit {i} came today,1" for i in range(complaints)]
    lines += [f"the plmk kit {i} came today,0" for i in range(others)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _staff_labels(session: Session, complaints: int, others: int, *, at: datetime) -> None:
    """Labels staff gave in triage: one mention each (texts unrelated to the CSV's)."""
    if session.get(Author, "7") is None:
        session.add(Author(id="7", username="ada", first_seen_at=at, last_seen_at=at))
        session.flush()
    start = len(session.exec(select(Mention)).all())
    for n in range(complaints + others):
        label = 1 if n < complaints else 0
        text = f"@brandbot refund {n} still missing, awful" if label else f"@brandbot thanks for trip {n}, lovely"
        mention = Mention(id=str(start + n + 1), author_id="7", text=text, created_at=at, seen_at=at)
        session.add(mention)
        session.flush()
        session.add(TrainingLabel(mention_id=mention.id, text=text, label=label, actor="agent", created_at=at))
    session.flush()


def _score(session: Session, model_id: int | None, text: str) -> float:
    return load_detector(session, model_id).classify(text).score


class TestMinimumExamples:
    def test_two_examples_are_refused(self, session: Session, tmp_path: Path) -> None:
        """Training on one complaint and one non-complaint is refused with the counts; no model is stored."""
        with pytest.raises(ValidationError) as caught:
            train_detector(session, now=NOW, actor="cli", csv_path=_csv(tmp_path / "two.csv", 1, 1))
        assert caught.value.reason == (
            f"training needs at least {MIN_PER_CLASS} complaints and {MIN_PER_CLASS} non-complaints; "
            "have 1 and 1 (0 staff labels, 2 CSV examples)"
        )
        assert session.exec(select(DetectorModel)).all() == []

    def test_one_short_of_the_minimum_per_class(self, session: Session, tmp_path: Path) -> None:
        """Plenty of complaints do not make up for too few non-complaints."""
        with pytest.raises(ValidationError, match="have 30 and 9 "):
            train_detector(session, now=NOW, actor="cli", csv_path=_csv(tmp_path / "l.csv", 30, MIN_PER_CLASS - 1))

    def test_the_minimum_trains(self, session: Session, tmp_path: Path) -> None:
        """Exactly the minimum of each class trains a model."""
        row = train_detector(session, now=NOW, actor="cli",
                             csv_path=_csv(tmp_path / "l.csv", MIN_PER_CLASS, MIN_PER_CLASS))
        assert (row.n_examples, row.n_labels) == (2 * MIN_PER_CLASS, 0)

    def test_nothing_stored(self, session: Session) -> None:
        """With no labels and no CSV, the message says there is nothing to train on."""
        with pytest.raises(ValidationError, match=r"^nothing to train on: no staff labels or CSV examples stored"):
            train_detector(session, now=NOW, actor="cli")

    def test_scheduled_retrain_skips_with_a_warning(self, session: Session) -> None:
        """Below the minimum the scheduled retrain stores nothing, logs a warning and does not raise."""
        _staff_labels(session, 3, 2, at=NOW)
        with capture_logs() as logs:
            result = retrain_if_needed(session, settings=Settings(retrain_min_new_labels=5), now=NOW)
        assert result is None
        assert session.exec(select(DetectorModel)).all() == []
        assert logs == [{
            "event": "detector.retrain_skipped",
            "log_level": "warning",
            "new_labels": 5,
            "reason": "training needs at least 10 complaints and 10 non-complaints; have 3 and 2 "
                      "(5 staff labels, 0 CSV examples)",
        }]


class TestScheduledRetrain:
    def test_bots_sharing_a_database_train_the_new_labels_once(self, engine: Engine) -> None:
        """While another bot holds the retrain lease the job trains nothing; once it is free, one model is stored."""
        settings = Settings(retrain_min_new_labels=20)
        with session_scope(engine) as session:
            _staff_labels(session, 10, 10, at=NOW)
            assert acquire_lease(session, name="retrain", owner="otherhost:4242", ttl_seconds=900, now=NOW)
        with capture_logs() as logs:
            assert scheduled_retrain(engine, settings=settings, now=NOW, worker_id="thishost:1") is None
        assert logs == [{"event": "detector.retrain_busy", "log_level": "info",
                         "reason": "another process is training"}]
        with session_scope(engine) as session:
            release_lease(session, name="retrain", owner="otherhost:4242")
        first = scheduled_retrain(engine, settings=settings, now=NOW, worker_id="thishost:1")
        again = scheduled_retrain(engine, settings=settings, now=NOW, worker_id="otherhost:4242")
        with Session(engine) as session:
            models = session.exec(select(DetectorModel)).all()
        assert (first is not None, again, [(m.n_examples, m.created_by) for m in models]) == (
            True, None, [(20, "system")])


class TestCsvExamplesPersist:
    def test_scheduled_retrain_keeps_what_the_csv_taught(self, session: Session, tmp_path: Path) -> None:
        """After `train --csv`, a scheduled retrain on new staff labels still learns from the CSV's examples."""
        first = train_detector(session, now=NOW, actor="cli", csv_path=_csv(tmp_path / "kits.csv", 12, 12))
        assert (first.n_examples, first.n_labels) == (24, 0)
        assert _score(session, None, TAUGHT) < 0.1  # the shipped model knows nothing of qwzx kits
        assert _score(session, first.id, TAUGHT) > 0.9
        later = NOW + timedelta(days=1)
        _staff_labels(session, 10, 10, at=later)
        retrained = retrain_if_needed(session, settings=Settings(retrain_min_new_labels=20), now=later)
        assert retrained is not None
        assert (retrained.n_examples, retrained.n_labels) == (44, 20)
        assert _score(session, retrained.id, TAUGHT) > 0.9
        assert _score(session, retrained.id, UNTAUGHT) < 0.1

    def test_csv_rows_are_training_labels_without_a_mention(self, session: Session, tmp_path: Path) -> None:
        """Each CSV example is a row with no mention id and `csv:<file name>` as its actor; the import is audited."""
        train_detector(session, now=NOW, actor="ops", csv_path=_csv(tmp_path / "kits.csv", 10, 10))
        rows = session.exec(select(TrainingLabel).order_by(col(TrainingLabel.id))).all()
        assert len(rows) == 20
        assert {(r.mention_id, r.actor, r.created_at) for r in rows} == {(None, "csv:kits.csv", NOW)}
        assert (rows[0].text, rows[0].label, rows[-1].text, rows[-1].label) == (
            "the qwzx kit 0 came today", 1, "the plmk kit 9 came today", 0)
        audit = session.exec(select(AuditLog).where(AuditLog.action == "training.csv_imported")).one()
        assert (audit.actor, audit.target, audit.detail) == ("ops", "csv:kits.csv", "20 new examples, 0 already stored")

    def test_reimport_does_not_duplicate(self, session: Session, tmp_path: Path) -> None:
        """The same file again, even moved and with other spacing or case, adds nothing."""
        train_detector(session, now=NOW, actor="cli", csv_path=_csv(tmp_path / "kits.csv", 10, 10))
        moved = tmp_path / "elsewhere"
        moved.mkdir()
        again = _csv(moved / "kits.csv", 10, 10)
        again.write_text(again.read_text(encoding="utf-8").replace("the qwzx", "The  QWZX"), encoding="utf-8")
        second = train_detector(session, now=NOW + timedelta(hours=1), actor="cli", csv_path=again)
        assert len(session.exec(select(TrainingLabel)).all()) == 20
        assert (second.n_examples, second.n_labels) == (20, 0)

    def test_a_changed_label_is_a_new_row_that_wins(self, session: Session, tmp_path: Path) -> None:
        """Relabelling an example in the file adds one row, and training uses the new label only."""
        path = _csv(tmp_path / "kits.csv", 10, 11)
        train_detector(session, now=NOW, actor="cli", csv_path=path)
        relabelled = path.read_text(encoding="utf-8").replace("plmk kit 10 came today,0", "plmk kit 10 came today,1")
        path.write_text(relabelled, encoding="utf-8")
        row = train_detector(session, now=NOW + timedelta(hours=1), actor="cli", csv_path=path)
        assert len(session.exec(select(TrainingLabel)).all()) == 22
        assert row.n_examples == 21
        examples = stored_examples(session)
        assert (examples.labels.count(1), examples.labels.count(0), examples.n_csv) == (11, 10, 21)

    def test_another_file_with_the_same_text_is_its_own_source(self, session: Session, tmp_path: Path) -> None:
        """Dedupe is per source: the same texts in a differently named file are stored again."""
        train_detector(session, now=NOW, actor="cli", csv_path=_csv(tmp_path / "a.csv", 10, 10))
        row = train_detector(session, now=NOW, actor="cli", csv_path=_csv(tmp_path / "b.csv", 10, 10))
        assert row.n_examples == 40

    def test_csv_rows_are_not_new_staff_labels(self, session: Session, tmp_path: Path) -> None:
        """Only staff labels count towards the scheduled retrain's threshold."""
        train_detector(session, now=NOW, actor="cli", csv_path=_csv(tmp_path / "kits.csv", 10, 10))
        _staff_labels(session, 2, 1, at=NOW + timedelta(minutes=5))
        assert new_labels_since_last_model(session) == 3


#: A complaint the detector missed (no complaint words it knows), flagged by a person from the mentions list.
MISSED = "@brandbot the zorblax hinge snapped off on day two"


class TestFlaggedMentions:
    def test_a_flagged_mention_is_a_staff_complaint_example_that_training_uses(self, session: Session) -> None:
        """9 complaint labels are one short; flagging a missed complaint makes the 10th and the retrain runs on it."""
        _staff_labels(session, MIN_PER_CLASS - 1, MIN_PER_CLASS, at=NOW)
        assert retrain_if_needed(session, settings=Settings(retrain_min_new_labels=1), now=NOW) is None
        later = NOW + timedelta(hours=1)
        session.add(Mention(id="900", author_id="7", text=MISSED, created_at=later, seen_at=later))
        session.flush()
        session.add(Classification(mention_id="900", complaint=False, score=0.2, severity="low", reasons=[],
                                   created_at=later))
        flag_mention(session, mention_id="900", actor="sam", now=later, note="broken hardware")
        examples = stored_examples(session)
        assert (examples.texts[-1], examples.labels[-1], examples.n_staff) == (MISSED, 1, 2 * MIN_PER_CLASS)
        assert new_labels_since_last_model(session) == 2 * MIN_PER_CLASS
        model = retrain_if_needed(session, settings=Settings(retrain_min_new_labels=1), now=later)
        assert model is not None
        assert (model.n_examples, model.n_labels) == (2 * MIN_PER_CLASS, 2 * MIN_PER_CLASS)
        assert load_detector(session, None).classify(MISSED).complaint is False
        assert load_detector(session, model.id).classify(MISSED).complaint is True


class TestExampleKey:
    def test_spacing_case_and_width_do_not_matter(self) -> None:
        """Texts differing only in spaces, case or compatibility forms are the same example."""
        assert example_key("  The  ＱＷＺＸ kit\tcame ") == example_key("the qwzx kit came") == "the qwzx kit came"

    def test_words_matter(self) -> None:
        """Different words are different examples."""
        assert example_key("kit 1 came") != example_key("kit 2 came")
