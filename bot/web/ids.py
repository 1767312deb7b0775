"""The one type for a row id in a dashboard URL, so no id can be too big for the database.

A path or query id outside 1..2**63-1 (a 64-bit SQL INTEGER) is refused by validation before any
query runs: in a path it is the "Not found" page naming the id (404), in a query the "Invalid
input" page (422); an id in range that matches no row is then the handler's own 404 or message.
Without this, SQLite raises `OverflowError` and the request ends in a 500.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

#: The largest id a 64-bit signed SQL INTEGER (SQLite INTEGER, Postgres BIGINT) holds.
MAX_ROW_ID = 2**63 - 1

#: A row id in the URL path (`/triage/{item_id}`).
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
#: An optional row id in the query string (`/audit?before=ID`).
RowIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
