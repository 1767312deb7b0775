"""bot.feed.ingest: validate, store once, render, queue — or keep a dead letter (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.crisis import set_crisis
from bot.feed.ingest import (
    DeadLetterNotFoundError,
    DeadLetterStateError,
    IngestStatus,
    accept_event,
    list_dead_letters,
    list_events,
    retry_dead_letter,
)
from bot.render.renderer import Renderer
from bot.settings import Settings
from bot.store.models import AuditLog, DeadLetter, Post
from bot.store.models import Event as EventRow
from bot.text.entities import find_cashtags, find_mentions
from bot.text.urls import find_urls

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SETTINGS = Settings(template_dir=TEMPLATES, persona="mars-phoenix")
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _raw(event_id: str = "img-1", event_type: str = "camera.image", **data: object) -> dict[str, object]:
    return {"id": event_id, "type": event_type, "occurred_at": "2026-03-01T11:00:00Z",
            "data": data or {"camera": "robotic arm", "subject": "ice"}}


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(TEMPLATES, "mars-phoenix")


def _persona(root: Path, camera_template: str) -> Renderer:
    folder = root / "p"
    folder.mkdir(exist_ok=True)
    (folder / "persona.toml").write_text('name = "P"\nhandle = "p"\n', encoding="utf-8")
    (folder / "camera.image.j2").write_text(camera_template, encoding="utf-8")
    return Renderer(root, "p")


def _count(session: Session, model: type[EventRow] | type[DeadLetter] | type[Post]) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


class TestAcceptEvent:
    def test_valid_event_is_stored_and_queued(self, session: Session, clock: ManualClock,
                                              renderer: Renderer) -> None:
        """A valid event becomes an Event row and one scheduled post in the persona's voice."""
        result = accept_event(session, _raw(), source="webhook", now=clock.now(), renderer=renderer,
                              settings=SETTINGS)
        session.commit()
        assert (result.status, result.event_id, result.reason, result.dead_letter_id) == (
            IngestStatus.QUEUED, "img-1", "", None)
        post = session.get(Post, result.post_ids[0])
        assert post is not None
        assert (post.kind, post.state, post.event_id, post.template, post.variant, post.priority) == (
            "event", "scheduled", "img-1", "camera.image.j2", 0, 5)
        assert post.text == "My robotic arm camera got some great shots of ice. Is that ice right there? #Mars #Phoenix"
        event = session.get(EventRow, "img-1")
        assert event is not None
        assert (event.status, event.source, event.type, event.data) == (
            "queued", "webhook", "camera.image", {"camera": "robotic arm", "subject": "ice"})

    def test_transport_source_wins_over_the_claimed_one(self, session: Session, clock: ManualClock,
                                                        renderer: Renderer) -> None:
        """The event's own `source` field is replaced by the transport's, so approval by source cannot be dodged."""
        raw = {**_raw(), "source": "trusted-ops"}
        settings_ = Settings(template_dir=TEMPLATES, approval_required=("webhook",))
        result = accept_event(session, raw, source="webhook", now=clock.now(), renderer=renderer, settings=settings_)
        event = session.get(EventRow, "img-1")
        assert (result.status, event.source if event else None) == (IngestStatus.PENDING_APPROVAL, "webhook")

    def test_same_id_again_is_a_duplicate(self, session: Session, clock: ManualClock, renderer: Renderer) -> None:
        """The second copy of an event queues nothing and reports the first copy's posts."""
        first = accept_event(session, _raw(), source="webhook", now=clock.now(), renderer=renderer, settings=SETTINGS)
        session.commit()
        second = accept_event(session, json.dumps(_raw()), source="rss", now=clock.now(), renderer=renderer,
                              settings=SETTINGS)
        session.commit()
        assert (second.status, second.post_ids, second.reason) == (
            IngestStatus.DUPLICATE, first.post_ids, "event img-1 was already received")
        assert (_count(session, EventRow), _count(session, Post), _count(session, DeadLetter)) == (1, 1, 0)

    def test_invalid_event_becomes_a_dead_letter(self, session: Session, clock: ManualClock,
                                                 renderer: Renderer) -> None:
        """Invalid input is kept verbatim with the reason; no event is stored and nothing is raised."""
        line = '{"id": "bad id!", "type": "camera.image", "occurred_at": "2026-03-01T11:00:00Z"}'
        result = accept_event(session, line, source="ndjson", now=clock.now(), renderer=renderer,
                              settings=SETTINGS, where="feed.ndjson line 4")
        session.commit()
        reason = "feed.ndjson line 4: id has characters outside A-Z a-z 0-9 _ . : - : 'bad id!'"
        assert (result.status, result.event_id, result.reason) == (IngestStatus.DEAD_LETTER, "bad id!", reason)
        letter = session.get(DeadLetter, result.dead_letter_id)
        assert letter is not None
        assert (letter.source, letter.raw, letter.reason, letter.event_id, letter.status) == (
            "ndjson", line, reason, None, "open")
        assert _count(session, EventRow) == 0

    def test_nul_and_lone_surrogates_are_stored_escaped(self, session: Session, clock: ManualClock,
                                                        renderer: Renderer) -> None:
        """Text the database would refuse is stored with escapes, and the reason says so."""
        result = accept_event(session, "{\x00\ud800", source="ndjson", now=clock.now(), renderer=renderer,
                              settings=SETTINGS)
        session.commit()
        letter = session.get(DeadLetter, result.dead_letter_id)
        assert letter is not None
        assert letter.raw == "{\\u0000\\ud800"
        assert letter.reason == ("input holds an unpaired surrogate ('\\ud800') "
                                 "(NUL characters or unpaired surrogates escaped for storage)")

    def test_escaped_lone_surrogate_in_data_is_a_dead_letter(self, session: Session, clock: ManualClock,
                                                             renderer: Renderer) -> None:
        """A JSON `\\ud800` escape (valid JSON, not valid text) is refused with a reason instead of crashing."""
        line = json.dumps(_raw(subject="\ud800"))
        result = accept_event(session, line, source="ndjson", now=clock.now(), renderer=renderer, settings=SETTINGS)
        session.commit()
        assert (result.status, result.reason) == (
            IngestStatus.DEAD_LETTER, "input holds an unpaired surrogate ('\\ud800')")

    def test_variants_rotate_across_events_of_a_type(self, session: Session, clock: ManualClock,
                                                     renderer: Renderer) -> None:
        """Successive events of one type use variants 0, 1, 2, 0 so repeated posts differ."""
        for n in range(4):
            accept_event(session, _raw(f"img-{n}", camera="robotic arm", subject=f"ice patch {n}"),
                         source="webhook", now=clock.now(), renderer=renderer, settings=SETTINGS)
        other = accept_event(session, _raw("c-1", "comms.pass", orbiter="Odyssey", megabits=12), source="webhook",
                             now=clock.now(), renderer=renderer, settings=SETTINGS)
        session.commit()
        posts = list(session.exec(select(Post).order_by(Post.id)))  # type: ignore[arg-type]
        assert [(p.event_id, p.variant) for p in posts] == [
            ("img-0", 0), ("img-1", 1), ("img-2", 2), ("img-3", 0), ("c-1", 0)]
        assert len({p.text for p in posts[:3]}) == 3
        assert other.status is IngestStatus.QUEUED

    @pytest.mark.parametrize(
        ("raw", "approval_required", "expected"),
        [
            (_raw("e-1", "telemetry.landed", site="Vastitas Borealis"), (), IngestStatus.PENDING_APPROVAL),
            (_raw("e-1"), ("camera.image",), IngestStatus.PENDING_APPROVAL),
            (_raw("e-1"), ("rss",), IngestStatus.PENDING_APPROVAL),
            (_raw("e-1"), ("webhook",), IngestStatus.QUEUED),
        ],
    )
    def test_approval_by_persona_type_or_source(
        self, session: Session, renderer: Renderer, raw: dict[str, object], approval_required: tuple[str, ...],
        expected: IngestStatus,
    ) -> None:
        """The persona's approval flag, or APPROVAL_REQUIRED naming the type or source, holds the post for a person."""
        settings_ = Settings(template_dir=TEMPLATES, approval_required=approval_required)
        result = accept_event(session, raw, source="rss", now=NOW, renderer=renderer, settings=settings_)
        post = session.get(Post, result.post_ids[0])
        assert (result.status, post.requires_approval if post else None) == (
            expected, expected is IngestStatus.PENDING_APPROVAL)

    def test_crisis_holds_the_post(self, session: Session, clock: ManualClock, renderer: Renderer) -> None:
        """During a crisis pause the event is stored and its post held."""
        set_crisis(session, active=True, reason="storm", actor="ops", now=clock.now())
        result = accept_event(session, _raw(), source="webhook", now=clock.now(), renderer=renderer, settings=SETTINGS)
        post = session.get(Post, result.post_ids[0])
        assert (result.status, post.state if post else None) == (IngestStatus.HELD, "held")

    def test_hostile_data_never_reaches_the_post(self, session: Session, clock: ManualClock,
                                                 renderer: Renderer) -> None:
        """@mentions, URLs, $cashtags, zero-width and bidi characters in the data are neutralised."""
        data = {"camera": "@nasa\u200b arm\u202e\x00", "subject": "$SCAM at https://evil.com/x and @everyone \u2066"}
        result = accept_event(session, _raw(**data), source="webhook", now=clock.now(), renderer=renderer,
                              settings=SETTINGS)
        post = session.get(Post, result.post_ids[0])
        assert post is not None
        assert post.text == ("My nasa arm camera got some great shots of SCAM at https://evil[.]com/x and "
                             "everyone. Is that ice right there? #Mars #Phoenix")
        assert (find_mentions(post.text), find_urls(post.text), find_cashtags(post.text)) == ([], [], [])
        assert not {"\u200b", "\u202e", "\u2066"} & set(post.text)


