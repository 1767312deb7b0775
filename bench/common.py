"""Shared plumbing of the benchmarks: temporary databases, bot settings for a sandbox, figures and tables.

Every benchmark prints its figures for people and, with `--json`, one JSON line of `Figure`s last,
which `bench/run_all.py` gathers into one table.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `python bench/x.py` puts bench/ first on the path, not the repository
    sys.path.insert(0, str(REPO))

from sqlalchemy import text  # noqa: E402

from bot.store.db import make_engine, upgrade  # noqa: E402

#: Scratch space in RAM where there is one: the simulated days measure the bot, not the disk's fsync.
RAM_DISK = Path("/dev/shm")  # noqa: S108 - a private temporary directory is made inside it
PG_ADMIN_URL = os.environ.get("BRANDBOT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
STORES = ("sqlite", "postgres")


@dataclass(frozen=True)
class Figure:
    """One measured number, with its unit and the target it is held to (empty: no target)."""

    bench: str
    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None

    def cell(self) -> str:
        return f"{self.value:,.0f}" if abs(self.value) >= 100 else f"{self.value:,.3g}"


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", action="store_true", help="End with one JSON line of the figures.")
    return parser


def report(figures: Sequence[Figure], *, as_json: bool) -> None:
    """Print the figures as a table, then (with `as_json`) as one JSON line."""
    print_table(figures)
    if as_json:
        print(json.dumps([asdict(f) for f in figures]))


def print_table(figures: Sequence[Figure]) -> None:
    rows = [(f.bench, f.name, f.cell(), f.unit, f.target, "" if f.ok is None else ("yes" if f.ok else "NO"))
            for f in figures]
    header = ("bench", "figure", "value", "unit", "target", "met")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(f"{{:<{w}}}" for w in widths) + " |"
    print(line.format(*header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line.format(*row))


def scratch() -> tempfile.TemporaryDirectory[str]:
    """A private temporary directory, in RAM when the system has /dev/shm."""
    return tempfile.TemporaryDirectory(prefix="brandbot-bench-", dir=RAM_DISK if RAM_DISK.is_dir() else None)


def percentile(values: Sequence[float], p: float) -> float:
    """The `p`-th percentile (0..100), nearest-rank on the sorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@contextmanager
def database(store: str, workdir: Path) -> Iterator[str]:
    """A fresh, migrated database URL on `store` ('sqlite' file or a temporary PostgreSQL database)."""
    if store == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url)
        yield url
        return
    name = f"brandbot_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
