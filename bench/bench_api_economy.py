"""API economy: X API calls per mention ingested, and what the demo scenario costs a day on pay-per-use.

Run: `.venv/bin/python bench/bench_api_economy.py [--hours 6]`.

The demo scenario is what `brandbot run --sandbox` runs: the calm world (30 mentions an hour) and a
demo event every 20 simulated minutes, on tier payg (the sandbox charges `bot.xapi.tiers.PAYG_PRICES`
per successful call). The bot's jobs run on their usual schedule (`simday.py`); the calm scenario is
steady, so `--hours` simulated hours are scaled to a day. Reported: calls per mention ingested, the
cost per day from the sandbox's ledger (`/_sandbox/usage` `credits_spent`), and the share of each
endpoint (its successful calls × its list price).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from common import Figure, arguments, database, report, scratch
from simday import simulate

from bot.logs import configure_logging
from bot.xapi import tiers


def main() -> int:
    parser = arguments(__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=6.0)
    parser.add_argument("--tier", default="payg")
    args = parser.parse_args()
    configure_logging(log_format="json", level="WARNING", stream=open(os.devnull, "w"))  # noqa: SIM115
    with scratch() as tmp, database("sqlite", Path(tmp)) as url:
        day = simulate(database_url=url, tier=args.tier, scenario="calm", hours=args.hours, demo_every_minutes=20)
    scale = 24 / args.hours
    calls = day.usage["calls"]
    spent = float(day.usage["credits_spent"]) * scale
    per_mention = day.api_calls / max(day.mentions, 1)
    print(f"{args.tier}, calm + demo feed, {args.hours:g} simulated h ({day.wall_seconds:.0f} s real): "
          f"{day.mentions} mentions, {day.posts} posts, {day.api_calls} calls {dict(calls)}; "
          f"poll intervals {', '.join(f'{k} {v:.1f} s' for k, v in day.intervals.items())}", file=sys.stderr)
    figures = [
        Figure("economy", f"API calls per mention ingested, {args.tier} demo", per_mention, "calls"),
        Figure("economy", f"cost per day, {args.tier} demo", spent, "USD/day"),
        Figure("economy", f"  mentions ingested per day, {args.tier} demo", day.mentions * scale, "mentions"),
        Figure("economy", f"  posts per day, {args.tier} demo", day.posts * scale, "posts"),
    ]
    for endpoint in sorted(calls, key=lambda e: -calls[e] * tiers.PAYG_PRICES.get(e, 0.0)):
        dollars = calls[endpoint] * tiers.PAYG_PRICES.get(endpoint, 0.0) * scale
        if dollars >= 0.05:
            figures.append(Figure("economy", f"  {endpoint}: {calls[endpoint] * scale:,.0f} calls/day", dollars,
                                  "USD/day"))
    report(figures, as_json=args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
