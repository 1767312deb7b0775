"""Simulated people who mention the brand over (accelerated) time.

Arrivals are a Poisson process whose rate is piecewise constant (`Phase` multiplies the base
rate, e.g. a viral complaint ×50 for an hour). The runner is lazy: `realise(now)` adds the
mentions due up to `now` and keeps only the next pending arrival, so memory stays bounded.
Arrival times and texts come from one RNG seeded with the config's seed, in a fixed order,
so the same seed gives the same mentions whenever and however often `realise` is called.

A share of the people (`protected_share`, chosen by a hash of the name, so the stream of
arrivals is untouched) protect their account `protect_after_s` after their first mention of
the brand, as people piled on in a complaint thread do: the brand saw that first mention only
if it read it in time, and from then on it sees their tweets only if it already followed them
(a follow after that is a pending request, which the scenario never approves).
"""

from __future__ import annotations

import heapq
import json
import math
import random
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.errors import ConfigError
from bot.sandbox import templates as tpl
from bot.sandbox.state import Tweet, World

DEFAULT_MIX = {"praise": 0.3, "question": 0.3, "spam": 0.1, "complaint": 0.25, "critical": 0.05}
DEFAULT_LANGUAGES = {"en": 0.7, "fr": 0.3}
REPLY_SHARE = 0.15  # share of mentions that answer the brand's latest post
PROTECTED_SHARE = 0.05  # share of the built-in worlds' people who protect their account after mentioning the brand
PROTECT_AFTER_S = 30.0  # how long after their first mention they do (between two runs of the bot's follow job)


@dataclass(frozen=True, slots=True)
class Phase:
    """From `start_s` for `duration_s` seconds after the start, the rate is multiplied by `multiplier`."""

    start_s: float
    duration_s: float
    multiplier: float
    storm: bool = False  # mentions echo the viral complaint


@dataclass(frozen=True, slots=True)
class Scripted:
    """One mention at a fixed offset (seconds) from the start."""

    at_s: float
    author: str
    text: str
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class Scenario:
    """A population mentioning the brand at `rate_per_hour`, shaped by phases and scripted mentions."""

    name: str
    rate_per_hour: float
    phases: tuple[Phase, ...] = ()
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    languages: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_LANGUAGES))
    population: int = 300
    scripted: tuple[Scripted, ...] = ()
    protected_share: float = 0.0  # share of (non-spam) people who protect their account after mentioning
    protect_after_s: float = PROTECT_AFTER_S

    def protects(self, author: str) -> bool:
        """Whether `author` is one of the people who protect their account (a stable hash of the name)."""
        return zlib.crc32(f"protected|{author}".encode()) % 10_000 < self.protected_share * 10_000

    def rate_at(self, offset_s: float) -> float:
        """Mentions per second at `offset_s` seconds after the start."""
        rate = self.rate_per_hour / 3600
        for phase in self.phases:
            if phase.start_s <= offset_s < phase.start_s + phase.duration_s:
                rate *= phase.multiplier
        return rate

    def storm_at(self, offset_s: float) -> bool:
        return any(p.storm and p.start_s <= offset_s < p.start_s + p.duration_s for p in self.phases)

    def next_boundary(self, offset_s: float) -> float | None:
        """The first phase edge strictly after `offset_s` (None: the rate never changes again)."""
        edges = [e for p in self.phases for e in (p.start_s, p.start_s + p.duration_s) if e > offset_s]
        return min(edges) if edges else None


BUILTIN: dict[str, Scenario] = {
    "quiet": Scenario("quiet", rate_per_hour=0.0),
    "calm": Scenario("calm", rate_per_hour=30.0, protected_share=PROTECTED_SHARE),
    "complaint-storm": Scenario(
        "complaint-storm",
        rate_per_hour=30.0,
        phases=(Phase(start_s=15 * 60, duration_s=3600, multiplier=50.0, storm=True),),
        protected_share=PROTECTED_SHARE,
    ),
}


def _weights(raw: object, default: dict[str, float], allowed: tuple[str, ...], what: str) -> dict[str, float]:
    if raw is None:
        return dict(default)
    if not isinstance(raw, dict) or not raw or any(k not in allowed for k in raw):
        raise ConfigError([f"scenario {what} must map {'/'.join(allowed)} to weights"])
    return {str(k): float(v) for k, v in raw.items()}


