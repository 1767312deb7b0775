"""`brandbot templates check`: render every template against samples and generated hostile payloads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.context import EXIT_FAILED, EXIT_NOT_FOUND, fail, handled, print_json, settings_or_exit
from bot.errors import TemplateError
from bot.publish.anecdotes_job import check_anecdotes
from bot.render.check import CheckFailure, check_templates
from bot.render.renderer import Renderer

app = typer.Typer(no_args_is_help=True)


def personas_in(template_dir: Path) -> list[str]:
    """Every persona directory (one holding a persona.toml) under `template_dir`."""
    return sorted(p.name for p in template_dir.iterdir() if (p / "persona.toml").is_file())


def check_all(template_dir: Path, persona: str | None, *, examples: int) -> list[CheckFailure]:
    """`check_templates` plus every persona's anecdote library."""
    failures = check_templates(template_dir, persona, examples=examples)
    for name in [persona] if persona else personas_in(template_dir):
        renderer = Renderer(template_dir, name)
        try:
            renderer.load()
        except TemplateError:
            continue  # already reported by check_templates
        failures += check_anecdotes(renderer)
    return failures


@app.command("check")
def check_cmd(
    persona: str | None = typer.Option(None, "--persona", help="Only this persona (default: every one)."),
    examples: int = typer.Option(25, "--examples", min=0, max=10000, help="Generated payloads per template variant."),
    template_dir: Annotated[Path | None, typer.Option("--template-dir", help="Default: TEMPLATE_DIR.")] = None,
    as_json: bool = typer.Option(False, "--json", help="The failures as one JSON array."),
) -> None:
    """Render every template against its sample and generated payloads; exit 1 listing each failure."""
    with handled():
        # Only the template directory is needed: no X credentials are required to check templates.
        folder = template_dir or settings_or_exit(sandbox=True).template_dir
        if not folder.is_dir():
            fail(f"no template directory {folder}", EXIT_NOT_FOUND)
        if persona is not None and not (folder / persona / "persona.toml").is_file():
            fail(f"no persona {persona!r} in {folder}", EXIT_NOT_FOUND)
        failures = check_all(folder, persona, examples=examples)
        checked = [persona] if persona else personas_in(folder)
        if as_json:
            print_json(failures)
        elif failures:
            for failure in failures:
                typer.echo(f"FAIL {failure.template}\n  event:  {failure.event}\n  reason: {failure.reason}")
            typer.echo(f"{len(failures)} failure{'s' if len(failures) != 1 else ''} in {', '.join(checked)}")
        else:
            typer.echo(f"all templates pass: {', '.join(checked) or '(no personas)'}")
        if failures:
            raise typer.Exit(EXIT_FAILED)