class TestFailures:
    def test_render_error_marks_the_event_failed_with_a_dead_letter(self, session: Session, clock: ManualClock,
                                                                    renderer: Renderer) -> None:
        """A missing template field is caught on arrival: event failed, dead letter with the event id, no post."""
        raw = _raw(subject="ice")
        result = accept_event(session, raw, source="webhook", now=clock.now(), renderer=renderer, settings=SETTINGS)
        session.commit()
        reason = "mars-phoenix/camera.image.j2#0: missing field 'camera'"
        assert (result.status, result.event_id, result.post_ids, result.reason) == (
            IngestStatus.FAILED, "img-1", (), reason)
        event = session.get(EventRow, "img-1")
        letter = session.get(DeadLetter, result.dead_letter_id)
        assert event is not None
        assert letter is not None
        assert (event.status, event.error) == ("failed", reason)
        assert (letter.event_id, letter.reason, json.loads(letter.raw)) == ("img-1", reason, raw)
        assert _count(session, Post) == 0

    def test_too_long_and_missing_template_fail(self, session: Session, clock: ManualClock,
                                                renderer: Renderer) -> None:
        """A post over 280 weighted characters, or an event type without a template, is a failed event."""
        long = accept_event(session, _raw(camera="arm", subject="ice " * 80), source="webhook", now=clock.now(),
                            renderer=renderer, settings=SETTINGS)
        unknown = accept_event(session, _raw("x-1", "rover.wheel", speed=3), source="webhook", now=clock.now(),
                               renderer=renderer, settings=SETTINGS)
        assert (long.status, long.reason) == (
            IngestStatus.FAILED, "mars-phoenix/camera.image.j2#0: 398 weighted characters > 280")
        assert (unknown.status, unknown.reason) == (IngestStatus.FAILED, "mars-phoenix/rover.wheel.j2: no template")

    def test_resending_a_failed_event_with_fixed_data_queues_it(self, session: Session, clock: ManualClock,
                                                                renderer: Renderer) -> None:
        """A failed event never posted, so the same id with fixed data is taken over and its dead letter closed."""
        failed = accept_event(session, _raw(subject="ice"), source="webhook", now=clock.now(), renderer=renderer,
                              settings=SETTINGS)
        session.commit()
        fixed = accept_event(session, _raw(), source="webhook", now=clock.now(), renderer=renderer,
                             settings=SETTINGS)
        session.commit()
        letter = session.get(DeadLetter, failed.dead_letter_id)
        event = session.get(EventRow, "img-1")
        assert fixed.status is IngestStatus.QUEUED
        assert (event.status if event else None, event.error if event else "") == ("queued", None)
        assert (letter.status if letter else None, letter.retried_at if letter else None) == ("retried", clock.now())


    def test_the_same_failed_event_again_keeps_one_dead_letter(self, session: Session, clock: ManualClock,
                                                               renderer: Renderer) -> None:
        """An event that fails every time it is re-sent (e.g. re-polled) has one open dead letter, kept current."""
        first = accept_event(session, _raw(subject="ice"), source="rss", now=clock.now(), renderer=renderer,
                             settings=SETTINGS)
        clock.advance(300)
        again = accept_event(session, _raw(subject="snow"), source="rss", now=clock.now(), renderer=renderer,
                             settings=SETTINGS)
        session.commit()
        letter = session.exec(select(DeadLetter)).one()
        assert (again.status, again.dead_letter_id) == (IngestStatus.FAILED, first.dead_letter_id)
        assert (json.loads(letter.raw)["data"], letter.received_at) == ({"subject": "snow"}, clock.now())


