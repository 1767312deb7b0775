"""Errors of the triage services (the CLI maps them to exit codes 3 and 4)."""

from __future__ import annotations

from bot.errors import BotError


class TriageNotFoundError(BotError):
    """No triage item with that id."""


class TriageConflictError(BotError):
    """The item's state does not allow the action (claimed by someone else, already closed, ...)."""
