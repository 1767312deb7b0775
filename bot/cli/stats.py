"""`brandbot stats`: listening, triage, follow and publishing figures."""

from __future__ import annotations

import typer

from bot.cli.context import handled, local_time, make_app, print_json
from bot.listen.stats import compute_stats


def stats_cmd(as_json: bool = typer.Option(False, "--json", help="One JSON object for scripts.")) -> None:
    """Mentions seen, complaints, triage by status, follows, posts by state, 429s, poll lag.

    Complaints count as staff corrected the detector: its own, plus those a person flagged, minus those
    a person labelled not-complaint; the three parts are shown too (`--json`: `complaints_by_detector`,
    `complaints_added_by_staff`, `complaints_removed_by_staff`).
    """
    with handled():
        bot = make_app()
        with bot.session() as session:
            stats = compute_stats(session, now=bot.clock.now())
        if as_json:
            data = {
                "mentions_seen": stats.mentions_seen,
                "complaints": stats.complaints,
                "complaints_by_detector": stats.complaints_by_detector,
                "complaints_added_by_staff": stats.complaints_added_by_staff,
                "complaints_removed_by_staff": stats.complaints_removed_by_staff,
                "x_429": stats.x_429,
                "triage_by_status": stats.triage_by_status,
                "sla_breached": stats.sla_breached,
                "follows_by_status": stats.follows_by_status,
                "follows_done": stats.follows_done,
                "follows_waiting_for_a_person": stats.follows_waiting_for_a_person,
                "posts_by_state": stats.posts_by_state,
                "last_poll_success_at": stats.last_poll_success_at,
                "poll_lag_seconds": stats.poll_lag_seconds,
                "poll_errors": stats.poll_errors,
                "poll_lag_by_source": stats.poll_lag_by_source,
            }
            print_json(data)
            return
        fmt = local_time(bot)
        lag = "never polled" if stats.poll_lag_seconds is None else f"{stats.poll_lag_seconds:.0f} s"
        lines = [
            f"mentions seen          {stats.mentions_seen}",
            f"complaints             {stats.complaints} (as staff corrected the detector)",
            f"  by the detector      {stats.complaints_by_detector}",
            f"  added by staff       {stats.complaints_added_by_staff} (missed by the detector, flagged by a person)",
            f"  removed by staff     {stats.complaints_removed_by_staff} (labelled not-complaint)",
            "triage                 " + ", ".join(f"{k} {v}" for k, v in stats.triage_by_status.items()),
            f"SLA breached (open)    {stats.sla_breached}",
            f"follows done           {stats.follows_done} (by the bot or by a person)",
            f"follows for a person   {stats.follows_waiting_for_a_person}",
            "posts                  " + ", ".join(f"{k} {v}" for k, v in stats.posts_by_state.items()),
            f"429s received          {stats.x_429}",
            f"last poll              {fmt(stats.last_poll_success_at) or '-'} (lag {lag})",
        ]
        lines += [
            f"  {name:<20} lag {'never succeeded' if value is None else f'{value:.0f} s'}"
            for name, value in stats.poll_lag_by_source.items()
        ]
        lines += [f"poll error ({name})    {error}" for name, error in stats.poll_errors.items()]
        for line in lines:
            typer.echo(line)
