"""Plain request/response values passed between the HTTP layer and the handlers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.faults import Fault


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as the handlers see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes = b""

    @classmethod
    def build(cls, method: str, target: str, headers: Mapping[str, str], body: bytes = b"") -> Request:
        parts = urlsplit(target)
        return cls(method.upper(), parts.path.rstrip("/") or "/", parse_qs(parts.query), headers, body)

    def arg(self, name: str) -> str | None:
        """The first value of query parameter `name`."""
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        """The JSON body (None when absent or not JSON)."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        """The urlencoded form body."""
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass(slots=True)
class Response:
    """What to send back; `fault` DROP/TIMEOUT means send nothing and close."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    fault: Fault = Fault.NONE
