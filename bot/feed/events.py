"""The validated event: what the PR team's feed (webhook, RSS, NDJSON) turns into before rendering.

An event on the wire is a JSON object::

    {"id": "sol-42-image-3", "type": "camera.image", "occurred_at": "2026-05-25T23:53:44Z",
     "source": "ops-webhook", "data": {"subject": "ice", "camera": "robotic arm"}}

Rules enforced by `validate_event` (each failure is a `ValidationError` whose `reason` names
the field):

* only the keys `id`, `type`, `occurred_at`, `source`, `data` are accepted;
* `id`: a string of 1–128 characters from `A-Z a-z 0-9 _ . : -`, starting with a letter/digit;
* `type`: matches `[a-z][a-z0-9_.-]{0,63}`;
* `occurred_at`: an ISO 8601 string *with* a UTC offset (or `Z`); naive times are rejected
  because the feed's time zone is not known — it is stored as aware UTC;
* `source`: the `source=` argument when given (the transport knows where the event came
  from), else a non-empty string field of at most 64 characters;
* `data`: a JSON object (string keys) of JSON values only — str, int, finite float, bool,
  None, list, object — nested at most 16 deep; the whole event serialises to at most 64 KiB.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.errors import ValidationError

MAX_EVENT_BYTES = 64 * 1024
MAX_DEPTH = 16
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_TYPE = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_KEYS = frozenset({"id", "type", "occurred_at", "source", "data"})
_MAX_SOURCE = 64


@dataclass(frozen=True)
class Event:
    """One validated feed event; `occurred_at` is aware UTC, `data` holds JSON values only."""

    id: str
    type: str
    occurred_at: datetime
    source: str
    data: dict[str, object] = field(default_factory=dict)


def _check_json(value: object, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValidationError(f"data nested deeper than {MAX_DEPTH} levels at {path}")
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{path} is not a finite number")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, f"{path}[{i}]", depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(f"{path} has a non-string key {key!r}")
            _check_json(item, f"{path}.{key}", depth + 1)
        return
    raise ValidationError(f"{path} has a non-JSON value of type {type(value).__name__}")


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str) or not value:
        raise ValidationError("occurred_at must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"occurred_at is not ISO 8601: {value[:40]!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValidationError(f"occurred_at has no UTC offset: {value[:40]!r}")
    return parsed.astimezone(UTC)


def validate_event(raw: object, *, source: str | None = None) -> Event:
    """Check one decoded event and return it as an `Event`; raise `ValidationError` saying why not."""
    if not isinstance(raw, dict):
        raise ValidationError(f"event must be a JSON object, not {type(raw).__name__}")
    unknown = sorted(str(k) for k in raw if k not in _KEYS)
    if unknown:
        raise ValidationError(f"unknown event field(s): {', '.join(unknown)}")
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise ValidationError("id is missing or empty")
    if len(event_id) > 128:
        raise ValidationError(f"id is longer than 128 characters ({len(event_id)})")
    if not _ID.fullmatch(event_id):
        raise ValidationError(f"id has characters outside A-Z a-z 0-9 _ . : - : {event_id[:40]!r}")
    event_type = raw.get("type")
    if not isinstance(event_type, str) or not _TYPE.fullmatch(event_type):
        raise ValidationError(f"type must match [a-z][a-z0-9_.-]{{0,63}}: {str(event_type)[:70]!r}")
    occurred_at = _parse_time(raw.get("occurred_at"))
    origin = source if source is not None else raw.get("source")
    if not isinstance(origin, str) or not origin.strip():
        raise ValidationError("source is missing or empty")
    if len(origin) > _MAX_SOURCE:
        raise ValidationError(f"source is longer than {_MAX_SOURCE} characters")
    data = raw.get("data", {})
    if not isinstance(data, dict):
        raise ValidationError(f"data must be a JSON object, not {type(data).__name__}")
    _check_json(data, "data", 1)
    size = len(json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_EVENT_BYTES:
        raise ValidationError(f"event is {size} bytes, more than {MAX_EVENT_BYTES}")
    return Event(id=event_id, type=event_type, occurred_at=occurred_at, source=origin, data=copy.deepcopy(data))


def _reject_constant(name: str) -> object:
    raise ValidationError(f"line contains {name}, which is not JSON")


def parse_ndjson_line(line: str, *, source: str) -> Event:
    """Decode and validate one NDJSON line (one event object per line)."""
    if not line.strip():
        raise ValidationError("line is empty")
    if len(line.encode("utf-8")) > MAX_EVENT_BYTES:
        raise ValidationError(f"line is more than {MAX_EVENT_BYTES} bytes")
    try:
        raw = json.loads(line, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"line is not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise ValidationError("line is nested too deeply") from None
    return validate_event(raw, source=source)
