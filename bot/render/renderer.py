"""Render events and canned replies through a persona's sandboxed Jinja2 templates.

Layout of `templates/<persona>/`:

* `persona.toml` — see `bot.render.persona`;
* `<event_type>.j2` — the default-locale template of one event type, e.g. `camera.image.j2`;
  `<event_type>.<locale>.j2` (`camera.image.fr.j2`) for other locales;
* several variants of a template live in one file, separated by a line holding only
  `{# --- #}`; `render_event(..., rotation=k)` picks variant `k % count`;
* `replies/<name>.j2` (+ `replies/<name>.<locale>.j2`) — canned replies, rendered with
  `author`, `tweet` and `agent`;
* `samples/<event_type>.json` — one sample event per type (used by `check_templates`).

Event templates see every `data` field as a variable (`{{ subject }}`) and as `data.<field>`,
plus `event` (id, type, occurred_at), `persona`, `signature` and `hashtags` (space-joined);
those reserved names win over data fields of the same name. Every string in `data`, nested
ones included, goes through `clean_untrusted` first (per-field allow-lists from the persona).
Output is stripped; a template that renders empty is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from bot.errors import TemplateError
from bot.feed.events import Event
from bot.render.persona import EventSettings, Persona, load_persona
from bot.render.thread import split_thread
from bot.text.sanitize import clean_untrusted
from bot.text.weighted import MAX_WEIGHTED_LENGTH, is_valid_tweet, weighted_length

VARIANT_SEPARATOR = "{# --- #}"
_SUFFIX = ".j2"
_RESERVED = ("event", "persona", "signature", "hashtags", "data")
_MISSING = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'|no element '?([^']+?)'?$")
_RENDER_ERRORS = (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, LookupError, OverflowError)


class PostTooLongError(TemplateError):
    """The rendered text exceeds 280 weighted characters and the event type rejects long posts."""

    def __init__(self, length: int, *, template: str = "") -> None:
        self.length = length
        super().__init__(f"{length} weighted characters > {MAX_WEIGHTED_LENGTH}", template=template)


@dataclass(frozen=True)
class RenderedPost:
    """The posts one event becomes: a single post, or a numbered thread when `len(texts) > 1`."""

    texts: tuple[str, ...]
    template: str
    variant: int
    weighted_lengths: tuple[int, ...]
    requires_approval: bool
    priority: int
    promotional: bool
    locale: str


def _split_variants(source: str) -> list[tuple[int, str]]:
    """Split a template file into (first line number, source) variants."""
    variants: list[tuple[int, str]] = []
    start, lines = 1, list[str]()
    for number, line in enumerate(source.splitlines(), 1):
        if line.strip() == VARIANT_SEPARATOR:
            variants.append((start, "\n".join(lines)))
            start, lines = number + 1, []
        else:
            lines.append(line)
    variants.append((start, "\n".join(lines)))
    return [(first, text) for first, text in variants if text.strip()]


def clean_data(value: object, settings: EventSettings, field: str = "") -> object:
    """Return `value` with every string (and dict key), however deep, passed through `clean_untrusted`."""
    if isinstance(value, str):
        return clean_untrusted(
            value,
            allow_mentions=field in settings.allow_mentions,
            allow_urls=field in settings.allow_urls,
            allow_cashtags=field in settings.allow_cashtags,
        ).strip()
    if isinstance(value, dict):
        return {
            clean_data(str(k), settings, field or str(k)): clean_data(v, settings, field or str(k))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [clean_data(v, settings, field) for v in value]
    return value


def _missing_field(exc: jinja2.UndefinedError) -> str:
    match = _MISSING.search(exc.message or "")
    name = next((g for g in match.groups() if g), None) if match else None
    return f"missing field {name!r}" if name else f"missing field ({exc.message})"


class Renderer:
    """Loads one persona's templates and renders events and replies with them."""

    def __init__(self, template_dir: Path, persona: str, locale: str = "en") -> None:
        self.root = Path(template_dir) / persona
        self.persona_name = persona
        self.locale = locale
        self.env = SandboxedEnvironment(
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._persona: Persona | None = None
        self._templates: dict[str, list[jinja2.Template]] = {}

    @property
    def persona(self) -> Persona:
        """The loaded persona (loads on first use)."""
        if self._persona is None:
            self.load()
        assert self._persona is not None
        return self._persona

    def load(self) -> None:
        """Read persona.toml and compile every template; raise `TemplateError` listing each broken one."""
        if not self.root.is_dir():
            raise TemplateError("no such persona directory", template=str(self.root))
        persona = load_persona(self.root / "persona.toml")
        templates: dict[str, list[jinja2.Template]] = {}
        problems: list[str] = []
        for path in sorted([*self.root.glob(f"*{_SUFFIX}"), *self.root.glob(f"replies/*{_SUFFIX}")]):
            name = path.relative_to(self.root).as_posix()
            compiled: list[jinja2.Template] = []
            for first_line, source in _split_variants(path.read_text(encoding="utf-8")):
                try:
                    compiled.append(self.env.from_string(source))
                except jinja2.TemplateSyntaxError as exc:
                    line = first_line + (exc.lineno or 1) - 1
                    problems.append(f"{name}:{line}: {exc.message}")
            if not compiled and not problems:
                problems.append(f"{name}: no variants")
            templates[name] = compiled
        if problems:
            raise TemplateError("; ".join(problems), template=self.persona_name)
        self._persona = persona
        self._templates = templates

    def _loaded(self) -> dict[str, list[jinja2.Template]]:
        if self._persona is None:
            self.load()
        return self._templates

    def event_types(self) -> list[str]:
        """Every event type with a default-locale template."""
        names = [n.removesuffix(_SUFFIX) for n in self._loaded() if "/" not in n]
        return sorted(n for n in names if not self._is_locale_variant(n, names))

    def reply_names(self) -> list[str]:
        """Every canned reply with a default-locale template."""
        names = [n.removeprefix("replies/").removesuffix(_SUFFIX) for n in self._loaded() if n.startswith("replies/")]
        return sorted(n for n in names if not self._is_locale_variant(n, names))

    @staticmethod
    def _is_locale_variant(name: str, names: list[str]) -> bool:
        base, dot, suffix = name.rpartition(".")
        return bool(dot) and base in names and 2 <= len(suffix) <= 5 and suffix.isalpha()

    def template_name(self, base: str, locale: str | None) -> tuple[str, str]:
        """The template file used for `base` in `locale` (falling back to the default locale) and its locale."""
        templates = self._loaded()
        wanted = locale or self.locale
        if wanted != self.persona.default_locale and f"{base}.{wanted}{_SUFFIX}" in templates:
            return f"{base}.{wanted}{_SUFFIX}", wanted
        if f"{base}{_SUFFIX}" in templates:
            return f"{base}{_SUFFIX}", self.persona.default_locale
        raise TemplateError("no template", template=f"{self.persona_name}/{base}{_SUFFIX}")

    def _render(self, name: str, variant: int, context: dict[str, object]) -> str:
        template = self._loaded()[name][variant]
        label = f"{self.persona_name}/{name}#{variant}"
        try:
            text = template.render(context).strip()
        except jinja2.UndefinedError as exc:
            raise TemplateError(_missing_field(exc), template=label) from None
        except SecurityError as exc:
            raise TemplateError(f"unsafe operation: {exc}", template=label) from None
        except _RENDER_ERRORS as exc:
            raise TemplateError(f"{type(exc).__name__}: {exc}", template=label) from None
        if not text:
            raise TemplateError("renders empty text", template=label)
        return text

    def _base_context(self) -> dict[str, object]:
        persona = self.persona
        return {
            "persona": {"name": persona.name, "handle": persona.handle},
            "signature": persona.signature,
            "hashtags": " ".join(persona.hashtags),
        }

    def render_event(self, event: Event, *, rotation: int, locale: str | None = None) -> RenderedPost:
        """Render `event` with variant `rotation % count` of its type's template."""
        name, used_locale = self.template_name(event.type, locale)
        settings = self.persona.settings_for(event.type)
        variants = self._loaded()[name]
        variant = rotation % len(variants)
        data = clean_data(event.data, settings)
        assert isinstance(data, dict)
        context: dict[str, object] = {**data, "data": data}
        context["event"] = {"id": event.id, "type": event.type, "occurred_at": event.occurred_at}
        context.update(self._base_context())
        text = self._render(name, variant, context)
        label = f"{self.persona_name}/{name}#{variant}"
        length = weighted_length(text)
        if length <= MAX_WEIGHTED_LENGTH:
            texts: tuple[str, ...] = (text,)
        elif settings.too_long == "thread":
            if length > settings.max_parts * MAX_WEIGHTED_LENGTH:
                raise TemplateError(
                    f"{length} weighted characters would need more than {settings.max_parts} posts", template=label
                )
            texts = split_thread(text)
            if len(texts) > settings.max_parts:
                raise TemplateError(
                    f"{length} weighted characters would need {len(texts)} posts > {settings.max_parts}",
                    template=label,
                )
        else:
            raise PostTooLongError(length, template=label)
        for part in texts:
            if not is_valid_tweet(part):
                raise TemplateError(f"not a valid post: {part[:40]!r}", template=label)
        return RenderedPost(
            texts=texts,
            template=name,
            variant=variant,
            weighted_lengths=tuple(weighted_length(t) for t in texts),
            requires_approval=settings.approval,
            priority=settings.priority,
            promotional=settings.promotional,
            locale=used_locale,
        )

    def render_reply(
        self, name: str, *, author: str, tweet_text: str, agent: str, locale: str | None = None, rotation: int = 0
    ) -> str:
        """Render canned reply `name` for `author` answering `tweet_text`, signed by `agent`."""
        if name not in self.reply_names():
            known = ", ".join(self.reply_names()) or "none"
            raise TemplateError(f"no reply template {name!r} (this persona has: {known})",
                                template=f"{self.persona_name}/replies/{name}{_SUFFIX}")
        template, _ = self.template_name(f"replies/{name}", locale)
        variants = self._loaded()[template]
        context: dict[str, object] = {
            "author": clean_untrusted(author.lstrip("@＠")),
            "tweet": clean_untrusted(tweet_text),
            "agent": clean_untrusted(agent),
        }
        context.update(self._base_context())
        text = self._render(template, rotation % len(variants), context)
        length = weighted_length(text)
        if length > MAX_WEIGHTED_LENGTH:
            raise PostTooLongError(length, template=f"{self.persona_name}/{template}")
        return text