class TestRetry:
    def test_retry_after_a_template_fix_queues_the_post(self, session: Session, clock: ManualClock,
                                                        tmp_path: Path) -> None:
        """Once the template is fixed, retrying the dead letter renders and queues it and closes the letter."""
        broken = _persona(tmp_path, "Look: {{ subjekt }}")
        failed = accept_event(session, _raw(), source="webhook", now=clock.now(), renderer=broken, settings=SETTINGS)
        session.commit()
        assert failed.reason == "p/camera.image.j2#0: missing field 'subjekt'"
        fixed = _persona(tmp_path, "Look: {{ subject }}")
        clock.advance(60)
        result = retry_dead_letter(session, failed.dead_letter_id or 0, now=clock.now(), renderer=fixed,
                                   settings=SETTINGS, actor="sam")
        session.commit()
        letter = session.get(DeadLetter, failed.dead_letter_id)
        post = session.get(Post, result.post_ids[0])
        assert (result.status, result.dead_letter_id) == (IngestStatus.QUEUED, failed.dead_letter_id)
        assert (letter.status if letter else None, letter.retried_at if letter else None) == ("retried", clock.now())
        assert post is not None
        assert post.text == "Look: ice"
        audit = session.exec(select(AuditLog).where(AuditLog.action == "dead_letter.retried")).one()
        assert (audit.actor, audit.detail) == ("sam", "queued img-1")

    def test_retry_that_still_fails_keeps_the_letter_open(self, session: Session, clock: ManualClock,
                                                          tmp_path: Path) -> None:
        """A retry that fails again updates the reason and makes no second dead letter."""
        failed = accept_event(session, _raw(), source="webhook", now=clock.now(),
                              renderer=_persona(tmp_path, "{{ nope }}"), settings=SETTINGS)
        session.commit()
        still = retry_dead_letter(session, failed.dead_letter_id or 0, now=clock.now(),
                                  renderer=_persona(tmp_path, "{{ nada }}"), settings=SETTINGS)
        session.commit()
        letter = session.get(DeadLetter, failed.dead_letter_id)
        assert (still.status, still.reason) == (IngestStatus.FAILED, "p/camera.image.j2#0: missing field 'nada'")
        assert (letter.status if letter else None, letter.reason if letter else None) == ("open", still.reason)
        assert _count(session, DeadLetter) == 1

    def test_retry_with_a_fixed_copy(self, session: Session, clock: ManualClock, renderer: Renderer) -> None:
        """An invalid input can be retried with a corrected copy, which replaces the stored raw."""
        bad = accept_event(session, '{"id": "img-9", "type": "camera.image"}', source="ndjson", now=clock.now(),
                           renderer=renderer, settings=SETTINGS)
        session.commit()
        fixed_text = json.dumps(_raw("img-9"))
        result = retry_dead_letter(session, bad.dead_letter_id or 0, now=clock.now(), renderer=renderer,
                                   settings=SETTINGS, raw=fixed_text)
        session.commit()
        letter = session.get(DeadLetter, bad.dead_letter_id)
        assert result.status is IngestStatus.QUEUED
        assert letter is not None
        assert (letter.status, letter.raw, letter.event_id) == ("retried", fixed_text, "img-9")

    def test_fixed_copy_of_a_failed_event_must_keep_its_id(self, session: Session, clock: ManualClock,
                                                           renderer: Renderer) -> None:
        """Retrying a failed event with a copy under another id is refused with the reason."""
        failed = accept_event(session, _raw(subject="x"), source="webhook", now=clock.now(), renderer=renderer,
                              settings=SETTINGS)
        result = retry_dead_letter(session, failed.dead_letter_id or 0, now=clock.now(), renderer=renderer,
                                   settings=SETTINGS, raw=json.dumps(_raw("img-2")))
        assert (result.status, result.reason) == (
            IngestStatus.DEAD_LETTER, "the fixed event must keep the id 'img-1', not 'img-2'")

    def test_unknown_and_closed_dead_letters(self, session: Session, clock: ManualClock, renderer: Renderer) -> None:
        """Retrying a missing dead letter or one already retried raises a clear error."""
        bad = accept_event(session, '{"id": "img-9"}', source="ndjson", now=clock.now(), renderer=renderer,
                           settings=SETTINGS)
        retry_dead_letter(session, bad.dead_letter_id or 0, now=clock.now(), renderer=renderer, settings=SETTINGS,
                          raw=json.dumps(_raw("img-9")))
        with pytest.raises(DeadLetterNotFoundError, match="no dead letter 999"):
            retry_dead_letter(session, 999, now=clock.now(), renderer=renderer, settings=SETTINGS)
        with pytest.raises(DeadLetterStateError, match=f"dead letter {bad.dead_letter_id} is retried, not open"):
            retry_dead_letter(session, bad.dead_letter_id or 0, now=clock.now(), renderer=renderer, settings=SETTINGS)


