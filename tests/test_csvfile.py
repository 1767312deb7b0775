"""bot/csvfile.py: user CSV files read row by row, every problem naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.csvfile import CsvRow, read_csv_rows
from bot.errors import ValidationError


class TestReadCsvRows:
    def test_rows_with_the_line_they_end_on(self, tmp_path: Path) -> None:
        """A byte-order mark is dropped, CRLF is fine, a quoted field may span lines."""
        path = tmp_path / "in.csv"
        path.write_bytes(b'\xef\xbb\xbftext,label\r\n"two\r\nlines",1\r\nshort,\r\n')
        assert read_csv_rows(path, columns=("text",)) == [
            CsvRow(3, {"text": "two\r\nlines", "label": "1"}),
            CsvRow(4, {"text": "short", "label": ""}),
        ]

    def test_missing_column(self, tmp_path: Path) -> None:
        """A header without a required column lists the columns it has."""
        path = tmp_path / "in.csv"
        path.write_text("body,label\nx,1\n", encoding="utf-8")
        with pytest.raises(ValidationError) as caught:
            read_csv_rows(path, columns=("text",))
        assert caught.value.reason == f"{path}: no column 'text' (columns: body, label)"

    def test_unreadable_file(self, tmp_path: Path) -> None:
        """A missing file is a ValidationError, not an OSError."""
        with pytest.raises(ValidationError, match=r"cannot read .*absent\.csv: No such file or directory"):
            read_csv_rows(tmp_path / "absent.csv", columns=("text",))

    def test_not_utf8_names_the_line(self, tmp_path: Path) -> None:
        """A Latin-1 byte on line 2 is reported with its line and column."""
        path = tmp_path / "in.csv"
        path.write_bytes(b"text\ncaf\xe9\n")
        with pytest.raises(ValidationError) as caught:
            read_csv_rows(path, columns=("text",))
        assert caught.value.reason == f"{path}: line 2: not UTF-8 text (byte 0xe9 at column 4)"

    def test_a_quote_never_closed_is_refused(self, tmp_path: Path) -> None:
        """A field that opens a quote and never closes it is an error naming the row, not one field holding the
        rest of the file."""
        path = tmp_path / "in.csv"
        path.write_text('text,label\nfine,0\n"broken start,1\nrow three,0\nrow four,1\n', encoding="utf-8")
        with pytest.raises(ValidationError) as caught:
            read_csv_rows(path, columns=("text",))
        assert caught.value.reason == (
            f"{path}: line 5: not valid CSV: unexpected end of data (in the row that starts on line 3)"
        )

    def test_a_stray_quote_closed_rows_later_is_refused(self, tmp_path: Path) -> None:
        """A stray opening quote closed by a quote rows later is refused, not read as one field over three rows."""
        path = tmp_path / "in.csv"
        path.write_text('text,label\n"broken start,1\nrow two,0\nrow "three",1\nrow four,0\n', encoding="utf-8")
        with pytest.raises(ValidationError) as caught:
            read_csv_rows(path, columns=("text",))
        assert caught.value.reason == (
            f"{path}: line 4: not valid CSV: ',' expected after '\"' (in the row that starts on line 2)"
        )
