"""The first-minute demo on the embedded sandbox: staff accounts and a feed of the persona's sample events.

Only `brandbot run --sandbox` (with `--demo`, the default) uses this. Demo accounts are created
once, with well-known passwords printed on start — never on a live account.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog

from bot.app import App

log = structlog.get_logger()

#: (username, role, password) of the demo staff accounts.
DEMO_USERS = (
    ("admin", "admin", "sandbox-admin"),
    ("editor", "editor", "sandbox-editor"),
    ("agent", "agent", "sandbox-agent"),
)


def sample_events(app: App) -> list[dict[str, Any]]:
    """The persona's sample events (`templates/<persona>/samples/*.json`), sorted by file name."""
    folder = Path(app.settings.template_dir) / app.settings.persona / "samples"
    events = []
    for path in sorted(folder.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("demo.sample_unreadable", path=str(path), error=str(exc))
            continue
        if isinstance(raw, dict):
            events.append(raw)
    return events


def demo_event(sample: dict[str, Any], *, number: int, now: datetime, cycle: int = 0) -> dict[str, Any]:
    """Sample `sample` as demo event `number` (a fresh id and time, so it is a new event).

    On the sample's `cycle`-th reuse its whole-number fields move on by `cycle` (sol 24, 25, …),
    so the demo keeps saying new things instead of running into X's duplicate-content rule.
    """
    data = sample.get("data")
    if isinstance(data, dict) and cycle:
        data = {k: v + cycle % 50 if isinstance(v, int) and not isinstance(v, bool) else v for k, v in data.items()}
    return {**sample, "data": data, "id": f"demo-{sample.get('type', 'event')}-{number}", "source": "demo",
            "occurred_at": now.isoformat()}


def seed_users(app: App) -> None:
    """Create the demo accounts that do not exist yet."""
    from bot.web.accounts import add_user, get_user

    with app.session() as session:
        for username, role, password in DEMO_USERS:
            if get_user(session, username) is None:
                add_user(session, username=username, role=role, password=password, actor="demo",
                         now=app.clock.now())


def push_demo_event(app: App, number: int) -> None:
    """Feed demo event `number` (cycling through the samples); idempotent by its id."""
    from bot.feed.ingest import accept_event

    samples = sample_events(app)
    if not samples:
        return
    sample = samples[number % len(samples)]
    event = demo_event(sample, number=number, now=app.clock.now(), cycle=number // len(samples))
    with app.session() as session:
        result = accept_event(session, event, source="demo",
                              now=app.clock.now(), renderer=app.renderer, settings=app.settings)
    log.info("demo.event", event_id=result.event_id, status=str(result.status), reason=result.reason)
    app.notify_queued()


def seed_demo(app: App, *, first_events: int = 2) -> None:
    """Demo accounts, and the first demo events right away."""
    seed_users(app)
    for number in range(first_events):
        push_demo_event(app, number)
