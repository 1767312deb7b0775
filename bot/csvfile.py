"""User-supplied CSV files (`brandbot classify --csv`, `brandbot model train --csv`): a header row, UTF-8.

Every problem is a `ValidationError` naming the file, and the line when there is one: bytes that are
not UTF-8, a row the csv module refuses (a field over `FIELD_LIMIT`, a stray quote), a missing column.
Quotes are read strictly: a quote that opens a field and is never closed is an error naming the row it
opens, not a field that silently swallows every row after it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from bot.errors import ValidationError

#: Largest field accepted, in characters. The detector reads only the start of a text
#: (`bot.classify.text.MAX_CHARS`), so this bounds memory rather than what is scored; the csv
#: module's own default (128 KiB) refused long pasted posts.
FIELD_LIMIT = 1 << 20


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row: the line it ends on (1 is the header) and its values by column."""

    line: int
    values: dict[str, str]


class _Lines:
    """The file's lines as text, each decoded on its own; `line` is the number of the last one read."""

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        self.handle = handle
        self.path = path
        self.line = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.line += 1
            try:
                text = raw.decode("utf-8-sig" if self.line == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise ValidationError(f"{self.path}: line {self.line}: not UTF-8 text "
                                      f"(byte 0x{raw[exc.start]:02x} at column {exc.start + 1})") from None
            yield text


def read_csv_rows(path: Path, *, columns: Sequence[str]) -> list[CsvRow]:
    """The data rows of the CSV file at `path`, whose header must name every one of `columns`."""
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        lines = _Lines(handle, path)
        # strict: a quote opened and never closed is an error, not a field that swallows the rows after it
        reader = csv.DictReader(iter(lines), strict=True)
        rows: list[CsvRow] = []
        try:
            header = reader.fieldnames or []
            for column in columns:
                if column not in header:
                    raise ValidationError(f"{path}: no column {column!r} (columns: {', '.join(header)})")
            for row in reader:
                rows.append(CsvRow(lines.line, {k: v or "" for k, v in row.items() if isinstance(k, str)}))
        except csv.Error as exc:
            start = (rows[-1].line if rows else 1) + 1
            where = f" (in the row that starts on line {start})" if start < lines.line else ""
            raise ValidationError(f"{path}: line {lines.line}: not valid CSV: {exc}{where}") from None
        return rows
