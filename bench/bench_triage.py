"""Time to triage: a complaint created on X (the sandbox) → its triage item in the database, per tier.

Run: `.venv/bin/python bench/bench_triage.py [--tiers basic,pro] [--hours 24]`.

A simulated day of the complaint-storm scenario (30 mentions an hour, ×50 for an hour from 00:15,
25 % complaints + 5 % critical; 9 of its 300 people protect their account half a minute after a
first mention, so the bot cannot read their later mentions, ~3 % of the day's) per tier, with
the bot's polling jobs on their budget-derived intervals (see `simday.py`: a discrete-event run
on one clock, so a day takes a minute or a few, not a day). Latency = triage item `created_at` −
mention `created_at`, both on the sandbox's clock.
Targets: p95 <= 15 s on basic, <= 5 s on pro, and no 429 from X all day.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from common import Figure, arguments, database, median, percentile, report, scratch
from simday import simulate

from bot.logs import configure_logging

TARGET_P95 = {"basic": 15.0, "pro": 5.0}


def main() -> int:
    parser = arguments(__doc__.split("\n")[0])
    parser.add_argument("--tiers", default="basic,pro")
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--scenario", default="complaint-storm")
    args = parser.parse_args()
    configure_logging(log_format="json", level="WARNING", stream=open(os.devnull, "w"))  # noqa: SIM115
    figures: list[Figure] = []
    for tier in args.tiers.split(","):
        with scratch() as tmp, database("sqlite", Path(tmp)) as url:
            day = simulate(database_url=url, tier=tier, scenario=args.scenario, hours=args.hours)
        lat = day.triage_latencies
        p50, p95 = median(lat), percentile(lat, 95)
        got_429 = int(day.usage["rate_limited_429"])
        print(f"{tier}: {day.mentions} mentions, {len(lat)} triage items over {args.hours:g} simulated h "
              f"({day.wall_seconds:.0f} s real); p50 {p50:.1f} s, p95 {p95:.1f} s, max {max(lat, default=0):.1f} s; "
              f"{got_429} x 429; poll every {day.intervals.get('poll_mentions', 0):.1f} s (mentions), "
              f"{day.intervals.get('poll_search', 0):.1f} s (search); {day.api_calls} API calls", file=sys.stderr)
        target = TARGET_P95.get(tier)
        figures += [
            Figure("triage", f"time to triage p50, {tier}", p50, "s (simulated)"),
            Figure("triage", f"time to triage p95, {tier}", p95, "s (simulated)",
                   f"<= {target:g}" if target else "", None if target is None else p95 <= target),
            Figure("triage", f"429s in {args.hours:g} simulated h, {tier}", got_429, "responses", "0", got_429 == 0),
            Figure("triage", f"  API calls per mention ingested, {tier}", day.api_calls / max(day.mentions, 1),
                   "calls"),
        ]
    report(figures, as_json=args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
