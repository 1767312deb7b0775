"""`brandbot sandbox serve`: run the X API sandbox in the foreground until Ctrl-C.

A scenario file is JSON, for example::

    {"name": "launch-day", "rate_per_hour": 60,
     "phases": [{"start_minutes": 30, "duration_minutes": 60, "multiplier": 10, "storm": true}],
     "mix": {"praise": 0.5, "question": 0.3, "spam": 0.05, "complaint": 0.1, "critical": 0.05},
     "languages": {"en": 0.5, "fr": 0.5}, "population": 500,
     "protected_share": 0.05, "protect_after_minutes": 0.5,
     "mentions": [{"at_minutes": 1, "author": "first_fan", "text": "@brandbot hello!", "lang": "en"}]}

`protected_share` (default 0; 0.05 in the built-in calm and complaint-storm worlds) of the people
protect their account `protect_after_minutes` (default 0.5) after their first mention: from then
on only approved followers see their tweets (`bot.sandbox.scenarios`).
"""

from __future__ import annotations

import signal
import threading

import typer

from bot.clock import AcceleratedClock
from bot.errors import ConfigError
from bot.sandbox.config import FaultSettings, SandboxConfig
from bot.sandbox.server import SandboxServer

app = typer.Typer(help="A local X API v2 sandbox that tweepy can talk to over HTTP.", no_args_is_help=True)


@app.callback()
def sandbox() -> None:
    """A local X API v2 sandbox that tweepy can talk to over HTTP."""


def build_config(
    *,
    host: str = "127.0.0.1",
    port: int = 8787,
    tier: str = "basic",
    scenario: str = "calm",
    speed: float = 60.0,
    seed: int = 0,
    credits: float | None = None,
    usage_cap: int | None = None,
    brand: str = "brandbot",
    error_rate: float = 0.0,
    latency_ms: int = 0,
    timeout_rate: float = 0.0,
    drop_rate: float = 0.0,
) -> SandboxConfig:
    """The `SandboxConfig` for the CLI options (raises `ConfigError` listing every problem)."""
    return SandboxConfig(
        host=host, port=port, tier=tier, scenario=scenario, speed=speed, seed=seed, brand_username=brand,
        credits=credits, usage_cap_posts=usage_cap,
        faults=FaultSettings(
            error_rate_5xx=error_rate, latency_ms=latency_ms, timeout_rate=timeout_rate, drop_rate=drop_rate
        ),
    )


@app.command()
def serve(  # noqa: PLR0917 - typer maps each parameter to an option
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8787, help="Port (0 picks a free one)."),
    tier: str = typer.Option("basic", help="free | basic | pro | payg | enterprise"),
    scenario: str = typer.Option("calm", help="quiet | calm | complaint-storm | path to a JSON scenario"),
    speed: float = typer.Option(60.0, help="Sandbox clock speed (60: one simulated hour per real minute)."),
    seed: int = typer.Option(0, help="Seed of the scenario and of fault injection."),
    credits: float | None = typer.Option(None, help="Pay-per-use credit budget in dollars (tier payg)."),
    usage_cap: int | None = typer.Option(None, help="Monthly cap on posts read (429 UsageCapExceeded after)."),
    brand: str = typer.Option("brandbot", help="Username of the brand account."),
    error_rate: float = typer.Option(0.0, help="Share of API requests answered 500/503."),
    latency_ms: int = typer.Option(0, help="Delay added to every API response (ms)."),
    timeout_rate: float = typer.Option(0.0, help="Share of API requests held until the client times out."),
    drop_rate: float = typer.Option(0.0, help="Share of API requests whose connection is closed unanswered."),
) -> None:
    """Serve the sandbox until Ctrl-C."""
    try:
        config = build_config(
            host=host, port=port, tier=tier, scenario=scenario, speed=speed, seed=seed, credits=credits,
            usage_cap=usage_cap, brand=brand, error_rate=error_rate, latency_ms=latency_ms,
            timeout_rate=timeout_rate, drop_rate=drop_rate,
        )
        server = SandboxServer(config, AcceleratedClock(speed)).start()
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    except OSError as exc:
        typer.echo(f"cannot listen on {host}:{port}: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"X API sandbox ({tier}, scenario {server.state.scenario.name}, x{speed:g}) at {server.url}")
    typer.echo(f"brand @{brand} (user id {server.state.world.brand.id}); inspect {server.url}/_sandbox/posts")
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        typer.echo("stopping")
        server.stop()
