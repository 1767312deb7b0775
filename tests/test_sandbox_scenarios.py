"""Scenarios: seeded, lazy, with a complaint storm fifty times the calm rate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.sandbox.scenarios import BUILTIN, ScenarioRunner, load_scenario
from bot.sandbox.state import World

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def run(name: str, *, seed: int, hours: float, steps: int = 1) -> World:
    """Realise `name` for `hours` in `steps` equal increments; return the world."""
    world = World(brand_username="brandbot", now=START)
    runner = ScenarioRunner(load_scenario(name), world=world, seed=seed, start=START)
    for i in range(1, steps + 1):
        runner.realise(START + timedelta(hours=hours * i / steps))
    return world


def mentions_between(world: World, start: datetime, end: datetime) -> int:
    """How many mentions of the brand were created in [start, end)."""
    return sum(1 for t in world.tweets.values() if world.brand.id in t.mentioned_ids and start <= t.created_at < end)


def fingerprint(world: World) -> list[tuple[str, str, str, str]]:
    """(id, author, text, lang) of every tweet, by id."""
    return [
        (t.id, world.users[t.author_id].username, t.text, t.lang)
        for t in sorted(world.tweets.values(), key=lambda t: int(t.id))
    ]


class TestDeterminism:
    def test_same_seed_same_mentions_however_realised(self) -> None:
        """One call for 3 hours and 37 small calls give the identical mentions for the same seed."""
        assert fingerprint(run("calm", seed=5, hours=3)) == fingerprint(run("calm", seed=5, hours=3, steps=37))

    def test_other_seed_other_mentions(self) -> None:
        """Different seeds give different mentions."""
        assert fingerprint(run("calm", seed=5, hours=1)) != fingerprint(run("calm", seed=6, hours=1))

    def test_nothing_is_created_ahead_of_time(self) -> None:
        """No mention is dated after the instant it was realised up to."""
        world = run("complaint-storm", seed=1, hours=0.5)
        assert max(t.created_at for t in world.tweets.values()) <= START + timedelta(hours=0.5)

    def test_quiet_has_no_mentions(self) -> None:
        """The quiet scenario never mentions anyone."""
        assert run("quiet", seed=0, hours=24).tweets == {}


class TestRates:
    def test_calm_is_about_thirty_an_hour(self) -> None:
        """Over 24 hours the calm scenario averages 30 mentions an hour (within 10 %)."""
        count = len(run("calm", seed=3, hours=24).tweets)
        assert 648 <= count <= 792

    def test_storm_hour_is_about_fifty_times_calm(self) -> None:
        """During the storm hour the mention rate is ~50x the calm rate, then falls back."""
        world = run("complaint-storm", seed=11, hours=24)
        storm = mentions_between(world, START + timedelta(minutes=15), START + timedelta(minutes=75))
        after = mentions_between(world, START + timedelta(minutes=75), START + timedelta(hours=24))
        calm_per_hour = after / (24 - 1.25)
        assert 1350 <= storm <= 1650
        assert 27 <= calm_per_hour <= 33
        assert 42 <= storm / calm_per_hour <= 58

    def test_mix_has_both_languages_and_every_kind(self) -> None:
        """A calm day has English and French mentions, spam and critical ones among them."""
        world = run("calm", seed=2, hours=24)
        langs = {t.lang for t in world.tweets.values()}
        texts = " ".join(t.text for t in world.tweets.values())
        assert langs == {"en", "fr"}
        assert "ETH" in texts
        assert "caught fire" in texts or "a pris feu" in texts


class TestScenarioFiles:
    def test_json_file_with_scripted_mention(self, tmp_path: Path) -> None:
        """A JSON scenario's scripted mention appears at its minute, by its author."""
        path = tmp_path / "launch.json"
        path.write_text(json.dumps({
            "rate_per_hour": 0,
            "mentions": [{"at_minutes": 5, "author": "first_fan", "text": "@brandbot hello!", "lang": "en"}],
        }))
        world = World(brand_username="brandbot", now=START)
        runner = ScenarioRunner(load_scenario(str(path)), world=world, seed=0, start=START)
        assert runner.realise(START + timedelta(minutes=4)) == []
        [tweet] = runner.realise(START + timedelta(minutes=5))
        assert (world.users[tweet.author_id].username, tweet.text, tweet.created_at) == (
            "first_fan", "@brandbot hello!", START + timedelta(minutes=5)
        )
        assert load_scenario(str(path)).name == "launch"

    def test_unknown_scenario_is_a_config_error(self) -> None:
        """An unknown name that is not a file raises ConfigError naming the built-ins."""
        with pytest.raises(ConfigError) as info:
            load_scenario("stormy")
        assert info.value.problems == [
            "unknown scenario 'stormy': not one of quiet, calm, complaint-storm nor a JSON file"
        ]

    def test_builtin_names(self) -> None:
        """The built-in scenarios are quiet, calm and complaint-storm."""
        assert sorted(BUILTIN) == ["calm", "complaint-storm", "quiet"]
