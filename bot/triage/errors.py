"""Errors of the triage services (the CLI maps them to exit codes 3 and 4)."""

from __future__ import annotations

from bot.errors import BotError


class TriageNotFoundError(BotError):
    """No triage item with that id."""


class TriageConflictError(BotError):
    """The item's state does not allow the action (claimed by someone else, already closed, ...)."""


class AlreadyAnsweredError(TriageConflictError):
    """The item's reply is already posted, so another reply must be a deliberate follow-up.

    Each surface says how to send one (the CLI's `--follow-up`, the page's follow-up box).
    """

    def __init__(self, item_id: int, post_id: int) -> None:
        self.item_id = item_id
        self.post_id = post_id
        super().__init__(f"triage item {item_id} was already answered by reply post {post_id} (posted); "
                         "another reply must be sent as a follow-up")
