"""Learning from staff labels: train a brand-specific detector, store it, load the newest.

Every process uses the newest `DetectorModel` row (`bot.app.App.detector` caches it per row id),
so a model trained by one process is picked up by all of them on their next batch.

What a model learns from is always the `TrainingLabel` rows: staff labels (with a mention id) and
the examples of every CSV given to `brandbot model train --csv` (no mention id, `actor` is
`csv:<file name>`), so a later training, scheduled or by hand, keeps what a CSV taught. Importing
the same file again adds only rows whose text (compared by `example_key`) or label is new.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.csvfile import read_csv_rows
from bot.errors import ValidationError
from bot.settings import Settings
from bot.store.coordination import acquire_lease, audit, release_lease
from bot.store.db import session_scope
from bot.store.models import DetectorModel, TrainingLabel

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.classify.detector import Detector
    from bot.classify.rules import RuleSet

log = structlog.get_logger()

#: Fewest complaints, and fewest non-complaints, a model is trained on: below this a handful of labels
#: would move the scores of every unrelated text (two examples pushed them to 0.99).
MIN_PER_CLASS = 10
#: The lease the scheduled retrain holds while it trains, so bots sharing a database train new labels once.
RETRAIN_LEASE = "retrain"
#: How long it is held at most (longer than any training takes; a crashed holder's lease lapses).
RETRAIN_LEASE_SECONDS = 900.0
#: `TrainingLabel.actor` of the rows imported from a CSV file is this prefix and the file's name.
CSV_SOURCE_PREFIX = "csv:"

#: Spellings accepted in a CSV label column.
_TRUE = frozenset({"1", "true", "yes", "complaint", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "not-complaint", "not_complaint", "n", "f", "none"})


@dataclass(frozen=True, slots=True)
class Examples:
    """Texts with labels (1 complaint, 0 not)."""

    texts: list[str]
    labels: list[int]


def latest_detector_model_id(session: Session) -> int | None:
    """Id of the newest trained model, or None (the shipped default is used)."""
    stmt = select(DetectorModel.id).order_by(col(DetectorModel.created_at).desc(), col(DetectorModel.id).desc())
    return session.exec(stmt.limit(1)).first()


def load_detector(session: Session, model_id: int | None, rules: RuleSet | None = None) -> Detector:
    """The detector of model row `model_id` (the shipped default model when None) with `rules`.

    `rules` is the brand's rule set (`App.rules`: the shipped rules, then those of `DETECTOR_RULES_FILE`);
    None means the shipped rules alone.
    """
    from bot.classify.detector import Detector
    from bot.classify.model import LinearModel
    if model_id is None:
        return Detector.default(rules)
    row = session.get(DetectorModel, model_id)
    if row is None:
        raise ValidationError(f"no detector model {model_id}")
    return Detector.from_model(LinearModel.from_bytes(row.blob), rules)


def load_detector_or_default(session: Session, model_id: int | None, rules: RuleSet | None = None) -> Detector:
    """`load_detector`, but the shipped default (and an error log) when the stored model cannot be read.

    A corrupt row, or one of a feature set this version does not know, would otherwise fail every
    poll (no mention stored) and every `brandbot classify`.
    """
    from bot.classify.model import ModelFormatError
    try:
        return load_detector(session, model_id, rules)
    except ModelFormatError as exc:
        log.error("detector.model_unreadable", model_id=model_id, error=str(exc), using="shipped default")
        return load_detector(session, None, rules)


@dataclass(frozen=True, slots=True)
class StoredExamples(Examples):
    """Every stored example, and how many of them are staff labels (the rest came from CSV files)."""

    n_staff: int

    @property
    def n_csv(self) -> int:
        return len(self.texts) - self.n_staff


def example_key(text: str) -> str:
    """What makes two CSV texts the same example: Unicode-normalised, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def csv_source(path: Path) -> str:
    """The `TrainingLabel.actor` of rows imported from `path` (by file name, so a moved file is the same)."""
    return (CSV_SOURCE_PREFIX + path.name)[:100]


def _row_key(row: TrainingLabel) -> str:
    if row.mention_id:
        return f"m:{row.mention_id}"
    return f"c:{row.actor}\0{example_key(row.text)}"


def stored_examples(session: Session) -> StoredExamples:
    """Every stored example; a mention (or a CSV example) stored more than once counts with its newest label."""
    rows = session.exec(select(TrainingLabel).order_by(col(TrainingLabel.created_at), col(TrainingLabel.id)))
    by_key: dict[str, tuple[str, int]] = {}
    for row in rows:
        by_key[_row_key(row)] = (row.text, 1 if row.label else 0)
    staff = sum(1 for key in by_key if key.startswith("m:"))
    return StoredExamples([t for t, _ in by_key.values()], [y for _, y in by_key.values()], n_staff=staff)


def import_csv_examples(session: Session, examples: Examples, *, source: str, now: datetime, actor: str) -> int:
    """Store `examples` as `TrainingLabel` rows of `source` (no mention id), skipping those stored already.

    An example counts as stored when a row of the same source has the same `example_key` and label;
    a changed label is a new row (the newest counts). Within `examples`, the last of equal texts wins.
    Returns how many rows it added. Audited; not committed.
    """
    stored: dict[str, int] = {}
    for row in session.exec(select(TrainingLabel).where(col(TrainingLabel.mention_id).is_(None),
                                                        col(TrainingLabel.actor) == source)
                            .order_by(col(TrainingLabel.created_at), col(TrainingLabel.id))):
        stored[example_key(row.text)] = row.label
    given = {example_key(text): (text, label) for text, label in zip(examples.texts, examples.labels, strict=True)}
    added = 0
    for key, (text, label) in given.items():
        if stored.get(key) == label:
            continue
        session.add(TrainingLabel(mention_id=None, text=text, label=label, actor=source, created_at=now))
        added += 1
    session.flush()
    audit(session, at=now, actor=actor, action="training.csv_imported", target=source,
          detail=f"{added} new examples, {len(given) - added} already stored")
    return added


