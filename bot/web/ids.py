"""The types for a row id and a page cursor in a dashboard URL, so neither can upset the database.

A path id outside 1..2**63-1 (a 64-bit SQL INTEGER) is refused by validation before any query
runs: the "Not found" page naming the id (404); an id in range that matches no row is then the
handler's own 404 or message. Without this, SQLite raises `OverflowError` and the request ends in
a 500. List pages page on with cursors, not ids: `bot.store.paging` checks the values a cursor
holds (an integer too big for the column makes it no cursor at all).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from bot.store.paging import MAX_CURSOR_LENGTH

#: The largest id a 64-bit signed SQL INTEGER (SQLite INTEGER, Postgres BIGINT) holds.
MAX_ROW_ID = 2**63 - 1

#: A row id in the URL path (`/triage/{item_id}`).
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
#: A list page's optional keyset cursor (`bot.store.paging`) in the query string (`/audit?before=CURSOR`): the
#: page's code reads it, and one that is not a cursor of its list is the first page; an overlong one is refused
#: here as invalid input (422).
CursorQuery = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)]
