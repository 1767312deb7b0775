"""Scenarios: seeded, lazy, with a complaint storm fifty times the calm rate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.sandbox import templates as tpl
from bot.sandbox.scenarios import BUILTIN, PROTECT_AFTER_S, ScenarioRunner, load_scenario
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


def visible_mentions_between(world: World, start: datetime, end: datetime) -> int:
    """How many of the mentions created in [start, end) the brand may read now (protected authors' hidden)."""
    return sum(1 for t in world.tweets.values() if world.brand.id in t.mentioned_ids
               and start <= t.created_at < end and world.may_see(t.author_id, world.brand.id))


def protected(world: World) -> set[str]:
    return {u.username for u in world.users.values() if u.protected}


class TestProtectedPeople:
    def test_the_same_people_protect_their_account_however_realised(self) -> None:
        """Who is protected after 3 hours does not depend on how often `realise` was called; nobody is spam."""
        once, steps = run("calm", seed=5, hours=3), run("calm", seed=5, hours=3, steps=37)
        assert protected(once) == protected(steps)
        assert protected(once)
        assert not any(name.startswith(tuple(tpl.SPAM_NAMES)) for name in protected(once))

    def test_each_protects_half_a_minute_after_their_first_mention(self) -> None:
        """Realised up to 29 s after a first mention the person is still public; at 30 s they are protected."""
        world = World(brand_username="brandbot", now=START)
        runner = ScenarioRunner(load_scenario("calm"), world=world, seed=3, start=START)
        now = START
        while not runner.protecting:
            now += timedelta(seconds=1)
            runner.realise(now)
        [(at, user_id)] = runner.protecting
        first = min(t.created_at for t in world.tweets.values() if t.author_id == user_id)
        assert at == first + timedelta(seconds=PROTECT_AFTER_S)
        runner.realise(at - timedelta(seconds=1))
        assert not world.users[user_id].protected
        runner.realise(at)
        assert (world.users[user_id].protected, runner.protecting) == (True, [])

    def test_the_brand_still_reads_almost_every_storm_mention(self) -> None:
        """Seed 11's storm hour: 1,521 mentions, of which the 43 by people who protected their account are hidden
        from the brand (1,478 readable); over the day 54 of 2,205."""
        world = run("complaint-storm", seed=11, hours=24)
        storm = (START + timedelta(minutes=15), START + timedelta(minutes=75))
        day = (START, START + timedelta(hours=24))
        assert (mentions_between(world, *storm), visible_mentions_between(world, *storm)) == (1521, 1478)
        assert (mentions_between(world, *day), visible_mentions_between(world, *day)) == (2205, 2151)

    def test_quiet_and_files_protect_nobody_by_default(self, tmp_path: Path) -> None:
        """Only the built-in calm and complaint-storm worlds have people who protect their account."""
        path = tmp_path / "busy.json"
        path.write_text(json.dumps({"rate_per_hour": 60}))
        assert [load_scenario(n).protected_share for n in ("quiet", "calm", "complaint-storm", str(path))] == [
            0.0, 0.05, 0.05, 0.0]

    def test_a_file_sets_the_share_and_delay(self, tmp_path: Path) -> None:
        """`protected_share` and `protect_after_minutes` are read from a scenario file; a share over 1 is refused."""
        path = tmp_path / "locked.json"
        path.write_text(json.dumps({"rate_per_hour": 60, "protected_share": 1, "protect_after_minutes": 2}))
        scenario = load_scenario(str(path))
        assert (scenario.protected_share, scenario.protect_after_s, scenario.protects("anyone")) == (1.0, 120.0, True)
        path.write_text(json.dumps({"protected_share": 1.5}))
        with pytest.raises(ConfigError) as info:
            load_scenario(str(path))
        assert info.value.problems == [
            "invalid scenario 'locked': ValueError('protected_share must be a number from 0 to 1, not 1.5')"]

    @pytest.mark.parametrize(("field", "value"), [
        ("protect_after_minutes", "NaN"), ("protect_after_minutes", "1e300"), ("rate_per_hour", "Infinity"),
        ("rate_per_hour", "-5"),
    ])
    def test_numbers_that_would_crash_the_sandbox_later_are_refused(self, tmp_path: Path, field: str,
                                                                    value: str) -> None:
        """NaN, infinities, negatives and spans beyond a year are refused when the file is read (they used to
        pass and crash the sandbox while it generated mentions)."""
        path = tmp_path / "bad.json"
        path.write_text(f'{{"protected_share": 1, "{field}": {value}}}')
        with pytest.raises(ConfigError) as info:
            load_scenario(str(path))
        assert f"{field} must be a number from 0 to " in info.value.problems[0]


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
