"""bot/app.py: the composition root reads the brand's rule file once and wires it into every detector it builds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from structlog.testing import capture_logs

from bot.app import App
from bot.classify.detector import Detector
from bot.classify.rules import RuleSet
from bot.clock import ManualClock
from bot.errors import ConfigError
from bot.listen.poller import MENTIONS, poll_mentions
from bot.settings import load_settings
from bot.store.models import Classification, DetectorModel, Mention, TriageItem
from bot.xapi.fake import FakeXClient
from tests.conftest import FileOpens

REPO = Path(__file__).resolve().parent.parent
BRAND_RULES = REPO / "tests" / "fixtures" / "classify" / "brand_rules.json"


def _app(sqlite_url: str, clock: ManualClock, x: FakeXClient, **env: str) -> App:
    settings = load_settings({"DATABASE_URL": sqlite_url, "TEMPLATE_DIR": str(REPO / "templates"), "X_TIER": "pro",
                              **env}, env_file=None, sandbox=True)
    return App(settings, clock=clock, x_client=x)


class TestDetectorRules:
    def test_brand_rules_follow_the_shipped_ones(self, sqlite_url: str, clock: ManualClock) -> None:
        """With DETECTOR_RULES_FILE the detector has the shipped rules, then the brand's, in file order."""
        app = _app(sqlite_url, clock, FakeXClient(tier="pro"), DETECTOR_RULES_FILE=str(BRAND_RULES))
        with app.session() as session:
            rules = app.detector(session).rules.rules
        assert [r.id for r in rules[-2:]] == ["drone-battery", "firmware-brick"]
        assert rules[0].id == "safety-fire-smoke"

    def test_without_a_file_only_the_shipped_rules(self, sqlite_url: str, clock: ManualClock) -> None:
        """Without DETECTOR_RULES_FILE no brand rule is present."""
        app = _app(sqlite_url, clock, FakeXClient(tier="pro"))
        with app.session() as session:
            ids = {r.id for r in app.detector(session).rules.rules}
        assert "safety-fire-smoke" in ids
        assert not ids & {"drone-battery", "firmware-brick"}

    def test_brand_rule_fires_in_the_mention_pipeline(self, sqlite_url: str, clock: ManualClock) -> None:
        """A polled mention hitting a brand critical rule is stored critical with the rule's reason and triaged."""
        x = FakeXClient(tier="pro", clock=clock)
        battery = x.add_mention("pilot1", "after one flight the battery puffed up like a pillow")
        firmware = x.add_mention("pilot2", "FIRMWARE 4.2 BRICKED my controller")
        calm = x.add_mention("pilot3", "lovely footage from the coast today")
        app = _app(sqlite_url, clock, x, DETECTOR_RULES_FILE=str(BRAND_RULES))
        result = poll_mentions(engine=app.engine, x=app.x, budget=app.budget, clock=clock, settings=app.settings,
                               detector_for=app.detector, brand_user_id=x.brand.id, worker_id="w1",
                               sources=(MENTIONS,))
        assert result.new_mentions == 3
        with Session(app.engine) as session:
            assert session.get(Mention, battery.id) is not None
            verdicts = {c.mention_id: c for c in session.exec(select(Classification))}
            triaged = {t.mention_id: t.severity for t in session.exec(select(TriageItem))}
        assert (verdicts[battery.id].complaint, verdicts[battery.id].severity) == (True, "critical")
        assert verdicts[battery.id].score >= 0.9
        assert "rule: drone battery swelling 'battery puffed'" in verdicts[battery.id].reasons
        assert "rule: firmware bricked a device 'firmware 4.2 bricked'" in verdicts[firmware.id].reasons
        assert "rule:" not in " ".join(verdicts[calm.id].reasons)
        assert triaged[battery.id] == "critical"
        assert calm.id not in triaged


