"""Logging: structlog configured once, in the entry point.

JSON lines when stdout is not a TTY or `LOG_FORMAT=json`, readable console output otherwise.
Every secret the settings hold is redacted from every log line, whatever key it hides under.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog

REDACTED = "[redacted]"
SECRET_KEYS = frozenset(
    {"password", "token", "access_token", "refresh_token", "secret", "webhook_secret", "authorization", "api_key"}
)


class SecretRedactor:
    """A structlog processor replacing secret values (and values of secret-named keys)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self._secrets:
                if secret in value:
                    value = value.replace(secret, REDACTED)
            return value
        if isinstance(value, dict):
            return {k: REDACTED if str(k).lower() in SECRET_KEYS else self._scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self._scrub(v) for v in value)
        if isinstance(value, BaseException):
            return self._scrub(repr(value))
        return value

    def __call__(self, _logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        for key in list(event_dict):
            if key.lower() in SECRET_KEYS:
                event_dict[key] = REDACTED
            else:
                event_dict[key] = self._scrub(event_dict[key])
        return event_dict

    def scrub_rendered(self, _logger: Any, _name: str, line: str) -> str:
        """After rendering: catches a secret inside the repr of an arbitrary object (a URL, a request)."""
        return str(self._scrub(line))


def configure_logging(
    *, log_format: str, level: str = "INFO", secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Configure structlog (and the stdlib root logger) for the whole process."""
    out = stream or sys.stdout
    use_json = log_format == "json" or (log_format == "auto" and not out.isatty())
    redactor = SecretRedactor(secrets)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer(colors=False)
    tail: list[Any] = [structlog.processors.format_exc_info, redactor, renderer, redactor.scrub_rendered]
    structlog.configure(
        processors=[*shared, *tail],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    # Libraries that use the stdlib logger (uvicorn, apscheduler, alembic) go to the same stream,
    # through the same chain: same format, tracebacks formatted and then redacted.
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *tail],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    for noisy in ("uvicorn.access", "apscheduler.executors.default", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(logging.ERROR)  # skipped/coalesced runs are by design
