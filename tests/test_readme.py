"""README.md's configuration table lists every variable bot/settings.py reads, with .env.example's defaults."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_env_example import documented, variables_read

README = Path(__file__).resolve().parent.parent / "README.md"
NAME = re.compile(r"`([A-Z][A-Z0-9_]*)`")


def table_rows() -> list[tuple[list[str], list[str]]]:
    """(variables, defaults) of each row of the table under `## Configuration`; a blank default cell is ''."""
    lines = README.read_text(encoding="utf-8").split("## Configuration", 1)[1].splitlines()
    start = lines.index("| Variable | Default | Meaning |") + 2  # past the header and its |---| line
    rows: list[tuple[list[str], list[str]]] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        names_cell, default_cell = line.strip("|").split("|")[:2]
        names = NAME.findall(names_cell)
        defaults = [d.strip().strip("`") for d in default_cell.split(",")] if default_cell.strip() else []
        rows.append((names, [("" if d == "none" else d.removeprefix("./")) for d in defaults] or [""] * len(names)))
    return rows


class TestConfigurationTable:
    def test_the_table_is_found(self) -> None:
        """The parser sees the table (guards against it silently matching nothing)."""
        assert len(table_rows()) >= 20

    def test_every_variable_is_in_the_table(self) -> None:
        """Each variable load_settings reads has a row, and the table names none it does not read."""
        listed = [name for names, _ in table_rows() for name in names]
        assert len(listed) == len(set(listed)), "a variable is listed twice"
        assert sorted(variables_read() - set(listed)) == []
        assert sorted(set(listed) - variables_read()) == []

    def test_defaults_are_those_of_env_example(self) -> None:
        """Each row gives one default per variable, the one .env.example documents (blank or `none`: no default)."""
        example = documented()
        for names, defaults in table_rows():
            assert len(defaults) == len(names), f"{names}: {len(defaults)} defaults for {len(names)} variables"
            for name, default in zip(names, defaults, strict=True):
                wanted = example[name][1]
                assert default == wanted, f"{name}: README says {default!r}, .env.example {wanted!r}"