class TestReadingTheRuleFile:
    def test_read_once_for_settings_app_and_every_detector(self, sqlite_url: str, clock: ManualClock,
                                                           file_opens: FileOpens) -> None:
        """Loading the settings, building the app, then its detector twice (a new model row between) opens the
        brand's rule file once."""
        file_opens.watch(BRAND_RULES)
        app = _app(sqlite_url, clock, FakeXClient(tier="pro"), DETECTOR_RULES_FILE=str(BRAND_RULES))
        with app.session() as session:
            assert app.detector(session).classify("the battery puffed up like a pillow").severity == "critical"
        with app.session() as session:  # a model trained since: the next batch builds a new detector
            blob = Detector.default().model.to_bytes()
            session.add(DetectorModel(version="retrained", blob=blob, n_examples=20, created_at=clock.now()))
        with app.session() as session:
            assert app.detector(session).classify("the battery puffed up like a pillow").severity == "critical"
        assert file_opens.counts == {str(BRAND_RULES): 1}

    def test_rules_an_entry_point_read_are_not_read_again(self, sqlite_url: str, clock: ManualClock,
                                                          file_opens: FileOpens) -> None:
        """`brandbot run` reads the file before it starts anything and hands the rules over: the app reads nothing."""
        settings = load_settings({"DATABASE_URL": sqlite_url, "TEMPLATE_DIR": str(REPO / "templates"),
                                  "DETECTOR_RULES_FILE": str(BRAND_RULES)}, env_file=None, sandbox=True)
        given = RuleSet.load(BRAND_RULES)
        file_opens.watch(BRAND_RULES)
        app = App(settings, clock=clock, x_client=FakeXClient(tier="pro"), brand_rules=given)
        with app.session() as session:
            rules = app.detector(session).rules.rules
        assert [r.id for r in rules[-2:]] == ["drone-battery", "firmware-brick"]
        assert file_opens.counts == {str(BRAND_RULES): 0}

    def test_a_bad_rule_stops_the_app_being_built(self, sqlite_url: str, clock: ManualClock, tmp_path: Path) -> None:
        """A rule the loader refuses is a configuration problem naming the variable, file and rule."""
        path = tmp_path / "rules.json"
        path.write_text('{"rules": [{"id": "all", "keywords": [" "], "severity": "critical", "reason": "r"}]}',
                        encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            _app(sqlite_url, clock, FakeXClient(tier="pro"), DETECTOR_RULES_FILE=str(path))
        assert info.value.problems == [
            f"DETECTOR_RULES_FILE: {path}: rule 0 (all): keyword 0 is blank (it would match every text)"]

    def test_a_missing_file_stops_the_app_being_built(self, sqlite_url: str, clock: ManualClock,
                                                      tmp_path: Path) -> None:
        """A rule file that cannot be read is reported, not ignored."""
        path = tmp_path / "absent.json"
        with pytest.raises(ConfigError) as info:
            _app(sqlite_url, clock, FakeXClient(tier="pro"), DETECTOR_RULES_FILE=str(path))
        assert info.value.problems == [f"DETECTOR_RULES_FILE: cannot read {path}: No such file or directory"]


class TestUnreadableModel:
    @pytest.mark.parametrize("blob", [b"not json", Detector.default().model.to_bytes().replace(
        b'"features":"', b'"features":"future-')], ids=["corrupt", "unknown-feature-set"])
    def test_the_shipped_default_is_used_and_logged_once(self, sqlite_url: str, clock: ManualClock,
                                                         blob: bytes) -> None:
        """A newest model row that cannot be read gives the shipped default and one error log, not a failing poll."""
        x = FakeXClient(tier="pro", clock=clock)
        fire = x.add_mention("someone", "the coffee maker caught fire in my kitchen")
        app = _app(sqlite_url, clock, x)
        with app.session() as session:
            session.add(DetectorModel(version="broken", blob=blob, n_examples=20, created_at=clock.now()))
        with capture_logs() as logs:
            result = poll_mentions(engine=app.engine, x=app.x, budget=app.budget, clock=clock, settings=app.settings,
                                   detector_for=app.detector, brand_user_id=x.brand.id, worker_id="w1",
                                   sources=(MENTIONS,))
            with app.session() as session:
                assert app.detector(session).version == Detector.default().version
        assert result.new_mentions == 1
        with Session(app.engine) as session:
            verdict = session.exec(select(Classification).where(Classification.mention_id == fire.id)).one()
        assert (verdict.complaint, verdict.model_version) == (True, Detector.default().version)
        unreadable = [e for e in logs if e["event"] == "detector.model_unreadable"]
        assert [(e["log_level"], e["model_id"], e["using"]) for e in unreadable] == [("error", 1, "shipped default")]
