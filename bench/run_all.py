"""Every benchmark under bench/, one after the other, and one table of their figures (`make bench`).

Run: `.venv/bin/python bench/run_all.py [--quick] [--only mentions,triage,...] [--with-classifier]`.

Each `bench_*.py` runs as its own process with `--json`; its own report goes to the terminal as it
runs, and the figures it ends with are gathered into the table printed last. `--quick` shortens
the long ones (fewer mentions and events, fewer simulated hours) for a smoke run. The classifier's
quality benchmark (`bench_classifier.py`, minutes of training) runs only with `--with-classifier`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from common import Figure, print_table

HERE = Path(__file__).resolve().parent

#: name → (script, arguments, arguments with --quick)
BENCHES: dict[str, tuple[str, list[str], list[str]]] = {
    "mentions": ("bench_mentions.py", [], ["--mentions", "3000"]),
    "publish": ("bench_publish_latency.py", [], ["--events", "15"]),
    "triage": ("bench_triage.py", [], ["--hours", "2"]),
    "economy": ("bench_api_economy.py", [], ["--hours", "1"]),
    "memory": ("bench_memory.py", [], ["--hours", "6"]),
}


def run(script: str, args: list[str]) -> tuple[list[Figure], float, int]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, str(HERE / script), "--json", *args], stdout=subprocess.PIPE,
                          text=True, check=False)
    lines = done.stdout.strip().splitlines()
    print("\n".join(lines[:-1]), flush=True)  # the bench's own table; the last line is the JSON
    figures: list[Figure] = []
    if done.returncode == 0 and lines:
        figures = [Figure(**row) for row in json.loads(lines[-1])]
    return figures, time.monotonic() - started, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(BENCHES))
    parser.add_argument("--with-classifier", action="store_true")
    args = parser.parse_args()
    figures: list[Figure] = []
    failed: list[str] = []
    for name in args.only.split(","):
        script, full, quick = BENCHES[name]
        print(f"\n=== {script} {' '.join(quick if args.quick else full)}", flush=True)
        got, seconds, code = run(script, quick if args.quick else full)
        print(f"=== {script}: {seconds:.0f} s, exit {code}", flush=True)
        figures += got
        if code != 0:
            failed.append(script)
    if args.with_classifier:
        print("\n=== bench_classifier.py", flush=True)
        code = subprocess.run([sys.executable, str(HERE / "bench_classifier.py")], check=False).returncode
        if code != 0:
            failed.append("bench_classifier.py")
    print("\n=== all figures")
    print_table(figures)
    missed = [f"{f.bench}: {f.name.strip()}" for f in figures if f.ok is False]
    if missed:
        print(f"\ntargets missed: {'; '.join(missed)}")
    if failed:
        print(f"\nbenchmarks that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
