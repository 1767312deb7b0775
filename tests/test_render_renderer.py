"""Tests for bot.render: Renderer, thread splitting, anecdotes and check_templates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import TemplateError
from bot.feed.events import Event
from bot.render.anecdotes import Anecdote, choose_anecdote, load_anecdotes, record_use
from bot.render.check import check_templates
from bot.render.renderer import PostTooLongError, Renderer
from bot.render.thread import split_thread
from bot.text.weighted import weighted_length

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_WHEN = datetime(2008, 5, 25, 23, 53, 44, tzinfo=UTC)


def _event(event_type: str, **data: object) -> Event:
    return Event(id="e1", type=event_type, occurred_at=_WHEN, source="test", data=dict(data))


def _persona(tmp_path: Path, files: dict[str, str], settings: str = "") -> Renderer:
    root = tmp_path / "p"
    (root / "replies").mkdir(parents=True)
    (root / "persona.toml").write_text(f'name = "P"\nhandle = "p"\n{settings}', encoding="utf-8")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return Renderer(tmp_path, "p")


class TestRenderer:
    def test_mars_phoenix_camera_image(self) -> None:
        """The shipped camera template renders the first-person post."""
        post = Renderer(TEMPLATES, "mars-phoenix").render_event(
            _event("camera.image", camera="robotic arm", subject="the ground around my feet"), rotation=0
        )
        assert post.texts == (
            "My robotic arm camera got some great shots of the ground around my feet. "
            "Is that ice right there? #Mars #Phoenix",
        )
        assert (post.template, post.variant, post.requires_approval, post.priority) == ("camera.image.j2", 0, False, 5)
        assert post.weighted_lengths == (weighted_length(post.texts[0]),)

    def test_rotation_changes_variant(self) -> None:
        """Successive rotations give different texts."""
        renderer = Renderer(TEMPLATES, "mars-phoenix")
        event = _event("comms.pass", orbiter="Odyssey", megabits=12)
        texts = [renderer.render_event(event, rotation=r).texts for r in range(2)]
        assert texts[0] != texts[1]
        assert renderer.render_event(event, rotation=2).texts == texts[0]

    def test_french_locale(self) -> None:
        """locale='fr' picks the .fr.j2 template."""
        post = Renderer(TEMPLATES, "mars-phoenix", locale="fr").render_event(
            _event("power.low", battery_pct=35), rotation=1
        )
        assert post.texts == (
            "Batterie à 35 %. C'est l'heure de la sieste : j'économise mon énergie pour demain. #Mars #Phoenix",
        )
        assert (post.template, post.locale, post.requires_approval) == ("power.low.fr.j2", "fr", True)

    def test_missing_locale_falls_back(self, tmp_path: Path) -> None:
        """A locale without a template uses the default-locale one and says so."""
        renderer = _persona(tmp_path, {"a.j2": "hi {{ who }}"})
        post = renderer.render_event(_event("a", who="you"), rotation=0, locale="de")
        assert (post.texts, post.locale) == (("hi you",), "en")

    def test_missing_field_named(self) -> None:
        """A template field absent from the data fails at render with its name."""
        with pytest.raises(TemplateError) as info:
            Renderer(TEMPLATES, "mars-phoenix").render_event(_event("camera.image", camera="mast"), rotation=0)
        assert info.value.reason == "mars-phoenix/camera.image.j2#0: missing field 'subject'"
        assert info.value.template == "mars-phoenix/camera.image.j2#0"

    def test_syntax_error_caught_at_load(self, tmp_path: Path) -> None:
        """A syntax error in any variant is reported at load with file and line."""
        renderer = _persona(tmp_path, {"a.j2": "ok {{ x }}\n{# --- #}\nline one\nbad {{ x "})
        with pytest.raises(TemplateError) as info:
            renderer.load()
        assert info.value.reason == "p: a.j2:4: unexpected end of template, expected 'end of print statement'."

    def test_sandbox_blocks_attribute_exploit(self, tmp_path: Path) -> None:
        """Dunder attribute access is refused by the sandbox."""
        renderer = _persona(tmp_path, {"a.j2": "{{ ''.__class__.__mro__[1].__subclasses__() }}"})
        with pytest.raises(TemplateError) as info:
            renderer.render_event(_event("a"), rotation=0)
        assert "__class__" in info.value.reason or "unsafe" in info.value.reason

    def test_hostile_payload_neutralised(self) -> None:
        """Mentions, URLs, cashtags and bidi overrides in data never reach the post."""
        post = Renderer(TEMPLATES, "mars-phoenix").render_event(
            _event("camera.image", camera="mast", subject="@everyone visit evil.com $SCAM \u202e"), rotation=2
        )
        assert post.texts == ("Say cheese! My mast camera just snapped everyone visit evil[.]com SCAM. #Mars #Phoenix",)

    def test_nested_values_cleaned(self, tmp_path: Path) -> None:
        """Strings inside nested lists and objects are cleaned too."""
        renderer = _persona(tmp_path, {"a.j2": "{{ crew|join(', ') }} / {{ info.site }}"})
        post = renderer.render_event(_event("a", crew=["@bob", "$X"], info={"site": "a.com"}), rotation=0)
        assert post.texts == ("bob, X / a[.]com",)

    def test_allow_listed_field_keeps_url(self) -> None:
        """A field in allow_urls keeps its link."""
        post = Renderer(TEMPLATES, "skyways-air").render_event(
            _event("promo.sale", destination="Oslo", price="€39", ends="Friday", link="https://skyways.example/s"),
            rotation=0,
        )
        assert post.texts == ("Sale! Fly to Oslo from €39 until Friday. https://skyways.example/s #SkywaysAir",)
        assert (post.promotional, post.requires_approval) == (True, True)

    def test_thread_split(self) -> None:
        """A long sol summary becomes a numbered thread, each part within 280."""
        summary = " ".join(f"word{i:03d}" for i in range(60))
        post = Renderer(TEMPLATES, "mars-phoenix").render_event(
            _event("sol.summary", sol=3, summary=summary), rotation=0
        )
        assert len(post.texts) == 2
        assert post.texts[0].startswith("Sol 3 recap: word000 word001")
        assert post.texts[0].endswith(" (1/2)")
        assert post.texts[1].endswith("#Mars #Phoenix (2/2)")
        assert all(n <= 280 for n in post.weighted_lengths)

    def test_reject_mode(self) -> None:
        """An event type in reject mode refuses an over-long post with the count."""
        with pytest.raises(PostTooLongError) as info:
            Renderer(TEMPLATES, "mars-phoenix").render_event(_event("telemetry.landed", site="x" * 300), rotation=0)
        assert info.value.reason == "mars-phoenix/telemetry.landed.j2#0: 388 weighted characters > 280"
        assert info.value.length == 388

    def test_reply(self) -> None:
        """A canned reply renders with the author's name, never as a mention."""
        text = Renderer(TEMPLATES, "skyways-air").render_reply(
            "dm_us", author="@jo", tweet_text="lost bag", agent="AM", locale="fr"
        )
        assert text.startswith("jo, nous voulons vous aider.")
        assert text.endswith("^AM")

    def test_unknown_reply_names_the_known_ones(self) -> None:
        """A reply template name that does not exist says which ones do."""
        with pytest.raises(TemplateError) as info:
            Renderer(TEMPLATES, "skyways-air").render_reply("nope", author="jo", tweet_text="x", agent="AM")
        assert str(info.value) == (
            "skyways-air/replies/nope.j2: no reply template 'nope' (this persona has: baggage, dm_us, sorry_delay)"
        )

    def test_listing(self) -> None:
        """Event types and reply names list the default-locale templates."""
        renderer = Renderer(TEMPLATES, "skyways-air")
        assert renderer.event_types() == [
            "flight.boarding",
            "flight.cancelled",
            "flight.delayed",
            "flight.landed",
            "promo.sale",
        ]
        assert renderer.reply_names() == ["baggage", "dm_us", "sorry_delay"]


