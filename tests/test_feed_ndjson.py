"""bot.feed.ndjson: pushed lines and the watched inbox (claims, moves, crash recovery, two workers)."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.clock import ManualClock
from bot.feed.ingest import IngestStatus
from bot.feed.ndjson import push_lines, scan_inbox, split_lines
from bot.render.renderer import Renderer
from bot.settings import Settings
from bot.store.db import make_engine
from bot.store.models import AuditLog, DeadLetter, Post
from bot.store.models import Event as EventRow

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _line(event_id: str, subject: str = "ice") -> str:
    return json.dumps({"id": event_id, "type": "camera.image", "occurred_at": "2026-03-01T11:00:00Z",
                       "data": {"camera": "arm", "subject": subject}})


def _count(session: Session, model: type[EventRow] | type[DeadLetter] | type[Post]) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(TEMPLATES, "mars-phoenix")


@pytest.fixture
def inbox_settings(tmp_path: Path) -> Settings:
    return Settings(template_dir=TEMPLATES, persona="mars-phoenix", inbox_dir=tmp_path / "inbox")


class TestSplitLines:
    def test_splits_on_newline_only(self) -> None:
        """CRLF and LF end lines; U+2028 inside a JSON string does not; a final newline adds no line."""
        data = '{"a": "x\u2028y"}\r\n\n{"b": 1}\n'.encode()
        assert split_lines(data) == ['{"a": "x\u2028y"}'.encode(), b"", b'{"b": 1}']

    def test_a_byte_order_mark_is_dropped(self) -> None:
        """A UTF-8 byte-order mark opening the file is not part of the first line; one later in the file is kept."""
        data = b'\xef\xbb\xbf{"a": 1}\r\n\xef\xbb\xbf{"b": 2}\r\n'
        assert split_lines(data) == [b'{"a": 1}', b'\xef\xbb\xbf{"b": 2}']


class TestPushLines:
    def test_each_line_is_independent(self, session: Session, clock: ManualClock, renderer: Renderer) -> None:
        """Good lines are queued, blank lines skipped, bad lines dead-lettered with their line number."""
        lines = [_line("a"), "", "{oops", _line("a"), b"\xff\xfe", _line("b")]
        push = push_lines(session, lines, source="ndjson", now=clock.now(), renderer=renderer,
                          settings=Settings(template_dir=TEMPLATES), label="batch.ndjson")
        session.commit()
        assert [(r.line, r.result.status) for r in push.lines] == [
            (1, IngestStatus.QUEUED), (3, IngestStatus.DEAD_LETTER), (4, IngestStatus.DUPLICATE),
            (5, IngestStatus.DEAD_LETTER), (6, IngestStatus.QUEUED)]
        assert [r.result.reason for r in push.lines if r.result.dead_lettered] == [
            "batch.ndjson line 3: line is not valid JSON: Expecting property name enclosed in double quotes "
            "at column 2",
            "batch.ndjson line 5: input is not UTF-8 (byte 0)",
        ]
        assert (push.blank, push.dead_letters, push.counts["queued"], push.counts["duplicate"]) == (1, 2, 2, 1)
        letters = list(session.exec(select(DeadLetter).order_by(DeadLetter.id)))  # type: ignore[arg-type]
        assert [letter.raw for letter in letters] == ["{oops", "\\xff\\xfe"]

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(lines=st.lists(st.one_of(
        st.builds(_line, st.sampled_from(["e1", "e2", "e3", "bad id"]), st.text(max_size=30)),
        st.text(max_size=40).map(lambda s: s.replace("\n", " ")),
        st.binary(max_size=30).map(lambda b: b.replace(b"\n", b" ")),
        st.just(""),
    ), max_size=8))
    def test_nothing_received_is_lost(self, engine: Engine, clock: ManualClock, lines: list[str | bytes]) -> None:
        """Every non-blank line is one result: a new event, a dead letter or a duplicate of an earlier one."""
        renderer = Renderer(TEMPLATES, "mars-phoenix")
        with Session(engine) as session:
            events_before, letters_before = _count(session, EventRow), _count(session, DeadLetter)
            push = push_lines(session, lines, source="fuzz", now=clock.now(), renderer=renderer,
                              settings=Settings(template_dir=TEMPLATES))
            session.commit()
            new_events = _count(session, EventRow) - events_before
            new_letters = _count(session, DeadLetter) - letters_before
        non_blank = sum(1 for line in lines if (line.strip(b" \t\r") if isinstance(line, bytes)
                                                else line.strip(" \t\r")))
        results = [r.result for r in push.lines]
        assert len(results) == non_blank
        assert push.blank == len(lines) - non_blank
        assert all(r.reason for r in results if r.dead_lettered)
        # a repeat of a failed event within the batch reuses that event's open dead letter
        assert new_letters == len({r.dead_letter_id for r in results if r.dead_lettered})
        stored = {r.event_id for r in results if r.status not in (IngestStatus.DEAD_LETTER, IngestStatus.DUPLICATE)}
        assert new_events == len(stored)


class TestScanInbox:
    def test_files_are_stored_and_filed_away(self, engine: Engine, clock: ManualClock, renderer: Renderer,
                                             inbox_settings: Settings) -> None:
        """A clean file goes to processed/, one with a bad line to failed/; partial writes are ignored."""
        inbox = inbox_settings.inbox_dir
        assert inbox is not None
        inbox.mkdir()
        (inbox / "good.ndjson").write_text(_line("a") + "\n" + _line("b") + "\n", encoding="utf-8")
        (inbox / "mixed.ndjson").write_text(_line("c") + "\nnot json\n", encoding="utf-8")
        (inbox / "partial.ndjson.tmp").write_text(_line("d"), encoding="utf-8")
        result = scan_inbox(engine, settings=inbox_settings, renderer=renderer, clock=clock, worker="host:1")
        assert [(f.name, f.moved_to) for f in result.files] == [
            ("good.ndjson", inbox / "processed" / "good.ndjson"), ("mixed.ndjson", inbox / "failed" / "mixed.ndjson")]
        assert (result.counts["queued"], result.counts["dead_letter"]) == (3, 1)
        assert sorted(p.name for p in inbox.iterdir()) == ["failed", "partial.ndjson.tmp", "processed"]
        with Session(engine) as session:
            letter = session.exec(select(DeadLetter)).one()
            assert (letter.source, letter.reason) == (
                "inbox", "mixed.ndjson line 2: line is not valid JSON: Expecting value at column 1")
            assert _count(session, EventRow) == 3

    def test_same_name_again_is_not_overwritten(self, engine: Engine, clock: ManualClock, renderer: Renderer,
                                                inbox_settings: Settings) -> None:
        """A second file with a name already in processed/ is kept under a suffixed name."""
        inbox = inbox_settings.inbox_dir
        assert inbox is not None
        for event_id in ("a", "b"):
            inbox.mkdir(exist_ok=True)
            (inbox / "daily.ndjson").write_text(_line(event_id), encoding="utf-8")
            scan_inbox(engine, settings=inbox_settings, renderer=renderer, clock=clock, worker="w")
        assert len(list((inbox / "processed").iterdir())) == 2

    def test_a_file_already_stored_is_only_moved(self, engine: Engine, clock: ManualClock, renderer: Renderer,
                                                 inbox_settings: Settings) -> None:
        """After a crash between commit and move, the same file is recognised by its hash and not ingested twice."""
        inbox = inbox_settings.inbox_dir
        assert inbox is not None
        inbox.mkdir()
        content = "not json\n"
        (inbox / "x.ndjson").write_text(content, encoding="utf-8")
        scan_inbox(engine, settings=inbox_settings, renderer=renderer, clock=clock, worker="w")
        (inbox / "x.ndjson").write_text(content, encoding="utf-8")  # the same file shows up again
        result = scan_inbox(engine, settings=inbox_settings, renderer=renderer, clock=clock, worker="w")
        assert [(f.name, f.push) for f in result.files] == [("x.ndjson", None)]
        with Session(engine) as session:
            assert _count(session, DeadLetter) == 1
            assert session.exec(select(AuditLog.detail)).all() == ["x.ndjson: 1 dead_letter"]

    def test_stale_claims_are_taken_over_fresh_ones_left(self, engine: Engine, clock: ManualClock,
                                                         renderer: Renderer, inbox_settings: Settings) -> None:
        """A claim older than the stale limit (its process died) is re-claimed; a recent one is not touched."""
        inbox = inbox_settings.inbox_dir
        assert inbox is not None
        inbox.mkdir()
        now = int(clock.now().timestamp())
        (inbox / f"old.ndjson.dead_1.{now - 901}.work").write_text(_line("a"), encoding="utf-8")
        fresh = inbox / f"new.ndjson.busy_2.{now - 10}.work"
        fresh.write_text(_line("b"), encoding="utf-8")
        result = scan_inbox(engine, settings=inbox_settings, renderer=renderer, clock=clock, worker="w")
        assert [f.name for f in result.files] == ["old.ndjson"]
        assert fresh.exists()

    def test_database_failure_puts_the_file_back(self, clock: ManualClock, renderer: Renderer,
                                                 inbox_settings: Settings, tmp_path: Path) -> None:
        """When storing fails the file returns to the inbox under its own name and the error is raised."""
        inbox = inbox_settings.inbox_dir
        assert inbox is not None
        inbox.mkdir()
        (inbox / "x.ndjson").write_text(_line("a"), encoding="utf-8")
        unmigrated = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        with pytest.raises(Exception, match="no such table"):
            scan_inbox(unmigrated, settings=inbox_settings, renderer=renderer, clock=clock, worker="w")
        unmigrated.dispose()
        assert sorted(p.name for p in inbox.iterdir()) == ["failed", "processed", "x.ndjson"]

    def test_no_inbox_configured(self, engine: Engine, clock: ManualClock, renderer: Renderer) -> None:
        """Without INBOX_DIR a scan does nothing."""
        result = scan_inbox(engine, settings=Settings(template_dir=TEMPLATES), renderer=renderer, clock=clock,
                            worker="w")
        assert result.files == ()

    def test_two_workers_read_each_file_once(self, engine: Engine, clock: ManualClock,
                                             inbox_settings: Settings) -> None:
        """Two processes scanning together: every file is handled by exactly one of them."""
        inbox = inbox_settings.inbox_dir
        assert inbox is not None
        inbox.mkdir()
        for n in range(12):
            (inbox / f"f{n:02}.ndjson").write_text(_line(f"e{n}", subject=f"ice patch {n}") + "\n", encoding="utf-8")
        handled: list[list[str]] = [[], []]
        barrier = threading.Barrier(2)

        def work(slot: int) -> None:
            barrier.wait()
            result = scan_inbox(engine, settings=inbox_settings, renderer=Renderer(TEMPLATES, "mars-phoenix"),
                                clock=clock, worker=f"w{slot}")
            handled[slot] = [f.name for f in result.files]

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(handled[0] + handled[1]) == [f"f{n:02}.ndjson" for n in range(12)]
        with Session(engine) as session:
            assert (_count(session, EventRow), _count(session, Post)) == (12, 12)
        assert len(list((inbox / "processed").iterdir())) == 12

    def test_claim_time_is_in_the_name(self, engine: Engine, clock: ManualClock, renderer: Renderer,
                                       inbox_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
        """A claimed file carries the worker and the claim time, so staleness never depends on file times."""
        inbox = inbox_settings.inbox_dir
        assert inbox is not None
        inbox.mkdir()
        path = inbox / "a.ndjson"
        path.write_text(_line("a"), encoding="utf-8")
        os.utime(path, (0, 0))  # an ancient file is not a stale claim
        seen: list[str] = []
        real_rename = os.rename

        def spy(src: str | Path, dst: str | Path) -> None:
            seen.append(Path(dst).name)
            real_rename(src, dst)

        monkeypatch.setattr(os, "rename", spy)
        scan_inbox(engine, settings=inbox_settings, renderer=renderer, clock=clock, worker="host:7")
        stamp = int(datetime.fromisoformat("2026-03-01T12:00:00+00:00").timestamp())
        assert seen == [f"a.ndjson.host_7.{stamp}.work", "a.ndjson"]
