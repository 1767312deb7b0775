"""Memory: the resident set of `brandbot run --sandbox --speed N` over 24 simulated hours of the calm world.

Run: `.venv/bin/python bench/bench_memory.py [--speed 1440] [--hours 24]`.

One process runs the whole demo (embedded sandbox, calm scenario, demo feed, web server on a free
port, SQLite in a temporary directory, logs at INFO to a file). Its VmRSS is read from /proc every
half second. Warm-up is the first simulated hour (imports, the detector, the first pages); steady
state is the median over the last quarter of the run; growth is the median of the last tenth minus
the median of the second simulated hour. Targets: growth < 10 MB, steady < 200 MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, Figure, arguments, free_port, median, report

MB = 1024 * 1024


def rss_bytes(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def measure(speed: float, hours: float, workdir: Path) -> list[tuple[float, int]]:
    """(simulated hours since start, RSS bytes) samples."""
    duration = hours * 3600 / speed
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108
           "DATABASE_URL": f"sqlite:///{workdir / 'memory.db'}", "WEB_PORT": str(free_port()), "LOG_FORMAT": "json"}
    log = (workdir / "bot.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--sandbox", "--scenario", "calm", "--speed", str(speed),
         "--duration", str(duration)],
        env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
    )
    samples: list[tuple[float, int]] = []
    started = time.monotonic()
    try:
        while process.poll() is None:
            rss = rss_bytes(process.pid)
            if rss is not None:
                samples.append(((time.monotonic() - started) * speed / 3600, rss))
            time.sleep(0.5)
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(30)
        log.close()
    if process.returncode != 0:
        tail = (workdir / "bot.log").read_text(errors="replace")[-2000:]
        raise SystemExit(f"brandbot run exited with {process.returncode}:\n{tail}")
    return samples


def main() -> int:
    parser = arguments(__doc__.split("\n")[0])
    parser.add_argument("--speed", type=float, default=1440.0)
    parser.add_argument("--hours", type=float, default=24.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        samples = measure(args.speed, args.hours, Path(tmp))
    values = [rss for _, rss in samples]
    n = len(values)
    second_hour = [rss for h, rss in samples if 1.0 <= h < 2.0] or values[: max(1, n // 10)]
    last_tenth = values[-max(1, n // 10):]
    steady = median(values[-max(1, n // 4):])
    growth = median(last_tenth) - median(second_hour)
    print(f"{n} samples over {args.hours:g} simulated h at x{args.speed:g}: start {values[0] / MB:.0f} MB, "
          f"hour 2 {median(second_hour) / MB:.1f} MB, end {median(last_tenth) / MB:.1f} MB, "
          f"max {max(values) / MB:.1f} MB", file=sys.stderr)
    report([
        Figure("memory", f"RSS steady state, {args.hours:g} simulated h calm", steady / MB, "MB", "< 200",
               steady < 200 * MB),
        Figure("memory", "RSS growth, hour 2 -> end", growth / MB, "MB", "< 10", growth < 10 * MB),
        Figure("memory", "  RSS max", max(values) / MB, "MB"),
    ], as_json=args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
