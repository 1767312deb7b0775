"""`brandbot run`: the long-running bot (jobs + dashboard), optionally on the embedded X API sandbox."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import sys
import threading
import time
from types import FrameType
from typing import Annotated, Any

import structlog
import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bot.cli.context import (
    EXIT_USAGE,
    brand_rules_or_exit,
    database_clock,
    database_unreachable,
    fail,
    settings_or_exit,
)
from bot.clock import AcceleratedClock, Clock, SystemClock
from bot.errors import ConfigError, RateLimited, Unauthorized, XApiError

log = structlog.get_logger()


def run_cmd(
    sandbox: Annotated[bool, typer.Option("--sandbox", help="Run against the embedded X API sandbox.")] = False,
    scenario: Annotated[str, typer.Option(help="Sandbox world: quiet, calm, complaint-storm or a JSON file.")] = "calm",
    tier: Annotated[str | None, typer.Option(help="Sandbox tier (default X_TIER).")] = None,
    speed: Annotated[float, typer.Option(help="Clock speed (e.g. 60: a simulated hour per real minute).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Sandbox random seed.")] = 0,
    sandbox_port: Annotated[int, typer.Option(help="Sandbox port (0: any free port).")] = 0,
    web_port: Annotated[int | None, typer.Option(help="Dashboard port (default WEB_PORT).")] = None,
    web: Annotated[bool, typer.Option(help="Serve the dashboard, webhook, health and metrics.")] = True,
    demo: Annotated[bool, typer.Option(help="On the sandbox: queue the persona's sample events once.")] = True,
    duration: Annotated[float | None, typer.Option(help="Stop after this many real seconds.")] = None,
) -> None:
    """Run the bot: publish, listen, follow, triage, serve the dashboard (SIGTERM stops it cleanly)."""
    from bot.app import App
    from bot.logs import configure_logging
    from bot.runner import BotRunner

    settings = settings_or_exit(sandbox=sandbox)
    brand_rules = brand_rules_or_exit(settings)  # read once, before the database, sandbox or jobs start
    if web_port is not None:
        settings = dataclasses.replace(settings, web_port=web_port)
    configure_logging(log_format=settings.log_format, level=settings.log_level, secrets=settings.secrets())
    if speed <= 0:
        typer.echo("--speed must be positive", err=True)
        raise typer.Exit(EXIT_USAGE)
    # On the sandbox the run resumes after the (simulated) times an earlier `--speed` run stored.
    clock = database_clock(settings.database_url, speed=speed) if sandbox else _clock(speed)
    server = None
    if sandbox:
        server, settings = _start_sandbox(settings, clock, scenario=scenario, tier=tier or settings.x_tier,
                                          seed=seed, port=sandbox_port)
    app = App(settings, clock=clock, wall_clock=SystemClock(), brand_rules=brand_rules)
    try:
        app.migrate()
    except OperationalError as exc:  # as every one-shot command: one line and exit 1, never a traceback
        if server is not None:
            server.stop()
        database_unreachable(exc)
    runner = BotRunner(app)
    if sandbox and demo:
        _add_demo_job(runner)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("bot.signal", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    web_server: _Web | None = None
    try:
        runner.start()
        app.notify_queued = runner.nudge
        if sandbox and demo:
            _seed_demo(app)
        if web:
            web_server = _start_web(app, runner)
        _print_banner(app, server, web_server)
        deadline = None if duration is None else time.monotonic() + duration
        while not stop.wait(0.2):
            if deadline is not None and time.monotonic() >= deadline:
                break
    except ConfigError as exc:  # the X client refused to start (no credentials for X_API_BASE_URL)
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_USAGE) from None
    except XApiError as exc:  # X would not name the brand account (users/me): no job can run without it
        fail(whoami_failed(exc))
    finally:
        started = time.monotonic()
        runner.stop(timeout=7.0)
        if web_server is not None:
            _close_listener(app, web_server.listener_id)
            web_server.server.should_exit = True
        if server is not None:
            server.stop()
        log.info("bot.exit", shutdown_seconds=round(time.monotonic() - started, 2))


def whoami_failed(exc: XApiError) -> str:
    """One line for a start-up `GET /2/users/me` that X refused: what it said and what to do."""
    if isinstance(exc, Unauthorized):
        hint = "check the X_* credentials"
    elif isinstance(exc, RateLimited) and exc.reset_at is not None:
        hint = f"start the bot again after {exc.reset_at.isoformat()}"
    else:
        hint = "start the bot again once X answers"
    return f"X did not confirm the brand account ({exc}): {hint}"


def _clock(speed: float) -> Clock:
    """The wall clock, or one running `speed` times faster from now."""
    return SystemClock() if speed == 1 else AcceleratedClock(speed)


def _start_sandbox(settings: Any, clock: Any, *, scenario: str, tier: str, seed: int, port: int) -> tuple[Any, Any]:
    from bot.sandbox.config import SandboxConfig
    from bot.sandbox.server import SandboxServer
    from bot.sandbox.testing import sandbox_credentials

    try:
        config = SandboxConfig(port=port, tier=tier, scenario=scenario, seed=seed,
                               brand_username=settings.brand_handle.lstrip("@") or "brandbot")
    except ValueError as exc:
        typer.echo(f"sandbox: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from None
    server = SandboxServer(config, clock).start()
    settings = dataclasses.replace(settings, x_api_base_url=server.url, credentials=sandbox_credentials(),
                                   x_tier=tier)
    return server, settings


def _seed_demo(app: Any) -> None:
    """Demo staff accounts and the first demo events."""
    from bot.runner_demo import DEMO_USERS, seed_demo

    seed_demo(app)
    accounts = ", ".join(f"{name} / {password}" for name, _role, password in DEMO_USERS)
    print(f"  demo logins  {accounts}", file=sys.stderr, flush=True)  # noqa: T201 - the user's start-up banner


def _add_demo_job(runner: Any) -> None:
    """A demo event every 20 simulated minutes (the persona's samples, in turn)."""
    from bot.runner_demo import push_demo_event

    counter = iter(range(2, 10**9))
    runner.add_job("demo_feed", 20 * 60, lambda: push_demo_event(runner.app, next(counter)))


@dataclasses.dataclass(frozen=True)
class _Web:
    """The dashboard's uvicorn server, the address its socket has, and its `web_listeners` row (None: not recorded)."""

    server: Any
    host: str
    port: int
    listener_id: int | None


def _start_web(app: Any, runner: Any) -> _Web | None:
    """Serve the dashboard in a thread; once its socket is bound, record where (`brandbot health` reads it).

    None when uvicorn could not start (it logged why, e.g. the port is taken, and ended its thread).
    """
    import uvicorn

    from bot.web.app import create_web_app

    web_app = create_web_app(app)
    web_app.state.runner = runner
    config = uvicorn.Config(web_app, host=app.settings.web_host, port=app.settings.web_port, log_config=None,
                            access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.05)
    if not server.started:
        log.error("web.not_started", host=app.settings.web_host, port=app.settings.web_port,
                  detail="no dashboard, webhook, /healthz or /metrics; `brandbot health` says unhealthy")
        return None
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    return _Web(server=server, host=host, port=port, listener_id=_record_listener(app, host, port))


def _record_listener(app: Any, host: str, port: int) -> int | None:
    from bot.web.listeners import record_listener

    try:
        with app.session() as session:
            row = record_listener(session, worker=app.worker_id, hostname=socket.gethostname(), pid=os.getpid(),
                                  host=host, port=port, now=app.wall_clock.now())
    except SQLAlchemyError as exc:
        log.error("web.listener_not_recorded", host=host, port=port, error=type(exc).__name__,
                  detail="`brandbot health` cannot find this bot's dashboard")
        return None
    log.info("web.listening", host=host, port=port, listener=row.id)
    return row.id


def _close_listener(app: Any, listener_id: int | None) -> None:
    from bot.web.listeners import close_listener

    if listener_id is None:
        return
    try:
        with app.session() as session:
            close_listener(session, listener_id=listener_id, now=app.wall_clock.now())
    except SQLAlchemyError as exc:  # the process is going anyway; `brandbot health` passes over dead processes
        log.warning("web.listener_not_closed", listener=listener_id, error=type(exc).__name__)


def _print_banner(app: Any, sandbox: Any, web: _Web | None) -> None:
    from bot.web.listeners import http_base

    settings = app.settings
    lines = [f"brandbot is running as @{app.me().username} (persona {settings.persona}, tier {settings.x_tier})"]
    if web is not None:
        base = http_base(web.host, web.port)
        lines += [f"  dashboard  {base}/", f"  webhook    {base}/events", f"  health     {base}/healthz  {base}/readyz",
                  f"  metrics    {base}/metrics"]
    if sandbox is not None:
        lines += [f"  X sandbox  {sandbox.url}  (inspect: {sandbox.url}/_sandbox/posts)"]
    lines.append("Stop with Ctrl-C (SIGTERM).")
    print("\n".join(lines), file=sys.stderr, flush=True)  # noqa: T201 - the user's start-up banner
