"""Tests for bot.feed.events: validate_event and parse_ndjson_line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.errors import ValidationError
from bot.feed.events import Event, parse_ndjson_line, validate_event


def _raw(**overrides: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "id": "sol-42.image:3",
        "type": "camera.image",
        "occurred_at": "2026-05-26T01:53:44+02:00",
        "source": "ops-webhook",
        "data": {"subject": "ice", "tags": ["arm", 3, 1.5, None, True]},
    }
    raw.update(overrides)
    return raw


def _reason(raw: object, **kw: str) -> str:
    with pytest.raises(ValidationError) as info:
        validate_event(raw, **kw)
    return info.value.reason


class TestValidateEvent:
    def test_valid_event(self) -> None:
        """A valid event comes back with UTC time and its data."""
        assert validate_event(_raw()) == Event(
            id="sol-42.image:3",
            type="camera.image",
            occurred_at=datetime(2026, 5, 25, 23, 53, 44, tzinfo=UTC),
            source="ops-webhook",
            data={"subject": "ice", "tags": ["arm", 3, 1.5, None, True]},
        )

    def test_source_argument_wins(self) -> None:
        """The transport's source overrides the payload's."""
        assert validate_event(_raw(), source="rss").source == "rss"

    def test_z_suffix(self) -> None:
        """A trailing Z is UTC."""
        assert validate_event(_raw(occurred_at="2026-01-02T03:04:05Z")).occurred_at == datetime(
            2026, 1, 2, 3, 4, 5, tzinfo=UTC
        )

    def test_data_defaults_to_empty(self) -> None:
        """An event without data has an empty data object."""
        raw = _raw()
        del raw["data"]
        assert validate_event(raw).data == {}

    @pytest.mark.parametrize(
        ("overrides", "reason"),
        [
            ({"id": ""}, "id is missing or empty"),
            ({"id": 7}, "id is missing or empty"),
            ({"id": "x" * 129}, "id is longer than 128 characters (129)"),
            ({"id": "a b"}, "id has characters outside A-Z a-z 0-9 _ . : - : 'a b'"),
            ({"type": "Camera"}, "type must match [a-z][a-z0-9_.-]{0,63}: 'Camera'"),
            ({"occurred_at": "yesterday"}, "occurred_at is not ISO 8601: 'yesterday'"),
            ({"occurred_at": "2026-01-02T03:04:05"}, "occurred_at has no UTC offset: '2026-01-02T03:04:05'"),
            ({"occurred_at": 1700000000}, "occurred_at must be an ISO 8601 string"),
            ({"source": " "}, "source is missing or empty"),
            ({"data": [1]}, "data must be a JSON object, not list"),
            ({"data": {"x": {1, 2}}}, "data.x has a non-JSON value of type set"),
            ({"data": {"x": float("nan")}}, "data.x is not a finite number"),
            ({"data": {"x": "é" * 40_000}}, "event is 80136 bytes, more than 65536"),
            ({"extra": 1}, "unknown event field(s): extra"),
        ],
    )
    def test_rejections(self, overrides: dict[str, object], reason: str) -> None:
        """Each bad field is rejected with a reason naming it."""
        assert _reason(_raw(**overrides)) == reason

    def test_not_an_object(self) -> None:
        """A non-object event is rejected."""
        assert _reason(["x"]) == "event must be a JSON object, not list"

    def test_too_deep(self) -> None:
        """Deeply nested data is rejected."""
        deep: object = "x"
        for _ in range(20):
            deep = {"k": deep}
        assert _reason(_raw(data=deep)).startswith("data nested deeper than 16 levels at data.k")

    def test_data_is_copied(self) -> None:
        """Mutating the input afterwards does not change the event."""
        raw = _raw()
        event = validate_event(raw)
        raw["data"]["subject"] = "dust"  # type: ignore[index]
        assert event.data["subject"] == "ice"


class TestParseNdjsonLine:
    def test_line(self) -> None:
        """One JSON line becomes an event."""
        assert parse_ndjson_line(json.dumps(_raw()), source="file").type == "camera.image"

    @pytest.mark.parametrize(
        ("line", "reason"),
        [
            ("", "line is empty"),
            ("{not json", "line is not valid JSON: Expecting property name enclosed in double quotes at column 2"),
            ('{"x": NaN}', "line contains NaN, which is not JSON"),
            ("[" * 100_000, "line is more than 65536 bytes"),
        ],
    )
    def test_bad_lines(self, line: str, reason: str) -> None:
        """Malformed lines are rejected with a reason."""
        with pytest.raises(ValidationError) as info:
            parse_ndjson_line(line, source="file")
        assert info.value.reason == reason