def _label(value: str, *, path: Path, line: int, column: str) -> int:
    v = value.strip().lower()
    if v in _TRUE:
        return 1
    if v in _FALSE:
        return 0
    raise ValidationError(f"{path}: line {line}: column {column!r} must be 1/0, true/false or "
                          f"complaint/not-complaint, got {value!r}")


def read_csv_examples(path: Path, *, text_col: str, label_col: str) -> Examples:
    """Labelled examples from a CSV file with a header row (rows with an empty text are skipped)."""
    texts: list[str] = []
    labels: list[int] = []
    for row in read_csv_rows(path, columns=(text_col, label_col)):
        text = row.values.get(text_col, "").strip()
        if not text:
            continue
        texts.append(text)
        labels.append(_label(row.values.get(label_col, ""), path=path, line=row.line, column=label_col))
    return Examples(texts, labels)


def train_detector(
    session: Session,
    *,
    now: datetime,
    actor: str,
    csv_path: Path | None = None,
    text_col: str | None = None,
    label_col: str | None = None,
) -> DetectorModel:
    """Fit a model on every stored example, after storing an optional CSV's; make it the newest `DetectorModel`.

    Not committed: when training is refused, the caller's rollback also drops the CSV's rows. Raises
    `ValidationError` when there is nothing to learn from, or fewer than `MIN_PER_CLASS` complaints or
    non-complaints.
    """
    if csv_path is not None:
        extra = read_csv_examples(csv_path, text_col=text_col or "text", label_col=label_col or "label")
        if not extra.texts:
            raise ValidationError(f"{csv_path}: no labelled rows")
        import_csv_examples(session, extra, source=csv_source(csv_path), now=now, actor=actor)
    stored = stored_examples(session)
    texts, labels = stored.texts, stored.labels
    if not texts:
        raise ValidationError("nothing to train on: no staff labels or CSV examples stored, and no CSV given")
    complaints, others = labels.count(1), labels.count(0)
    if min(complaints, others) < MIN_PER_CLASS:
        raise ValidationError(
            f"training needs at least {MIN_PER_CLASS} complaints and {MIN_PER_CLASS} non-complaints; "
            f"have {complaints} and {others} ({stored.n_staff} staff labels, {stored.n_csv} CSV examples)"
        )
    from bot.classify.detector import Detector
    from bot.classify.train import train

    model = train(texts, labels, base=Detector.default().model)
    row = DetectorModel(
        version=model.version,
        blob=model.to_bytes(),
        n_examples=len(texts),
        n_labels=stored.n_staff,
        created_at=now,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit(session, at=now, actor=actor, action="detector.trained", target=f"model:{row.id}",
          detail=f"{len(texts)} examples: {stored.n_staff} staff labels, {stored.n_csv} CSV examples; "
                 f"version {row.version}")
    log.info("detector.trained", model_id=row.id, version=row.version, examples=len(texts), labels=stored.n_staff,
             csv_examples=stored.n_csv)
    return row


def new_labels_since_last_model(session: Session) -> int:
    """Staff labels written after the newest model was trained (all of them if none was); CSV rows do not count."""
    model_id = latest_detector_model_id(session)
    stmt = select(func.count()).select_from(TrainingLabel).where(col(TrainingLabel.mention_id).is_not(None))
    if model_id is not None:
        model = session.get(DetectorModel, model_id)
        assert model is not None
        stmt = stmt.where(col(TrainingLabel.created_at) > model.created_at)
    return int(session.exec(stmt).one())


def retrain_if_needed(
    session: Session, *, settings: Settings, now: datetime, actor: str = "system"
) -> DetectorModel | None:
    """Train a new model when at least `retrain_min_new_labels` labels arrived since the last one."""
    fresh = new_labels_since_last_model(session)
    if fresh < settings.retrain_min_new_labels:
        return None
    try:
        return train_detector(session, now=now, actor=actor)
    except ValidationError as exc:
        log.warning("detector.retrain_skipped", reason=exc.reason, new_labels=fresh)
        return None


def scheduled_retrain(engine: Engine, *, settings: Settings, now: datetime, worker_id: str) -> DetectorModel | None:
    """The retrain job: `retrain_if_needed` in its own transaction while holding `RETRAIN_LEASE`.

    Several bots on one database run the job at the same moments; without the lease each one saw the
    same new labels and stored its own copy of the same model. A process that finds the lease held
    trains nothing; the next to take it counts the labels after the holder's model was committed.
    """
    with session_scope(engine) as session:
        if not acquire_lease(session, name=RETRAIN_LEASE, owner=worker_id, ttl_seconds=RETRAIN_LEASE_SECONDS,
                             now=now):
            log.info("detector.retrain_busy", reason="another process is training")
            return None
    try:
        with session_scope(engine) as session:
            return retrain_if_needed(session, settings=settings, now=now)
    finally:
        with session_scope(engine) as session:
            release_lease(session, name=RETRAIN_LEASE, owner=worker_id)
