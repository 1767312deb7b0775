"""Fault injection: decides, per API request and from one seeded RNG, what goes wrong."""

from __future__ import annotations

import random
from dataclasses import fields, replace
from datetime import datetime
from enum import Enum
from typing import Any

from bot.clock import as_utc
from bot.errors import ValidationError
from bot.sandbox.config import FaultSettings


class Fault(Enum):
    """What happens to one request."""

    NONE = "none"
    DROP = "drop"  # close the connection without a response
    TIMEOUT = "timeout"  # hold the request past any sane client timeout, then close
    BURST_429 = "burst_429"
    ERROR_500 = "500"
    ERROR_503 = "503"


def parse_instant(value: str) -> datetime:
    """An ISO 8601 instant (a trailing Z is accepted; naive values are UTC)."""
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError as exc:
        raise ValidationError(f"not an ISO 8601 instant: {value!r}") from exc


class Faults:
    """The current fault settings and the RNG they draw from. The server holds its lock around calls."""

    def __init__(self, settings: FaultSettings, *, seed: int) -> None:
        self.settings = settings
        self.burst_left = settings.burst_429
        self._rng = random.Random(seed)

    def update(self, changes: dict[str, Any]) -> FaultSettings:
        """Apply a `POST /_sandbox/faults` body; unknown keys or bad values raise `ValidationError`."""
        known = {f.name for f in fields(FaultSettings)} | {"restore_token"}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValidationError(f"unknown fault settings: {', '.join(unknown)}")
        values = {k: v for k, v in changes.items() if k != "restore_token"}
        for name in ("error_rate_5xx", "timeout_rate", "drop_rate"):
            if name in values and not (isinstance(values[name], int | float) and 0 <= values[name] <= 1):
                raise ValidationError(f"{name} must be a number between 0 and 1")
        for name in ("latency_ms", "burst_429"):
            if name in values and not (isinstance(values[name], int) and values[name] >= 0):
                raise ValidationError(f"{name} must be a non-negative integer")
        if "timeout_hold_seconds" in values and not isinstance(values["timeout_hold_seconds"], int | float):
            raise ValidationError("timeout_hold_seconds must be a number")
        if values.get("revoke_token_at") is not None:
            parse_instant(str(values["revoke_token_at"]))
        self.settings = replace(self.settings, **values)
        if "burst_429" in values:
            self.burst_left = int(values["burst_429"])
        return self.settings

    def revoke_at(self) -> datetime | None:
        """When credentials get revoked, if that is scheduled."""
        value = self.settings.revoke_token_at
        return parse_instant(value) if value else None

    def draw(self) -> Fault:
        """The fault for the next API request (consumes the RNG in a fixed order, so runs repeat)."""
        s = self.settings
        roll_drop, roll_timeout, roll_error, roll_kind = (self._rng.random() for _ in range(4))
        if roll_drop < s.drop_rate:
            return Fault.DROP
        if roll_timeout < s.timeout_rate:
            return Fault.TIMEOUT
        if self.burst_left > 0:
            self.burst_left -= 1
            return Fault.BURST_429
        if roll_error < s.error_rate_5xx:
            return Fault.ERROR_503 if roll_kind < 0.5 else Fault.ERROR_500
        return Fault.NONE

    def describe(self) -> dict[str, Any]:
        """The settings as JSON, with what is left of the burst."""
        out = {f.name: getattr(self.settings, f.name) for f in fields(FaultSettings)}
        out["burst_429_left"] = self.burst_left
        return out