class TestListing:
    def test_lists_newest_first_and_filter_by_status(self, session: Session, clock: ManualClock,
                                                     renderer: Renderer) -> None:
        """Events and dead letters are listed newest first; dead letters default to the open ones."""
        accept_event(session, _raw("a"), source="webhook", now=clock.now(), renderer=renderer, settings=SETTINGS)
        clock.advance(1)
        accept_event(session, _raw("b", subject="only"), source="webhook", now=clock.now(), renderer=renderer,
                     settings=SETTINGS)
        clock.advance(1)
        accept_event(session, "nope", source="ndjson", now=clock.now(), renderer=renderer, settings=SETTINGS)
        session.commit()
        assert [e.id for e in list_events(session)] == ["b", "a"]
        assert [e.id for e in list_events(session, status="failed")] == ["b"]
        assert [(d.source, d.event_id) for d in list_dead_letters(session)] == [("ndjson", None), ("webhook", "b")]
        assert list_dead_letters(session, status="retried") == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_PAYLOADS = st.one_of(
    st.fixed_dictionaries({
        "id": st.sampled_from(["e-1", "e-2", "bad id", ""]),
        "type": st.sampled_from(["camera.image", "comms.pass", "Bad", "rover.x"]),
        "occurred_at": st.sampled_from(["2026-03-01T10:00:00Z", "2026-03-01T10:00:00", "yesterday"]),
        "data": st.dictionaries(st.sampled_from(["camera", "subject", "orbiter", "megabits"]), _JSON, max_size=4),
    }),
    _JSON,
    st.text(max_size=60),
)


