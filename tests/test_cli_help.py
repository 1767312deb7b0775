"""`brandbot --help`: every registered command and group is listed with one line of help."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from bot.cli.main import app

REPO = Path(__file__).resolve().parent.parent
WIDE = {"COLUMNS": "200", "TERMINAL_WIDTH": "200"}  # no wrapping, so a help line stays on one line


def registered_names() -> list[str]:
    """Top-level names as registered with typer (commands and sub-apps), so new groups are covered."""
    commands = [
        c.name or typer.main.get_command_name(c.callback.__name__) for c in app.registered_commands if c.callback
    ]
    groups = [g.name for g in app.registered_groups if g.name]
    return [*commands, *groups]


def root() -> TyperGroup:
    command = typer.main.get_command(app)
    assert isinstance(command, TyperGroup)
    return command


def groups() -> list[str]:
    return [name for name, cmd in root().commands.items() if isinstance(cmd, TyperGroup)]


def short_help(cmd: typer.core.TyperCommand | TyperGroup) -> str:
    return cmd.get_short_help_str(limit=300).strip()


def line_of(output: str, name: str) -> str:
    """The help line that starts with `name` (typer draws a box around it)."""
    for line in output.splitlines():
        words = line.strip("│ ").split()
        if words and words[0] == name:
            return " ".join(words[1:])
    raise AssertionError(f"{name!r} is not listed in:\n{output}")


runner = CliRunner()


class TestTopLevelHelp:
    def test_registrations_are_what_click_sees(self) -> None:
        """Every typer registration becomes a command (none lost, none unnamed)."""
        names = registered_names()
        assert len(names) == len(set(names))
        assert sorted(names) == sorted(root().commands)
        assert {"db", "triage", "follow", "model"} <= set(names)

    @pytest.mark.parametrize("name", registered_names())
    def test_each_has_one_line_help(self, name: str) -> None:
        """Each command and group has a non-empty, single-line summary."""
        text = short_help(root().commands[name])
        assert text
        assert "\n" not in text

    def test_help_lists_every_command_with_its_summary(self) -> None:
        """`brandbot --help` shows each name next to the start of its summary."""
        result = runner.invoke(app, ["--help"], env=WIDE)
        assert result.exit_code == 0, result.output
        assert "Usage: brandbot" in result.output
        for name in registered_names():
            first_words = " ".join(short_help(root().commands[name]).split()[:3])
            assert line_of(result.output, name).startswith(first_words)


class TestGroupHelp:
    @pytest.mark.parametrize("group", groups())
    def test_every_subcommand_has_help(self, group: str) -> None:
        """`brandbot <group> --help` exits 0 and each subcommand has a one-line summary."""
        result = runner.invoke(app, [group, "--help"], env=WIDE)
        assert result.exit_code == 0, result.output
        sub = root().commands[group]
        assert isinstance(sub, TyperGroup)
        assert sub.commands
        for name, cmd in sub.commands.items():
            text = short_help(cmd)
            assert text, f"`brandbot {group} {name}` has no help"
            assert line_of(result.output, name).startswith(" ".join(text.split()[:3]))

    @pytest.mark.parametrize("group", [g for g in groups() if ": " in short_help(root().commands[g])])
    def test_an_enumerating_summary_names_every_subcommand(self, group: str) -> None:
        """A group summary that lists its commands ("Dashboard accounts: add, list, ...") leaves none out."""
        sub = root().commands[group]
        assert isinstance(sub, TyperGroup)
        listed = short_help(sub).split(": ", 1)[1].lower()
        missing = [n for n in sub.commands if not re.search(rf"\b{re.escape(n.replace('-', ' '))}\b", listed)]
        assert missing == [], f"`brandbot --help` summary of {group!r} omits {missing}"


class TestModuleEntryPoint:
    def test_python_m_bot_help(self) -> None:
        """`python -m bot --help` is the same CLI and exits 0."""
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "--help"],
            cwd=REPO,
            env={**os.environ, **WIDE},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert "Usage: python -m bot" in proc.stdout or "Usage: brandbot" in proc.stdout
        for name in registered_names():
            line_of(proc.stdout, name)
