"""A persona's settings, read from `templates/<persona>/persona.toml`.

Keys (all optional except `name` and `handle`)::

    name = "Phoenix Mars Lander"
    handle = "MarsPhoenix"
    voice = "first person, curious, a little wry"   # notes for template writers
    signature = "— Phoenix"                          # templates use {{ signature }}
    hashtags = ["#Mars", "#Phoenix"]                 # templates use {{ hashtags }} (space-joined)
    default_locale = "en"                            # language of <event_type>.j2

    [events."camera.image"]
    approval = false          # a human approves before publishing
    too_long = "thread"       # or "reject" (default)
    max_parts = 4             # longest thread allowed (default 4)
    allow_mentions = []       # data fields whose @mentions are kept
    allow_urls = ["link"]     # data fields whose URLs are kept
    allow_cashtags = []       # data fields whose $cashtags are kept
    priority = 5              # higher publishes first (default 0)
    promotional = false       # paid/promotional content (default false)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import TemplateError

_TOO_LONG = ("thread", "reject")


@dataclass(frozen=True)
class EventSettings:
    """How one event type is published."""

    approval: bool = False
    too_long: str = "reject"
    max_parts: int = 4
    allow_mentions: frozenset[str] = frozenset()
    allow_urls: frozenset[str] = frozenset()
    allow_cashtags: frozenset[str] = frozenset()
    priority: int = 0
    promotional: bool = False


@dataclass(frozen=True)
class Persona:
    """Who speaks: identity, voice notes and per-event-type settings."""

    name: str
    handle: str
    voice: str = ""
    signature: str = ""
    hashtags: tuple[str, ...] = ()
    default_locale: str = "en"
    events: dict[str, EventSettings] = field(default_factory=dict)

    def settings_for(self, event_type: str) -> EventSettings:
        """The settings of `event_type`, or the defaults when the persona does not list it."""
        return self.events.get(event_type, EventSettings())


def _strs(value: object, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TemplateError(f"{where} must be a list of field names", template="persona.toml")
    return frozenset(value)


def _event_settings(event_type: str, raw: object) -> EventSettings:
    where = f"events.{event_type}"
    if not isinstance(raw, dict):
        raise TemplateError(f"{where} must be a table", template="persona.toml")
    unknown = sorted(set(raw) - set(EventSettings.__dataclass_fields__))
    if unknown:
        raise TemplateError(f"{where} has unknown key(s): {', '.join(unknown)}", template="persona.toml")
    too_long = raw.get("too_long", "reject")
    if too_long not in _TOO_LONG:
        raise TemplateError(f"{where}.too_long must be 'thread' or 'reject'", template="persona.toml")
    values = {k: raw[k] for k in ("approval", "promotional") if k in raw}
    for key in ("priority", "max_parts"):
        if key in raw and (not isinstance(raw[key], int) or isinstance(raw[key], bool)):
            raise TemplateError(f"{where}.{key} must be an integer", template="persona.toml")
    if any(not isinstance(v, bool) for v in values.values()):
        raise TemplateError(f"{where}: approval and promotional must be true or false", template="persona.toml")
    return EventSettings(
        approval=bool(raw.get("approval", False)),
        too_long=str(too_long),
        max_parts=int(raw.get("max_parts", 4)),
        allow_mentions=_strs(raw.get("allow_mentions", []), f"{where}.allow_mentions"),
        allow_urls=_strs(raw.get("allow_urls", []), f"{where}.allow_urls"),
        allow_cashtags=_strs(raw.get("allow_cashtags", []), f"{where}.allow_cashtags"),
        priority=int(raw.get("priority", 0)),
        promotional=bool(raw.get("promotional", False)),
    )


def load_persona(path: Path) -> Persona:
    """Read and check one persona.toml; raise `TemplateError` naming the problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TemplateError(f"cannot read persona: {exc}", template=str(path)) from None
    for key in ("name", "handle"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise TemplateError(f"{key} is required", template=str(path))
    hashtags = raw.get("hashtags", [])
    if not isinstance(hashtags, list) or not all(isinstance(h, str) for h in hashtags):
        raise TemplateError("hashtags must be a list of strings", template=str(path))
    events = raw.get("events", {})
    if not isinstance(events, dict):
        raise TemplateError("events must be a table", template=str(path))
    return Persona(
        name=raw["name"],
        handle=raw["handle"],
        voice=str(raw.get("voice", "")),
        signature=str(raw.get("signature", "")),
        hashtags=tuple(hashtags),
        default_locale=str(raw.get("default_locale", "en")),
        events={str(k): _event_settings(str(k), v) for k, v in events.items()},
    )
