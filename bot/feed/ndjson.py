"""NDJSON input: lines pushed from a file or stdin, and a watched inbox directory.

One event object per line. Lines are split on `\\n` only (a `\\r` before it is dropped), so a
raw U+2028 inside a JSON string never splits a line. Blank lines are skipped; every other line
is accepted independently (`bot.feed.ingest.accept_event`): a bad line becomes a dead letter
whose reason names the file and line number, and the lines around it still go in.

The inbox (`INBOX_DIR`): a writer drops `<name>.ndjson` there — written elsewhere or under
another name (e.g. `<name>.ndjson.tmp`) and then renamed, so a half-written file is never
read. `scan_inbox`:

1. claims each `*.ndjson` by an atomic rename to `<name>.ndjson.<worker>.<unix time>.work`;
   of several processes scanning at once exactly one rename succeeds, and only that process
   reads the file. A claim older than `stale_after_seconds` (its process died) is re-claimed
   the same way;
2. stores every line in one transaction together with an audit row `inbox.file` holding the
   file's SHA-256, so a file whose lines were already committed (a crash just before the
   move) is not ingested twice;
3. after the commit, moves the file to `processed/` — or to `failed/` when any of its lines
   became a dead letter (the dead letters are in the database; the file is kept to look at).
   A name already taken there gets a time and hash suffix; nothing is overwritten.

If storing fails (e.g. the database is down) the file goes back to `<name>.ndjson` for the
next scan and the error is raised.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import structlog
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import Clock
from bot.feed.ingest import IngestResult, accept_event, count_by_status
from bot.render.renderer import Renderer
from bot.settings import Settings
from bot.store.coordination import audit
from bot.store.db import session_scope
from bot.store.models import AuditLog

log = structlog.get_logger()

INBOX_SOURCE = "inbox"
PROCESSED_DIR = "processed"
FAILED_DIR = "failed"
_WORK_SUFFIX = ".work"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True, slots=True)
class LineResult:
    """What became of one non-blank line (1-based line number)."""

    line: int
    result: IngestResult


@dataclass(frozen=True, slots=True)
class PushResult:
    """Every non-blank line's outcome, and how many blank lines were skipped."""

    lines: tuple[LineResult, ...]
    blank: int = 0

    @property
    def counts(self) -> dict[str, int]:
        """Lines per `IngestStatus` value (zeros included)."""
        return count_by_status([r.result for r in self.lines])

    @property
    def dead_letters(self) -> int:
        """Lines that became dead letters (invalid, or failed to render/queue)."""
        return sum(1 for r in self.lines if r.result.dead_lettered)


def split_lines(data: bytes) -> list[bytes]:
    """The lines of an NDJSON body: split on `\\n` only, a trailing `\\r` dropped.

    A UTF-8 byte-order mark opening the body (a file saved by a Windows editor) is dropped: kept, it
    made the first event a dead letter that `events retry` could never accept.
    """
    lines = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.removesuffix(b"\r") for line in lines]


def _blank(line: bytes | str) -> bool:
    return not (line.strip(b" \t\r\n") if isinstance(line, bytes) else line.strip(" \t\r\n"))


def push_lines(
    session: Session,
    lines: Iterable[bytes | str],
    *,
    source: str,
    now: datetime,
    renderer: Renderer,
    settings: Settings,
    label: str = "",
) -> PushResult:
    """Accept each non-blank line as one event (bad ones become dead letters naming `label` and the line)."""
    results: list[LineResult] = []
    blank = 0
    for number, raw in enumerate(lines, 1):
        line = raw.removesuffix("\n").removesuffix("\r") if isinstance(raw, str) else raw
        if _blank(line):
            blank += 1
            continue
        where = f"{label} line {number}" if label else f"line {number}"
        result = accept_event(session, line, source=source, now=now, renderer=renderer, settings=settings,
                              where=where)
        results.append(LineResult(number, result))
    push = PushResult(tuple(results), blank)
    log.info("ndjson.pushed", source=source, label=label, blank=blank, **push.counts)
    return push


@dataclass(frozen=True, slots=True)
class InboxFile:
    """One inbox file handled by a scan; `push` is None when its lines had already been stored."""

    name: str
    moved_to: Path | None
    push: PushResult | None