class TestSplitThread:
    def test_short_text_untouched(self) -> None:
        """Text that fits stays one part without a suffix."""
        assert split_thread("hello") == ("hello",)

    def test_parts_numbered_and_within_limit(self) -> None:
        """Each part ends with (i/n) and weighs at most 280."""
        parts = split_thread("abcd " * 200)
        assert [p[-6:] for p in parts] == [" (1/4)", " (2/4)", " (3/4)", " (4/4)"]
        assert [weighted_length(p) for p in parts] == [280, 280, 280, 180]

    def test_long_word_cut(self) -> None:
        """A word longer than a post is cut."""
        assert [weighted_length(p) for p in split_thread("x" * 300)] == [280, 32]


class TestAnecdotes:
    def test_library_loads(self) -> None:
        """The shipped library has at least 20 stories, each with a French text."""
        library = load_anecdotes(TEMPLATES / "regional-tales" / "anecdotes.toml")
        assert len(library) >= 20
        assert all(a.text_for("fr") != a.text for a in library)

    def test_never_repeats_until_exhausted(self) -> None:
        """A full cycle visits every id once, then a new cycle starts."""
        library = [Anecdote(id=f"a{i}", text=f"t{i}") for i in range(5)]
        used: set[str] = set()
        picks = []
        for day in range(7):
            chosen = choose_anecdote(library, used, rng_seed=day)
            picks.append(chosen.id)
            used = record_use(library, used, chosen)
        assert sorted(picks[:5]) == ["a0", "a1", "a2", "a3", "a4"]
        assert len(used) == 2

    def test_deterministic(self) -> None:
        """The same seed and used set give the same pick."""
        library = [Anecdote(id=f"a{i}", text="t") for i in range(9)]
        assert choose_anecdote(library, {"a1"}, 42) == choose_anecdote(library, {"a1"}, 42)


class TestCheckTemplates:
    def test_shipped_templates_pass(self) -> None:
        """Every shipped persona's templates pass samples and hostile payloads."""
        assert check_templates(TEMPLATES, examples=5) == []

    def test_failures_reported(self, tmp_path: Path) -> None:
        """A template that crashes on a payload is reported with template, event and reason."""
        renderer = _persona(tmp_path, {"a.j2": "{{ n + 1 }} {{ who }}"})
        (renderer.root / "samples").mkdir()
        (renderer.root / "samples" / "a.json").write_text(
            '{"id": "s", "type": "a", "occurred_at": "2026-01-01T00:00:00Z", "source": "x",'
            ' "data": {"n": 1, "who": "w"}}'
        )
        assert check_templates(tmp_path, "p", examples=5) == []
        (renderer.root / "b.j2").write_text("{{ missing }}")
        failures = check_templates(tmp_path, "p", examples=5)
        assert [(f.template, f.reason) for f in failures] == [("b.j2", failures[0].reason)]
        assert failures[0].reason.startswith("bad or missing sample")
