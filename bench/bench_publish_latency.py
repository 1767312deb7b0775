"""Publish latency: a signed webhook `POST /events` → the tweet on X (the sandbox), through `brandbot run`.

Run: `.venv/bin/python bench/bench_publish_latency.py [--events 50] [--store sqlite|postgres]`.

`brandbot run` runs as its own process (web server on a free port, `WEBHOOK_SECRET` set) against a
sandbox in this process (tier enterprise, real clock). Each event (an `arm.dig` event of the
mars-phoenix persona, a new trench each time so no two posts are alike) is signed with
`bot.feed.webhook.sign` and posted; the clock stops when the sandbox holds the brand's new tweet.
Events go one at a time, 0.3 s apart. Target: p95 < 1 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import requests
from common import REPO, Figure, arguments, database, free_port, median, percentile, report

from bot.clock import SystemClock
from bot.feed.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import SandboxServer
from bot.sandbox.testing import sandbox_env

SECRET = "bench-webhook-secret-0123456789abcdef"  # noqa: S105 - a throwaway secret for this benchmark
TARGET_P95 = 1.0


def brand_tweets(server: SandboxServer) -> int:
    world = server.state.world
    with server.state.lock:
        return sum(1 for t in world.tweets.values() if t.author_id == world.brand.id)


def event(i: int) -> bytes:
    return json.dumps({
        "id": f"bench-dig-{i}-{time.time_ns()}", "type": "arm.dig", "source": "bench",
        "occurred_at": datetime.now(UTC).isoformat(),
        "data": {"trench": f"Bench-{i:03d}", "depth_cm": 3 + i, "finding": f"Layer {i}: pale grains, maybe ice."},
    }).encode()


def measure(store: str, events: int, workdir: Path) -> tuple[list[float], list[float]]:
    with SandboxServer(SandboxConfig(tier="enterprise", scenario="quiet"), SystemClock()) as server, \
            database(store, workdir) as url:
        port = free_port()
        env = sandbox_env(url, server.url, "enterprise", WEB_PORT=str(port), WEBHOOK_SECRET=SECRET,
                          LOG_LEVEL="WARNING")
        log = (workdir / "bot.log").open("wb")
        bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, cwd=REPO, stdout=log,
                               stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(lambda: _up(base + "/healthz"), 60)
            http = requests.Session()
            to_tweet, to_ack = [], []
            for i in range(events):
                before = brand_tweets(server)
                body = event(i)
                ts = str(int(time.time()))
                headers = {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: sign(SECRET, ts, body),
                           "content-type": "application/json"}
                started = time.perf_counter()
                response = http.post(base + "/events", data=body, headers=headers, timeout=10)
                to_ack.append(time.perf_counter() - started)
                if response.status_code != 202:
                    raise SystemExit(f"webhook answered {response.status_code}: {response.text}")
                _wait(lambda b=before: brand_tweets(server) > b, 10, interval=0.002)
                to_tweet.append(time.perf_counter() - started)
                time.sleep(0.3)
        finally:
            bot.terminate()
            bot.wait(20)
            log.close()
    return to_tweet, to_ack


def _up(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def _wait(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout} s")
        time.sleep(interval)


def main() -> int:
    parser = arguments(__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        to_tweet, to_ack = measure(args.store, args.events, Path(tmp))
    p50, p95 = median(to_tweet), percentile(to_tweet, 95)
    print(f"{args.events} webhook events on {args.store}: to tweet p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {max(to_tweet) * 1000:.0f} ms; webhook answered (202) p50 {median(to_ack) * 1000:.0f} ms",
          file=sys.stderr)
    report([
        Figure("publish", f"webhook -> tweet p50, {args.store}", p50 * 1000, "ms"),
        Figure("publish", f"webhook -> tweet p95, {args.store}", p95 * 1000, "ms", f"< {TARGET_P95 * 1000:.0f}",
               p95 < TARGET_P95),
        Figure("publish", f"  webhook 202 p50, {args.store}", median(to_ack) * 1000, "ms"),
    ], as_json=args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
