"""bot.publish.anecdotes_job: one anecdote a day at a local time, across DST, once even with two processes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.errors import ValidationError
from bot.publish.anecdotes_job import check_anecdotes, parse_local_time, queue_daily_anecdote
from bot.render.anecdotes import load_anecdotes
from bot.render.check import CheckFailure
from bot.render.renderer import Renderer
from bot.settings import Settings
from bot.store.models import AnecdoteUse, DeadLetter, Post

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PARIS = Settings(template_dir=TEMPLATES, persona="regional-tales", timezone="Europe/Paris")


def _tales() -> Renderer:
    return Renderer(TEMPLATES, "regional-tales")


def _persona(root: Path, ids: list[str], template: str | None = None, text: str = "Tale {id}.") -> Renderer:
    folder = root / "tales"
    folder.mkdir(exist_ok=True)
    (folder / "persona.toml").write_text('name = "T"\nhandle = "t"\n', encoding="utf-8")
    (folder / "anecdotes.toml").write_text(
        "".join(f'[[anecdotes]]\nid = "{i}"\ntext = "{text.format(id=i)}"\n\n' for i in ids), encoding="utf-8")
    if template is not None:
        (folder / "anecdote.daily.j2").write_text(template, encoding="utf-8")
    return Renderer(root, "tales")


def _uses(session: Session) -> list[tuple[str, str, int]]:
    rows = session.exec(select(AnecdoteUse).order_by(col(AnecdoteUse.day)))
    return [(u.day, u.anecdote_id, u.cycle) for u in rows]


class TestDailyAnecdote:
    def test_queued_once_at_the_local_time(self, session: Session) -> None:
        """Nothing before 09:00 Paris time; at 09:00 one anecdote post; nothing more that day."""
        renderer = _tales()
        before = datetime(2026, 3, 2, 7, 59, tzinfo=UTC)  # 08:59 CET
        at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 CET
        assert queue_daily_anecdote(session, now=before, settings=PARIS, renderer=renderer) is None
        post = queue_daily_anecdote(session, now=at, settings=PARIS, renderer=renderer)
        again = queue_daily_anecdote(session, now=at + timedelta(hours=3), settings=PARIS, renderer=renderer)
        session.commit()
        assert post is not None
        assert again is None
        use = session.exec(select(AnecdoteUse)).one()
        library = {a.id: a.text for a in load_anecdotes(TEMPLATES / "regional-tales" / "anecdotes.toml")}
        assert (post.kind, post.state, post.scheduled_at, post.template, post.variant) == (
            "anecdote", "scheduled", at, "anecdote.daily.j2", 0)
        assert post.text == f"Today's tale: {library[use.anecdote_id]} #OnThisDay"
        assert (use.persona, use.day, use.cycle, use.post_id) == ("regional-tales", "2026-03-02", 0, post.id)

    def test_french_locale_uses_the_translation(self, session: Session) -> None:
        """With LOCALE=fr the French template and the anecdote's French text are used."""
        settings_ = PARIS.with_overrides(locale="fr")
        post = queue_daily_anecdote(session, now=datetime(2026, 3, 2, 8, 0, tzinfo=UTC), settings=settings_,
                                    renderer=_tales())
        assert post is not None
        use = session.exec(select(AnecdoteUse)).one()
        anecdote = next(a for a in load_anecdotes(TEMPLATES / "regional-tales" / "anecdotes.toml")
                        if a.id == use.anecdote_id)
        assert post.text == f"L'histoire du jour : {anecdote.translations['fr']} #CeJourLà"

    def test_never_repeated_until_the_library_is_exhausted(self, session: Session, tmp_path: Path) -> None:
        """Three anecdotes over three days are all different; the fourth day starts cycle 1."""
        renderer = _persona(tmp_path, ["a", "b", "c"])
        start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        texts = []
        for day in range(4):
            post = queue_daily_anecdote(session, now=start + timedelta(days=day), settings=Settings(),
                                        renderer=renderer)
            assert post is not None
            texts.append(post.text)
        session.commit()
        uses = _uses(session)
        assert sorted(u[1] for u in uses[:3]) == ["a", "b", "c"]
        assert [u[2] for u in uses] == [0, 0, 0, 1]
        assert texts[:3] == [f"Tale {u[1]}." for u in uses[:3]]

    def test_spring_forward_day(self, session: Session, tmp_path: Path) -> None:
        """At 02:30 on the day Paris skips 02:00-03:00, the anecdote goes out at 03:00 local, once."""
        renderer = _persona(tmp_path, ["a", "b"])
        tz = PARIS.with_overrides(persona="tales")
        assert queue_daily_anecdote(session, now=datetime(2026, 3, 29, 0, 59, tzinfo=UTC), settings=tz,
                                    renderer=renderer, at_local="02:30") is None  # 01:59 CET
        post = queue_daily_anecdote(session, now=datetime(2026, 3, 29, 1, 0, tzinfo=UTC), settings=tz,
                                    renderer=renderer, at_local="02:30")  # 03:00 CEST
        assert post is not None
        assert [u[0] for u in _uses(session)] == ["2026-03-29"]

    def test_fall_back_day(self, session: Session, tmp_path: Path) -> None:
        """On the day 02:30 happens twice, only the first 02:30 posts; the next day posts at 09:00 CET."""
        renderer = _persona(tmp_path, ["a", "b"])
        tz = PARIS.with_overrides(persona="tales")
        first = queue_daily_anecdote(session, now=datetime(2026, 10, 25, 0, 30, tzinfo=UTC), settings=tz,
                                     renderer=renderer, at_local="02:30")  # 02:30 CEST
        second = queue_daily_anecdote(session, now=datetime(2026, 10, 25, 1, 30, tzinfo=UTC), settings=tz,
                                      renderer=renderer, at_local="02:30")  # 02:30 CET
        early = queue_daily_anecdote(session, now=datetime(2026, 10, 26, 1, 29, tzinfo=UTC), settings=tz,
                                     renderer=renderer, at_local="02:30")  # 02:29 CET
        assert (first is not None, second, early) == (True, None, None)

    def test_persona_without_anecdotes_does_nothing(self, session: Session) -> None:
        """A persona with no anecdotes.toml has no daily anecdote and records nothing."""
        mars = Renderer(TEMPLATES, "mars-phoenix")
        assert queue_daily_anecdote(session, now=datetime(2026, 3, 2, 12, tzinfo=UTC), settings=Settings(),
                                    renderer=mars) is None
        assert session.exec(select(AnecdoteUse)).all() == []

    def test_without_a_template_the_text_is_posted_as_written(self, session: Session, tmp_path: Path) -> None:
        """No anecdote.daily template: the anecdote's own text is the post; approval can be required by type."""
        renderer = _persona(tmp_path, ["a"])
        post = queue_daily_anecdote(session, now=datetime(2026, 3, 2, 9, tzinfo=UTC),
                                    settings=Settings(approval_required=("anecdote.daily",)), renderer=renderer)
        assert post is not None
        assert (post.text, post.template, post.state) == ("Tale a.", None, "pending_approval")

    def test_failure_claims_the_day_and_leaves_a_dead_letter(self, session: Session, tmp_path: Path) -> None:
        """A too-long anecdote is not retried every call: the day is claimed and a dead letter says why."""
        renderer = _persona(tmp_path, ["a"], template="{{ text }}", text="x" * 300)
        now = datetime(2026, 3, 2, 9, tzinfo=UTC)
        assert queue_daily_anecdote(session, now=now, settings=Settings(), renderer=renderer) is None
        assert queue_daily_anecdote(session, now=now, settings=Settings(), renderer=renderer) is None
        session.commit()
        letter = session.exec(select(DeadLetter)).one()
        use = session.exec(select(AnecdoteUse)).one()
        assert (letter.source, letter.reason) == (
            "anecdotes", "anecdote 'a' for 2026-03-02: tales/anecdote.daily.j2#0: 300 weighted characters > 280")
        assert (use.day, use.post_id) == ("2026-03-02", None)
        assert session.exec(select(Post)).all() == []

    def test_two_processes_queue_one_post(self, engine: Engine) -> None:
        """Two processes calling at the same moment queue exactly one anecdote for the day."""
        now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
        results: list[int | None] = [None, None]
        barrier = threading.Barrier(2)

        def work(slot: int) -> None:
            renderer = _tales()
            barrier.wait()
            with Session(engine) as session:
                post = queue_daily_anecdote(session, now=now, settings=PARIS, renderer=renderer)
                session.commit()
                results[slot] = post.id if post else None

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(r is not None for r in results) == 1
        with Session(engine) as session:
            assert (len(session.exec(select(Post)).all()), len(session.exec(select(AnecdoteUse)).all())) == (1, 1)


class TestHelpers:
    def test_parse_local_time(self) -> None:
        """HH:MM in 24 h is accepted; anything else is refused with the reason."""
        assert parse_local_time("07:05").isoformat() == "07:05:00"
        with pytest.raises(ValidationError, match="local time must be HH:MM"):
            parse_local_time("7pm")

    def test_check_anecdotes(self, tmp_path: Path) -> None:
        """The shipped library passes; a too-long anecdote is reported with its id, locale and variant."""
        assert check_anecdotes(_tales()) == []
        broken = _persona(tmp_path, ["ok", "long"], template="{{ text }}", text="{id} " + "y" * 280)
        assert check_anecdotes(broken) == [
            CheckFailure("tales/anecdotes.toml", "ok (en, variant 0)",
                         "tales/anecdote.daily.j2#0: 283 weighted characters > 280"),
            CheckFailure("tales/anecdotes.toml", "long (en, variant 0)",
                         "tales/anecdote.daily.j2#0: 285 weighted characters > 280"),
        ]