def _share(raw: object) -> float:
    """`protected_share` from JSON: a number from 0 to 1 (a ValueError becomes the caller's ConfigError)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 1:
        raise ValueError(f"protected_share must be a number from 0 to 1, not {raw!r}")
    return float(raw)


#: The longest span a scenario's minutes may name (a year): beyond it a timedelta overflows or nothing happens.
_MAX_MINUTES = 366 * 24 * 60


def _number(raw: object, field: str, *, high: float = _MAX_MINUTES) -> float:
    """A finite number from 0 to `high` (a ValueError becomes the caller's ConfigError): NaN, infinities
    and huge values would pass `float()` and crash the sandbox later, while it generates mentions."""
    value = float(raw)  # type: ignore[arg-type]  # a TypeError or ValueError is the caller's ConfigError
    if isinstance(raw, bool) or not math.isfinite(value) or not 0 <= value <= high:
        raise ValueError(f"{field} must be a number from 0 to {high:g}, not {raw!r}")
    return value


def scenario_from_json(data: dict[str, Any], *, name: str = "custom") -> Scenario:
    """A scenario from its JSON form (see the module docstring of `bot.sandbox.cli` for an example)."""
    try:
        phases = tuple(
            Phase(
                start_s=_number(p["start_minutes"], "start_minutes") * 60,
                duration_s=_number(p["duration_minutes"], "duration_minutes") * 60,
                multiplier=_number(p["multiplier"], "multiplier", high=1e6),
                storm=bool(p.get("storm", False)),
            )
            for p in data.get("phases", [])
        )
        scripted = tuple(
            Scripted(_number(m["at_minutes"], "at_minutes") * 60, str(m["author"]), str(m["text"]),
                     str(m.get("lang", "en")))
            for m in data.get("mentions", [])
        )
        return Scenario(
            name=str(data.get("name", name)),
            rate_per_hour=_number(data.get("rate_per_hour", 0.0), "rate_per_hour", high=1e6),
            phases=phases,
            mix=_weights(data.get("mix"), DEFAULT_MIX, tpl.KINDS, "mix"),
            languages=_weights(data.get("languages"), DEFAULT_LANGUAGES, ("en", "fr"), "languages"),
            population=int(data.get("population", 300)),
            scripted=tuple(sorted(scripted, key=lambda s: s.at_s)),
            protected_share=_share(data.get("protected_share", 0.0)),
            protect_after_s=_number(data.get("protect_after_minutes", PROTECT_AFTER_S / 60),
                                    "protect_after_minutes") * 60,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError([f"invalid scenario {name!r}: {exc!r}"]) from exc


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or one read from a JSON file."""
    if name_or_path in BUILTIN:
        return BUILTIN[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise ConfigError([f"unknown scenario {name_or_path!r}: not one of {', '.join(BUILTIN)} nor a JSON file"])
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError([f"cannot read scenario file {path}: {exc}"]) from exc
    if not isinstance(data, dict):
        raise ConfigError([f"scenario file {path} must hold a JSON object"])
    return scenario_from_json(data, name=path.stem)


@dataclass(frozen=True, slots=True)
class _Arrival:
    at: datetime
    author: str
    text: str
    lang: str
    kind: str
    followers: int


class ScenarioRunner:
    """Realises a scenario into a `World` as time passes."""

    def __init__(self, scenario: Scenario, *, world: World, seed: int, start: datetime) -> None:
        self.scenario = scenario
        self.world = world
        self.start = start
        self._rng = random.Random(seed)
        self._offset = 0.0
        self._pending: _Arrival | None = None
        self._exhausted = False
        self._scripted = list(scenario.scripted)
        self._protecting: list[tuple[datetime, str]] = []  # (when, user id): people about to protect their account
        self._will_protect: set[str] = set()
        self.emitted = 0

    def realise(self, now: datetime) -> list[Tweet]:
        """Add every mention due at or before `now`; return them, oldest first."""
        out: list[Tweet] = []
        while True:
            if self._pending is None and not self._exhausted:
                self._pending = self._next()
                self._exhausted = self._pending is None
            scripted_at = self.start + timedelta(seconds=self._scripted[0].at_s) if self._scripted else None
            pending_at = self._pending.at if self._pending is not None else None
            if scripted_at is not None and scripted_at <= now and (pending_at is None or scripted_at <= pending_at):
                s = self._scripted.pop(0)
                out.append(self._emit(_Arrival(scripted_at, s.author, s.text, s.lang, "scripted", 100)))
            elif self._pending is not None and self._pending.at <= now:
                out.append(self._emit(self._pending))
                self._pending = None
            else:
                self._protect_due(now)
                return out

    @property
    def protecting(self) -> list[tuple[datetime, str]]:
        """(when, user id) of the people who will protect their account, soonest first."""
        return sorted(self._protecting)

    def _protect_due(self, now: datetime) -> None:
        """Protect the accounts whose time has come (nothing reads the world between two `realise` calls)."""
        while self._protecting and self._protecting[0][0] <= now:
            _, user_id = heapq.heappop(self._protecting)
            self.world.set_protected(user_id, True, now)

    def _emit(self, arrival: _Arrival) -> Tweet:
        world = self.world
        with world.lock:
            user = world.add_user(
                username=arrival.author,
                name=arrival.author.replace("_", " ").title(),
                created_at=arrival.at - timedelta(days=400),
                followers_count=arrival.followers,
                following_count=arrival.followers // 3 + 10,
            )
            if self._will_protect_later(arrival, user.id):
                self._will_protect.add(user.id)
                at = arrival.at + timedelta(seconds=self.scenario.protect_after_s)
                heapq.heappush(self._protecting, (at, user.id))
            latest = world.latest_post(world.brand.id, arrival.at)
            reply_to = latest if latest is not None and arrival.kind != "spam" and self._reply_roll(arrival) else None
            self.emitted += 1
            return world.add_tweet(
                author_id=user.id, text=arrival.text, created_at=arrival.at, lang=arrival.lang, in_reply_to=reply_to
            )

    def _will_protect_later(self, arrival: _Arrival, user_id: str) -> bool:
        """A first mention by one of the people who protect their account (never spam or a scripted mention)."""
        return (arrival.kind not in ("spam", "scripted") and user_id not in self._will_protect
                and self.scenario.protects(arrival.author))

    @staticmethod
    def _reply_roll(arrival: _Arrival) -> bool:
        # Derived from the arrival itself, so the world's state does not disturb the seeded stream.
        digest = zlib.crc32(f"{arrival.at.isoformat()}|{arrival.text}".encode())
        return (digest % 1000) / 1000 < REPLY_SHARE

    def _next(self) -> _Arrival | None:
        """The next random arrival after the current offset (None when the rate stays at zero)."""
        scenario, rng = self.scenario, self._rng
        while True:
            rate = scenario.rate_at(self._offset)
            boundary = scenario.next_boundary(self._offset)
            if rate <= 0:
                if boundary is None:
                    return None
                self._offset = boundary
                continue
            step = rng.expovariate(rate)
            if boundary is not None and self._offset + step >= boundary:
                self._offset = boundary  # memoryless: restart at the edge with the new rate
                continue
            self._offset += step
            return self._content(self.start + timedelta(seconds=self._offset), scenario.storm_at(self._offset))

    def _content(self, at: datetime, storm: bool) -> _Arrival:
        rng, scenario = self._rng, self.scenario
        lang = rng.choices(list(scenario.languages), weights=list(scenario.languages.values()))[0]
        kind = rng.choices(list(scenario.mix), weights=list(scenario.mix.values()))[0]
        if storm and rng.random() < 0.8:
            kind = "complaint"
            template = rng.choice(tpl.STORM_TEMPLATES[lang])
            fillers = {**tpl.FILLERS[lang], "product": tpl.FILLERS[lang]["product"][:1]}
        else:
            template = rng.choice(tpl.TEMPLATES[lang][kind])
            fillers = tpl.FILLERS[lang]
        values = {key: rng.choice(options) for key, options in fillers.items()}
        index = rng.randrange(max(scenario.population, 1))
        if kind == "spam":
            author = f"{tpl.SPAM_NAMES[index % len(tpl.SPAM_NAMES)]}{index}"
        else:
            first = tpl.FIRST_NAMES[index % len(tpl.FIRST_NAMES)]
            last = tpl.LAST_NAMES[(index // len(tpl.FIRST_NAMES)) % len(tpl.LAST_NAMES)]
            author = f"{first}_{last[:4]}{index}"
        text = template.format(
            brand=f"@{self.world.brand.username}",
            order=rng.randrange(100000, 999999),
            n=rng.randrange(2, 30),
            **values,
        )
        followers = int(rng.paretovariate(1.2) * 50)
        return _Arrival(at, author[:15], text, lang, kind, followers)
