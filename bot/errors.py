"""The project's error tree.

BotError
├── ConfigError                 invalid settings (carries every problem)
├── ValidationError             bad input from outside (event, template, CLI value)
│   └── TemplateError           a template fails to load or render
├── StoreError                  the database refused something
└── XApiError                   anything the X API said or failed to say
    ├── TransientError          retry later with backoff (5xx, timeout, dropped connection)
    │   └── RateLimited         429 with the window's reset time (`reset_at`)
    └── PermanentError          retrying the same call will not help
        ├── UsageCapExceeded    429 usage cap: does not clear at the window reset
        ├── CreditsDepleted     402 on pay-per-use
        ├── DuplicateContent    403 duplicate post: reconcile, never retry
        ├── Unauthorized        401: bad, expired or revoked credentials
        ├── Forbidden           403 for any other reason (e.g. reply not summoned)
        │   ├── NotOnTier       the capability is not available on this tier
        │   └── NotVisible      not-authorized-for-resource: e.g. a protected account's post
        ├── NotFound            404 / resource gone
        └── BadRequest          400 (e.g. text over 280 weighted characters)
"""

from __future__ import annotations

from datetime import datetime


class BotError(Exception):
    """Root of every error brandbot raises on purpose."""


class ConfigError(BotError):
    """Invalid configuration; `problems` lists every one found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in self.problems))


class ValidationError(BotError):
    """Input from outside the process that cannot be accepted; `reason` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class TemplateError(ValidationError):
    """A template failed to load or render."""

    def __init__(self, reason: str, *, template: str = "") -> None:
        self.template = template
        super().__init__(f"{template}: {reason}" if template else reason)


class StoreError(BotError):
    """The database refused an operation."""


class XApiError(BotError):
    """Base for errors coming from the X API (or from failing to reach it)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        endpoint: str = "",
        body: object = None,
    ) -> None:
        self.status = status
        self.endpoint = endpoint
        self.body = body
        super().__init__(message)


class TransientError(XApiError):
    """A failure that may succeed if retried later (5xx, timeout, dropped connection)."""


class RateLimited(TransientError):
    """429 Too Many Requests; the window clears at `reset_at`."""

    def __init__(self, message: str, *, reset_at: datetime | None, **kw: object) -> None:
        self.reset_at = reset_at
        super().__init__(message, **kw)  # type: ignore[arg-type]


class PermanentError(XApiError):
    """Retrying the same request will not help."""


class UsageCapExceeded(PermanentError):
    """429 usage cap: the tier's monthly/daily cap is spent and does not clear at reset."""


class CreditsDepleted(PermanentError):
    """402 Payment Required on pay-per-use: the credit balance is spent."""


class DuplicateContent(PermanentError):
    """403 duplicate content: an identical post exists; reconcile instead of retrying."""


class Unauthorized(PermanentError):
    """401: credentials are bad, expired or revoked."""


class Forbidden(PermanentError):
    """403 for a reason other than duplicate content."""


class NotOnTier(Forbidden):
    """The capability (follow, quote, ...) is not available through the API on this tier."""


class NotVisible(Forbidden):
    """The resource exists but this account may not see it (X's not-authorized-for-resource problem):
    e.g. a post by a protected account it does not follow (or no longer may, once the author protected it)."""


class NotFound(PermanentError):
    """404 or the resource no longer exists."""


class BadRequest(PermanentError):
    """400: the request itself is invalid (e.g. over 280 weighted characters)."""
