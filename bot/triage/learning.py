"""Learning from staff labels: train a brand-specific detector, store it, load the newest.

Every process uses the newest `DetectorModel` row (`bot.app.App.detector` caches it per row id),
so a model trained by one process is picked up by all of them on their next batch.
"""

from __future__ import annotations

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
from bot.store.coordination import audit
from bot.store.models import DetectorModel, TrainingLabel

if TYPE_CHECKING:
    from bot.classify.detector import Detector
    from bot.classify.rules import RuleSet

log = structlog.get_logger()

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

    `rules` is the brand's rule set (`RuleSet.for_brand(settings.detector_rules_file)`); None means the
    shipped rules alone.
    """
    from bot.classify.detector import Detector
    from bot.classify.model import LinearModel
    if model_id is None:
        return Detector.default(rules)
    row = session.get(DetectorModel, model_id)
    if row is None:
        raise ValidationError(f"no detector model {model_id}")
    return Detector.from_model(LinearModel.from_bytes(row.blob), rules)


def stored_examples(session: Session) -> Examples:
    """Every staff label; a mention labelled more than once counts with its newest label."""
    rows = session.exec(select(TrainingLabel).order_by(col(TrainingLabel.created_at), col(TrainingLabel.id)))
    by_key: dict[str, tuple[str, int]] = {}
    for row in rows:
        key = f"m:{row.mention_id}" if row.mention_id else f"l:{row.id}"
        by_key[key] = (row.text, 1 if row.label else 0)
    return Examples([t for t, _ in by_key.values()], [y for _, y in by_key.values()])


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
    """Fit a model on the stored labels plus an optional CSV; store it as the newest `DetectorModel` (not committed).

    Raises `ValidationError` when there is nothing to learn from (no examples, or only one class).
    """
    stored = stored_examples(session)
    texts, labels = list(stored.texts), list(stored.labels)
    if csv_path is not None:
        extra = read_csv_examples(csv_path, text_col=text_col or "text", label_col=label_col or "label")
        if not extra.texts:
            raise ValidationError(f"{csv_path}: no labelled rows")
        texts += extra.texts
        labels += extra.labels
    if not texts:
        raise ValidationError("nothing to train on: no staff labels stored and no CSV given")
    if len(set(labels)) < 2:
        raise ValidationError("training needs examples of both complaints and non-complaints")
    from bot.classify.detector import Detector
    from bot.classify.train import train

    model = train(texts, labels, base=Detector.default().model)
    row = DetectorModel(
        version=model.version,
        blob=model.to_bytes(),
        n_examples=len(texts),
        n_labels=len(stored.texts),
        created_at=now,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit(session, at=now, actor=actor, action="detector.trained", target=f"model:{row.id}",
          detail=f"{len(texts)} examples, {len(stored.texts)} staff labels, version {row.version}")
    log.info("detector.trained", model_id=row.id, version=row.version, examples=len(texts), labels=len(stored.texts))
    return row


def new_labels_since_last_model(session: Session) -> int:
    """Staff labels written after the newest model was trained (all of them if none was)."""
    model_id = latest_detector_model_id(session)
    stmt = select(func.count()).select_from(TrainingLabel)
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
