"""`brandbot model ...` and `brandbot classify`: train the complaint detector, try it on texts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from sqlmodel import col, select

from bot.cli.context import emit, handled, local_time, make_app, person
from bot.csvfile import read_csv_rows
from bot.store.models import DetectorModel
from bot.triage.learning import train_detector

app = typer.Typer(no_args_is_help=True)


@app.command("train")
def train_cmd(
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Extra labelled examples (CSV, header row).")] = None,
    text_col: str = typer.Option("text", "--text-col", help="CSV column holding the text."),
    label_col: str = typer.Option("label", "--label-col", help="CSV column holding 1/0 (or complaint/not-complaint)."),
    actor: str = typer.Option("cli", "--as", help="Who trained it (recorded).", callback=person),
) -> None:
    """Fit a detector on the staff labels and stored CSV examples (storing --csv's first); every process uses it."""
    with handled():
        bot = make_app()
        with bot.session() as session:
            row = train_detector(session, now=bot.clock.now(), actor=actor, csv_path=csv_path, text_col=text_col,
                                 label_col=label_col)
        typer.echo(f"model {row.id} trained ({row.version}) on {row.n_examples} examples: "
                   f"{row.n_labels} staff labels, {row.n_examples - row.n_labels} CSV examples")


@app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Trained models, newest first (the first is in use), with their examples: staff labels + CSV examples."""
    with handled():
        bot = make_app()
        fmt = local_time(bot)
        with bot.session() as session:
            models = session.exec(select(DetectorModel).order_by(col(DetectorModel.created_at).desc(),
                                                                 col(DetectorModel.id).desc()))
            rows = [{"id": m.id, "version": m.version, "examples": m.n_examples, "labels": m.n_labels,
                     "csv_examples": m.n_examples - m.n_labels, "created_at": m.created_at,
                     "trained": fmt(m.created_at), "by": m.created_by} for m in models]
        emit(rows, ("id", "version", "examples", "labels", "csv_examples", "trained", "by"), as_json=as_json,
             empty="(no trained model: the shipped default is in use)")


def _stdin_texts(stdin: BinaryIO) -> list[str]:
    """One text per input line, blank lines included (scored as empty text, like an empty CSV cell).

    Each line is decoded on its own with undecodable bytes replaced, so one bad byte costs one
    character, not the batch.
    """
    texts = []
    for raw in stdin:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        texts.append(line if line.strip() else "")
    return texts


def _texts(csv_path: Path | None, text_col: str) -> list[str]:
    if csv_path is None:
        return _stdin_texts(sys.stdin.buffer)
    return [row.values.get(text_col, "") for row in read_csv_rows(csv_path, columns=(text_col,))]


def classify_cmd(
    csv_path: Annotated[Path | None, typer.Option("--csv", help="Classify this CSV (else stdin lines).")] = None,
    text_col: str = typer.Option("text", "--text-col", help="CSV column holding the text."),
) -> None:
    """One JSON line per input, in input order: complaint, score, severity, reasons (newest trained model)."""
    with handled():
        texts = _texts(csv_path, text_col)
        bot = make_app()
        with bot.session() as session:
            detector = bot.detector(session)
        for verdict in detector.classify_many(texts):
            line = {"complaint": verdict.complaint, "score": verdict.score, "severity": verdict.severity,
                    "reasons": list(verdict.reasons)}
            typer.echo(json.dumps(line, ensure_ascii=False))
