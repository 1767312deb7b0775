"""Shared plumbing of CLI commands: build the app from settings, print results, exit codes.

Exit codes (documented in the README):
  0 success · 1 the operation failed · 2 bad usage or invalid configuration ·
  3 not found · 4 not allowed in the current state (e.g. approving a posted item)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import structlog
import typer
from sqlalchemy.exc import DataError, OperationalError

from bot.clock import AcceleratedClock, Clock, SystemClock
from bot.errors import BotError, ConfigError, ValidationError
from bot.settings import Settings, load_settings

log = structlog.get_logger()

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4


class NotFoundError(BotError):
    """A CLI argument names something that does not exist."""


class ConflictError(BotError):
    """The operation is not allowed in the object's current state."""


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def person(value: str) -> str:
    """Callback of every `--as` / `--by` option: a blank name would record an action (a claim, a follow) by nobody."""
    if not value.strip():
        raise typer.BadParameter("must name who is doing this, not be blank")
    return value


def settings_or_exit(*, sandbox: bool = False, require_x_credentials: bool = True) -> Settings:
    """Load settings; on any problem print them all and exit 2 (never a traceback)."""
    try:
        return load_settings(sandbox=sandbox, require_x_credentials=require_x_credentials)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_USAGE) from None


def brand_rules_or_exit(settings: Settings) -> Any:
    """The brand's detector rules, read once for the process (`bot.app.read_brand_rules`, handed to `App`);
    a bad rule file prints the problem and exits 2 before anything starts."""
    from bot.app import read_brand_rules

    try:
        return read_brand_rules(settings)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_USAGE) from None


def database_clock(database_url: str, *, speed: float = 1.0) -> Clock:
    """The wall clock, or, when the database already holds later times, a clock that resumes after them.

    A sandbox run on an accelerated clock (`brandbot run --sandbox --speed 60`) writes simulated
    times ahead of the wall clock. A one-shot command on its database must see that time, or SLA
    breaches, ages and lags come out wrong and its own rows (a claim, a label) land hours before the
    run's; a later sandbox run must not start before it, or a fresh sandbox world would hand out
    tweet ids below the stored cursors. In production the database is never ahead of the wall clock
    (beyond the skew between hosts) and this is the wall clock.
    """
    from bot.store.db import latest_activity_at, make_engine

    now = datetime.now(UTC)
    engine = make_engine(database_url)
    try:
        latest = latest_activity_at(engine)
    finally:
        engine.dispose()
    if latest is None or latest <= now:
        return SystemClock() if speed == 1 else AcceleratedClock(speed, start=now)
    start = latest + timedelta(seconds=1)
    log.info("clock.resumed", start=start.isoformat(), ahead_seconds=round((start - now).total_seconds()))
    return AcceleratedClock(speed, start=start)


def make_app(settings: Settings | None = None, *, sandbox: bool = False) -> Any:
    """Build the composition root for a one-shot command (logs to stderr; schema upgraded).

    One-shot commands work on the database and never call the X API, so they run without X
    credentials (a command that did reach for the X client would get a `ConfigError`, exit 2).
    """
    from bot.app import App
    from bot.logs import configure_logging

    settings = settings or settings_or_exit(sandbox=sandbox, require_x_credentials=False)
    brand_rules = brand_rules_or_exit(settings)
    configure_logging(log_format=settings.log_format, level="WARNING", secrets=settings.secrets(), stream=sys.stderr)
    app = App(settings, clock=database_clock(settings.database_url), wall_clock=SystemClock(), brand_rules=brand_rules)
    try:
        app.migrate()
    except OperationalError as exc:
        database_unreachable(exc)
    return app


@contextmanager
def handled(
    *, not_found: tuple[type[Exception], ...] = (), conflict: tuple[type[Exception], ...] = ()
) -> Iterator[None]:
    """Turn project errors into a one-line message and the documented exit code.

    `not_found` and `conflict` name a command group's own errors that mean exit 3 and exit 4. A value
    the database cannot hold (an id past its integer type, a name longer than its column) is bad usage.
    """
    missing: tuple[type[Exception], ...] = (NotFoundError, *not_found)
    refused: tuple[type[Exception], ...] = (ConflictError, *conflict)
    try:
        yield
    except missing as exc:
        fail(str(exc), EXIT_NOT_FOUND)
    except refused as exc:
        fail(str(exc), EXIT_CONFLICT)
    except (ValidationError, ConfigError, ValueError) as exc:
        fail(str(exc), EXIT_USAGE)
    except BotError as exc:
        fail(str(exc), EXIT_FAILED)
    except OperationalError as exc:
        database_unreachable(exc)
    except (DataError, OverflowError) as exc:
        value_out_of_range(exc)


def value_out_of_range(exc: DataError | OverflowError) -> NoReturn:
    """An id or limit beyond the column's integer type, a name longer than its column: one line, exit 2."""
    detail = str(exc.orig if isinstance(exc, DataError) else exc).strip().splitlines()[0]
    fail(f"a value given does not fit the database: {detail}", EXIT_USAGE)


def database_unreachable(exc: OperationalError) -> NoReturn:
    """No server, no such file or directory: one line, exit 1 (never a SQLAlchemy traceback)."""
    detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    fail(f"database unreachable: {detail} (check DATABASE_URL)", EXIT_FAILED)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "model_dump"):
        return _jsonable(value.model_dump())
    return value


def print_json(value: Any) -> None:
    typer.echo(json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=True))


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], *, empty: str = "(none)") -> None:
    """A plain aligned table for people."""
    if not rows:
        typer.echo(empty)
        return
    cells = [[str(_jsonable(r.get(c, "")) if r.get(c) is not None else "") for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i][:60]) for row in cells)) for i, c in enumerate(columns)]
    typer.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in cells:
        typer.echo("  ".join(v[:60].replace("\n", " ").ljust(w) for v, w in zip(row, widths, strict=True)))


def emit(rows: Sequence[dict[str, Any]], columns: Sequence[str], *, as_json: bool, empty: str = "(none)") -> None:
    """Print `rows` as JSON lines-array for scripts or as a table for people."""
    if as_json:
        print_json(list(rows))
    else:
        print_table(rows, columns, empty=empty)


def local_time(app: Any) -> Callable[[datetime | None], str]:
    """A formatter showing UTC instants in the configured time zone."""
    tz = app.settings.tz

    def fmt(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if value else ""

    return fmt