class TestProperties:
    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(payload=_PAYLOADS)
    def test_every_input_is_accounted_for(self, engine: Engine, clock: ManualClock, payload: object) -> None:
        """Whatever arrives, nothing raises, every rejection has a reason and it is an event or a dead letter."""
        renderer = Renderer(TEMPLATES, "mars-phoenix")
        with Session(engine) as session:
            before = (_count(session, EventRow), _count(session, DeadLetter))
            result = accept_event(session, payload, source="fuzz", now=clock.now(), renderer=renderer,
                                  settings=SETTINGS)
            session.commit()
            after = (_count(session, EventRow), _count(session, DeadLetter))
        new_events, new_letters = after[0] - before[0], after[1] - before[1]
        if result.status is IngestStatus.DUPLICATE:
            assert (new_events, new_letters) == (0, 0)
        elif result.status is IngestStatus.DEAD_LETTER:
            assert (new_events, new_letters, bool(result.reason)) == (0, 1, True)
        elif result.status is IngestStatus.FAILED:  # a repeat of a failed event reuses its open dead letter
            assert new_letters in (0, 1)
            assert result.reason
            with Session(engine) as session:
                letter = session.get(DeadLetter, result.dead_letter_id)
                assert letter is not None
                assert (letter.event_id, letter.status, letter.reason) == (result.event_id, "open", result.reason)
        else:
            assert (new_letters, len(result.post_ids) >= 1) == (0, True)


