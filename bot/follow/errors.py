"""Errors of the follow services (the CLI maps them to exit codes 3 and 4)."""

from __future__ import annotations

from bot.errors import BotError


class FollowNotFoundError(BotError):
    """No follow decision with that id."""


class FollowConflictError(BotError):
    """The decision is not in a state that allows the operation."""
