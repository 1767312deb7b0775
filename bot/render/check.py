"""Check every template of a persona (or all personas) before it goes live.

Each event template variant is rendered against its sample event
(`samples/<event_type>.json`, a full event object) in every locale, and against
hypothesis-generated payloads with the sample's shape: every string replaced by hostile text
(emoji, RTL and bidi overrides, zero-width characters, 10 KB strings, @mentions, URLs,
$cashtags). Reply templates get the same treatment for `author`, `tweet` and `agent`.

A sample must render to valid posts. A generated payload may be rejected as too long (that
is the persona's declared behaviour) but must never crash, leak an entity from the data
(a mention, URL or cashtag that the sample rendering does not have, unless the field is
allow-listed) or an invisible character. Generation is deterministic (`derandomize=True`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import TemplateError, ValidationError
from bot.feed.events import Event, validate_event
from bot.render.renderer import PostTooLongError, Renderer
from bot.text.entities import find_cashtags, find_mentions
from bot.text.sanitize import emoji_spans, is_forbidden_char
from bot.text.urls import find_urls

HOSTILE_STRINGS = (
    "@everyone visit evil.com $SCAM \u202e",
    "\u202egnp.exe \u2066evil\u2069 \u200b@\u200bname",
    "https://phish.example.com/login?x=1",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 "
    "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f 🇫🇷 1\ufe0f\u20e3",
    "مرحبا بالعالم שלום",
    "火星の氷" * 20,
    "x" * 10_240,
    "word " * 2_048,
    "",
    "{{ 7*7 }} {% raw %}",
    "\x00\x1b[31m\x9b",
)
_PIECES = st.sampled_from(["@", "$", "#", ".", "/", "evil", "com", "http://", "\u200b", "\u202e", "🔥", "é", " ", "A"])
_TEXT = st.one_of(st.sampled_from(HOSTILE_STRINGS), st.lists(_PIECES, max_size=20).map("".join), st.text(max_size=40))


@dataclass(frozen=True)
class CheckFailure:
    """One template that failed a check: which template, which event (or reply input), and why."""

    template: str
    event: str
    reason: str


def _shape(value: object) -> st.SearchStrategy[object]:
    if isinstance(value, str):
        return _TEXT
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: _shape(v) for k, v in value.items()})
    if isinstance(value, list):
        return st.tuples(*[_shape(v) for v in value]).map(list)
    return st.just(value)


def _leaks(text: str, baseline: str, *, mentions: bool, urls: bool, cashtags: bool) -> str | None:
    if mentions and set(find_mentions(text)) - set(find_mentions(baseline)):
        return "a mention from the data reached the post"
    found = {text[a:b] for a, b in find_urls(text)}
    if urls and found - {baseline[a:b] for a, b in find_urls(baseline)}:
        return "a URL from the data reached the post"
    if cashtags and set(find_cashtags(text)) - set(find_cashtags(baseline)):
        return "a cashtag from the data reached the post"
    inside = {i for a, b in emoji_spans(text) for i in range(a, b)}
    if any(is_forbidden_char(c) and i not in inside for i, c in enumerate(text)):
        return "an invisible or control character reached the post"
    return None


def _describe(data: object) -> str:
    return json.dumps(data, ensure_ascii=True)[:200]


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def _run_events(
    renderer: Renderer,
    *,
    sample: Event,
    variant: int,
    locale: str,
    label: str,
    baseline: str,
    allow: dict[str, bool],
    examples: int,
    failures: list[CheckFailure],
) -> None:
    @_settings(examples)
    @given(_shape(sample.data))
    def run(data: object) -> None:
        assert isinstance(data, dict)
        event = Event(sample.id, sample.type, sample.occurred_at, sample.source, data)
        try:
            texts = renderer.render_event(event, rotation=variant, locale=locale).texts
        except PostTooLongError:
            return
        except TemplateError as exc:
            if "would need" not in exc.reason:
                failures.append(CheckFailure(label, _describe(data), exc.reason))
            return
        for text in texts:
            leak = _leaks(text, baseline, **allow)
            if leak:
                failures.append(CheckFailure(label, _describe(data), leak))
                return

    run()


def _run_replies(
    renderer: Renderer,
    *,
    reply: str,
    locale: str,
    label: str,
    baseline: str,
    examples: int,
    failures: list[CheckFailure],
) -> None:
    @_settings(examples)
    @given(_TEXT, _TEXT, st.sampled_from(["JD", "\u202eevil", "@boss"]))
    def run(author: str, tweet: str, agent: str) -> None:
        try:
            text = renderer.render_reply(reply, author=author, tweet_text=tweet, agent=agent, locale=locale)
        except PostTooLongError:
            return
        except TemplateError as exc:
            failures.append(CheckFailure(label, _describe([author, tweet, agent]), exc.reason))
            return
        leak = _leaks(text, baseline, mentions=True, urls=True, cashtags=True)
        if leak:
            failures.append(CheckFailure(label, _describe([author, tweet, agent]), leak))

    run()


def _check_events(renderer: Renderer, locales: list[str], examples: int) -> list[CheckFailure]:
    failures: list[CheckFailure] = []
    for event_type in renderer.event_types():
        sample_path = renderer.root / "samples" / f"{event_type}.json"
        try:
            sample = validate_event(json.loads(sample_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError) as exc:
            failures.append(CheckFailure(f"{event_type}.j2", str(sample_path), f"bad or missing sample: {exc}"))
            continue
        opts = renderer.persona.settings_for(event_type)
        for locale in locales:
            name, _ = renderer.template_name(event_type, locale)
            for variant in range(len(renderer._loaded()[name])):
                label = f"{renderer.persona_name}/{name}#{variant}"
                try:
                    baseline = "\n".join(renderer.render_event(sample, rotation=variant, locale=locale).texts)
                except TemplateError as exc:
                    failures.append(CheckFailure(label, sample.id, exc.reason))
                    continue
                allow = {"mentions": not opts.allow_mentions, "urls": not opts.allow_urls}
                allow["cashtags"] = not opts.allow_cashtags

                _run_events(
                    renderer,
                    sample=sample,
                    variant=variant,
                    locale=locale,
                    label=label,
                    baseline=baseline,
                    allow=allow,
                    examples=examples,
                    failures=failures,
                )
    return failures


def _check_replies(renderer: Renderer, locales: list[str], examples: int) -> list[CheckFailure]:
    failures: list[CheckFailure] = []
    for reply in renderer.reply_names():
        for locale in locales:
            name, _ = renderer.template_name(f"replies/{reply}", locale)
            label = f"{renderer.persona_name}/{name}"
            try:
                base = renderer.render_reply(reply, author="ada", tweet_text="hello", agent="JD", locale=locale)
            except TemplateError as exc:
                failures.append(CheckFailure(label, "author=ada", exc.reason))
                continue

            _run_replies(
                renderer, reply=reply, locale=locale, label=label, baseline=base, examples=examples, failures=failures
            )
    return failures


def check_templates(template_dir: Path, persona: str | None = None, *, examples: int = 25) -> list[CheckFailure]:
    """Render every template of `persona` (or of every persona) against samples and hostile payloads."""
    template_dir = Path(template_dir)
    names = [persona] if persona else sorted(p.name for p in template_dir.iterdir() if (p / "persona.toml").is_file())
    failures: list[CheckFailure] = []
    for name in names:
        renderer = Renderer(template_dir, name)
        try:
            renderer.load()
        except TemplateError as exc:
            failures.append(CheckFailure(exc.template or name, "", exc.reason))
            continue
        locales = sorted({renderer.persona.default_locale, *_locales(renderer)})
        failures += _check_events(renderer, locales, examples)
        failures += _check_replies(renderer, locales, examples)
    return failures


def _locales(renderer: Renderer) -> set[str]:
    found: set[str] = set()
    for name in renderer._loaded():
        parts = name.removesuffix(".j2").rsplit(".", 1)
        if len(parts) == 2 and parts[1].isalpha() and 2 <= len(parts[1]) <= 5:
            base = parts[0]
            if f"{base}.j2" in renderer._loaded():
                found.add(parts[1])
    return found