class TestConcurrency:
    def test_two_processes_ingesting_the_same_events_post_each_once(self, engine: Engine,
                                                                    clock: ManualClock) -> None:
        """Two workers racing over the same ids store and queue each event exactly once."""
        raws = [_raw(f"img-{n}", camera="robotic arm", subject=f"ice patch {n}") for n in range(15)]
        outcomes: list[list[IngestStatus]] = [[], []]
        barrier = threading.Barrier(2)

        def work(slot: int) -> None:
            renderer = Renderer(TEMPLATES, "mars-phoenix")
            barrier.wait()
            for raw in raws:
                with Session(engine) as session:
                    result = accept_event(session, raw, source="webhook", now=clock.now(), renderer=renderer,
                                          settings=SETTINGS)
                    session.commit()
                outcomes[slot].append(result.status)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pairs = sorted(tuple(sorted((a.value, b.value))) for a, b in zip(*outcomes, strict=True))
        assert pairs == [("duplicate", "queued")] * 15
        with Session(engine) as session:
            assert (_count(session, EventRow), _count(session, Post), _count(session, DeadLetter)) == (15, 15, 0)


class TestDuplicateContent:
    """X refuses a post identical to a recent one: the next variant is used, or the event fails with why."""

    def test_a_variant_that_repeats_a_recent_post_is_skipped(self, session: Session, clock: ManualClock,
                                                             tmp_path: Path) -> None:
        renderer = _persona(tmp_path, "Look: {{ subject }}\n{# --- #}\nSee: {{ subject }}")
        texts = []
        for n in range(2):
            result = accept_event(session, _raw(f"e{n}"), source="webhook", now=clock.now(), renderer=renderer,
                                  settings=SETTINGS)
            texts += [p.text for p in session.exec(select(Post).where(col(Post.id).in_(result.post_ids)))]
        # The third event rotates back to variant 0, whose text is already out: variant 1 is taken,
        # also out; so the event fails with a reason instead of a post X would refuse.
        third = accept_event(session, _raw("e2"), source="webhook", now=clock.now(), renderer=renderer,
                             settings=SETTINGS)
        session.commit()
        assert texts == ["Look: ice", "See: ice"]
        assert third.status == IngestStatus.FAILED
        assert "duplicate content" in third.reason

    def test_other_data_gives_a_fresh_text(self, session: Session, clock: ManualClock, tmp_path: Path) -> None:
        renderer = _persona(tmp_path, "Look: {{ subject }}")
        first = accept_event(session, _raw("a", subject="ice"), source="webhook", now=clock.now(),
                             renderer=renderer, settings=SETTINGS)
        second = accept_event(session, _raw("b", subject="dust"), source="webhook", now=clock.now(),
                              renderer=renderer, settings=SETTINGS)
        assert (first.status, second.status) == (IngestStatus.QUEUED, IngestStatus.QUEUED)