@dataclass(frozen=True, slots=True)
class InboxResult:
    """The files one scan handled, in the order it handled them."""

    files: tuple[InboxFile, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Lines per `IngestStatus` value over every file."""
        return count_by_status([r.result for f in self.files if f.push for r in f.push.lines])


def _work_parts(name: str) -> tuple[str, float] | None:
    """(original name, claim time) of a claimed file name, or None when it is not one."""
    if not name.endswith(_WORK_SUFFIX):
        return None
    parts = name.removesuffix(_WORK_SUFFIX).rsplit(".", 2)
    if len(parts) != 3 or not parts[0].endswith(".ndjson") or not parts[2].isdigit():
        return None
    return parts[0], float(parts[2])


def _claim(path: Path, original: str, tag: str, now: datetime) -> Path | None:
    target = path.with_name(f"{original}.{tag}.{int(now.timestamp())}{_WORK_SUFFIX}")
    try:
        os.rename(path, target)
    except FileNotFoundError:  # another process claimed it first
        return None
    return target


def _release(work: Path, original: str) -> None:
    """Put a claimed file back under its own name for the next scan (never over a newer file)."""
    try:
        os.link(work, work.with_name(original))
        os.unlink(work)
    except FileExistsError:
        log.warning("inbox.release_skipped", file=work.name, reason="a newer file has the same name")
    except FileNotFoundError:
        return


def _unique_destination(folder: Path, name: str, now: datetime, digest: str) -> Path:
    target = folder / name
    if not target.exists():
        return target
    stem = name.removesuffix(".ndjson")
    return folder / f"{stem}.{now.strftime('%Y%m%dT%H%M%S')}-{digest[:12]}.ndjson"


def _already_stored(session: Session, digest: str) -> bool:
    stmt = select(AuditLog.id).where(col(AuditLog.action) == "inbox.file", col(AuditLog.target) == f"sha256:{digest}")
    return session.exec(stmt.limit(1)).first() is not None


def _process(
    engine: Engine, original: str, work: Path, *, now: datetime, renderer: Renderer, settings: Settings, worker: str
) -> InboxFile | None:
    try:
        data = work.read_bytes()
    except FileNotFoundError:  # re-claimed by another process as stale
        return None
    digest = hashlib.sha256(data).hexdigest()
    push: PushResult | None = None
    with session_scope(engine) as session:
        if _already_stored(session, digest):
            log.info("inbox.already_stored", file=original, sha256=digest)
        else:
            push = push_lines(session, split_lines(data), source=INBOX_SOURCE, now=now, renderer=renderer,
                              settings=settings, label=original)
            summary = ", ".join(f"{n} {status}" for status, n in push.counts.items() if n)
            audit(session, at=now, actor=f"inbox:{worker}", action="inbox.file", target=f"sha256:{digest}",
                  detail=f"{original}: {summary or 'no lines'}")
    assert settings.inbox_dir is not None
    folder = settings.inbox_dir / (FAILED_DIR if push is not None and push.dead_letters else PROCESSED_DIR)
    destination = _unique_destination(folder, original, now, digest)
    try:
        os.rename(work, destination)
    except FileNotFoundError:
        log.warning("inbox.move_lost", file=original, reason="the claimed file disappeared after its lines were stored")
        return InboxFile(original, None, push)
    log.info("inbox.file", file=original, moved_to=str(destination), **(push.counts if push else {}))
    return InboxFile(original, destination, push)


def scan_inbox(
    engine: Engine,
    *,
    settings: Settings,
    renderer: Renderer,
    clock: Clock,
    worker: str,
    stale_after_seconds: float = 900.0,
) -> InboxResult:
    """Claim, store and file away every `*.ndjson` in `settings.inbox_dir` (nothing to do when unset).

    Safe to run every few seconds from several processes: a file is read by exactly one of them.
    """
    inbox = settings.inbox_dir
    if inbox is None:
        return InboxResult()
    for folder in (inbox, inbox / PROCESSED_DIR, inbox / FAILED_DIR):
        folder.mkdir(parents=True, exist_ok=True)
    now = clock.now()
    tag = _UNSAFE.sub("_", worker) or "worker"
    claimed: list[tuple[str, Path]] = []
    for path in sorted(inbox.glob(f"*.ndjson.*{_WORK_SUFFIX}")):
        parts = _work_parts(path.name)
        if parts is None or now.timestamp() - parts[1] < stale_after_seconds:
            continue
        work = _claim(path, parts[0], tag, now)
        if work is not None:
            log.warning("inbox.reclaimed", file=parts[0], previous_claim=path.name)
            claimed.append((parts[0], work))
    for path in sorted(inbox.glob("*.ndjson")):
        if path.is_file():
            work = _claim(path, path.name, tag, now)
            if work is not None:
                claimed.append((path.name, work))
    done: list[InboxFile] = []
    for index, (original, work) in enumerate(claimed):
        try:
            handled = _process(engine, original, work, now=now, renderer=renderer, settings=settings, worker=worker)
        except BaseException:
            for name, path in claimed[index:]:
                _release(path, name)
            raise
        if handled is not None:
            done.append(handled)
    return InboxResult(tuple(done))
