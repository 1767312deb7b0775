"""Tests for bot.classify.rules: shipped rules, brand rule files, severities and reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.classify.rules import RuleFileError, RuleSet, Severity


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.default()


def _explain(rules: RuleSet, text: str) -> list[tuple[str, Severity, str]]:
    return [(h.rule.id, h.rule.severity, h.explanation) for h in rules.hits(text)]


class TestDefaultRules:
    def test_safety_word_is_critical(self, rules: RuleSet) -> None:
        """Smoke in the cabin fires the safety rule at critical severity with a staff-readable reason."""
        assert _explain(rules, "@SkyWayAir there is SMOKE in the cabin") == [
            ("safety-fire-smoke", Severity.CRITICAL, "rule: safety word 'smoke'")
        ]

    def test_injury_is_critical(self, rules: RuleSet) -> None:
        """An injury is critical and lifts the score to at least 0.9."""
        hits = rules.hits("My son was injured by the escalator at your store")
        assert [(h.rule.id, h.rule.severity, h.rule.min_score, h.matched) for h in hits] == [
            ("safety-harm", Severity.CRITICAL, 0.9, "injured")
        ]

    def test_praise_on_fire_is_not_a_fire(self, rules: RuleSet) -> None:
        """'on fire' is praise: the `unless` pattern cancels the fire rule."""
        assert rules.hits("@BrandBot your social team is on fire today") == []

    def test_french_lawyer_is_a_legal_threat(self, rules: RuleSet) -> None:
        """'J'appelle un avocat' is the French legal threat, high like 'lawyer'."""
        assert _explain(rules, "du verre dans la nourriture. J'appelle un avocat.") == [
            ("legal-threat", Severity.HIGH, "rule: legal or regulator threat 'un avocat'")
        ]

    def test_a_french_avocado_is_no_lawyer(self, rules: RuleSet) -> None:
        """'Avocat' is also the fruit: a rotten avocado is no legal threat."""
        assert _explain(rules, "un avocat pourri dans ma salade") == []

    def test_lost_bag_is_high(self, rules: RuleSet) -> None:
        """A lost bag is high severity."""
        assert _explain(rules, "you lost my bag") == [
            ("lost-luggage", Severity.HIGH, "rule: lost or damaged luggage 'lost my bag'")
        ]

    def test_refund_is_medium_and_does_not_force(self, rules: RuleSet) -> None:
        """'refund' is medium and sets no minimum score (a refund question is not a complaint by itself)."""
        hits = rules.hits("How do I ask for a refund?")
        assert [(h.rule.id, h.rule.severity, h.rule.min_score) for h in hits] == [
            ("refund-cancel", Severity.MEDIUM, None)
        ]

    def test_keywords_match_whole_words(self, rules: RuleSet) -> None:
        """'fire' does not fire inside 'firefly' or 'bonfire'."""
        assert rules.hits("firefly season by the bonfire") == []


class TestRuleFiles:
    def test_brand_file_loads_and_extends(self, tmp_path: Path, rules: RuleSet) -> None:
        """A brand's own rule file loads and its rules come after the shipped ones."""
        path = tmp_path / "rules.json"
        path.write_text(
            json.dumps(
                {
                    "rules": [
                        {"id": "rocket", "pattern": r"\bscrub(?:bed)?\b", "severity": "high", "reason": "launch scrub"},
                    ]
                }
            ),
            encoding="utf-8",
        )
        combined = rules.extended(RuleSet.load(path))
        assert len(combined) == len(rules) + 1
        assert _explain(combined, "Launch SCRUBBED again") == [
            ("rocket", Severity.HIGH, "rule: launch scrub 'scrubbed'")
        ]

    def test_missing_field_is_reported(self, tmp_path: Path) -> None:
        """A rule without a severity is rejected with its position in the message."""
        path = tmp_path / "bad.json"
        path.write_text('{"rules": [{"id": "x", "keywords": ["a"], "reason": "r"}]}', encoding="utf-8")
        with pytest.raises(RuleFileError, match=r"rule 0: missing 'severity'"):
            RuleSet.load(path)

    def test_bad_regex_is_reported(self) -> None:
        """An invalid regex names the rule."""
        doc = '{"rules": [{"id": "x", "pattern": "(", "severity": "low", "reason": "r"}]}'
        with pytest.raises(RuleFileError, match=r"\(x\): bad regex"):
            RuleSet.parse(doc)

    def test_keywords_and_pattern_are_exclusive(self) -> None:
        """A rule gives either keywords or a pattern, not both."""
        doc = '{"rules": [{"id": "x", "pattern": "a", "keywords": ["a"], "severity": "low", "reason": "r"}]}'
        with pytest.raises(RuleFileError, match="exactly one of"):
            RuleSet.parse(doc)

    def test_unknown_severity(self) -> None:
        """Severity names are checked."""
        doc = '{"rules": [{"id": "x", "keywords": ["a"], "severity": "urgent", "reason": "r"}]}'
        with pytest.raises(RuleFileError, match="unknown severity 'urgent'"):
            RuleSet.parse(doc)

    @pytest.mark.parametrize("keywords", [[" "], [""], ["refund", "\t"]])
    def test_blank_keyword_is_refused(self, tmp_path: Path, keywords: list[str]) -> None:
        """A blank keyword would match every text: the file and the rule are named."""
        path = tmp_path / "brand.json"
        rule = {"id": "all", "keywords": keywords, "severity": "critical", "reason": "r"}
        path.write_text(json.dumps({"rules": [rule]}), encoding="utf-8")
        with pytest.raises(RuleFileError) as caught:
            RuleSet.load(path)
        blank = keywords.index(next(k for k in keywords if not k.strip()))
        assert str(caught.value) == f"{path}: rule 0 (all): keyword {blank} is blank (it would match every text)"

    @pytest.mark.parametrize("pattern", ["", "x?", "^", "refund|", r"\b", "(?=a)", " *"])
    def test_pattern_matching_the_empty_string_is_refused(self, tmp_path: Path, pattern: str) -> None:
        """A pattern that can match the empty string would fire on every text: the file and the rule are named."""
        path = tmp_path / "brand.json"
        ok = {"id": "fine", "pattern": "refund", "severity": "low", "reason": "r"}
        bad = {"id": "all", "pattern": pattern, "severity": "critical", "reason": "r"}
        path.write_text(json.dumps({"rules": [ok, bad]}), encoding="utf-8")
        with pytest.raises(RuleFileError) as caught:
            RuleSet.load(path)
        assert str(caught.value) == (
            f"{path}: rule 1 (all): 'pattern' {pattern!r} matches the empty string (it would match every text)"
        )

    def test_capitals_in_pattern_and_unless_match(self) -> None:
        """Patterns and `unless` are case-insensitive, so a capitalised regex still fires on any casing."""
        doc = json.dumps({"rules": [{"id": "ota", "pattern": r"Firmware \d+ Bricked", "unless": "Beta",
                                     "severity": "high", "reason": "bricked"}]})
        rules = RuleSet.parse(doc)
        assert _explain(rules, "firmware 12 BRICKED my router") == [
            ("ota", Severity.HIGH, "rule: bricked 'firmware 12 bricked'")
        ]
        assert _explain(rules, "Firmware 12 bricked my router (BETA channel)") == []

    def test_unreadable_file(self, tmp_path: Path) -> None:
        """A missing file raises RuleFileError, not OSError."""
        with pytest.raises(RuleFileError, match="cannot read"):
            RuleSet.load(tmp_path / "absent.json")

    @pytest.mark.parametrize(("field", "value", "shown"), [
        ("pattern", ["refund", "late"], '["refund", "late"]'),
        ("pattern", 404, "404"),
        ("unless", ["beta"], '["beta"]'),
        ("reason", None, "null"),
    ])
    def test_a_text_field_of_another_type_is_refused(self, field: str, value: object, shown: str) -> None:
        """A list given as `pattern` or `unless` is refused, not turned into a character class by str()."""
        rule = {"id": "typo", "pattern": "refund", "severity": "high", "reason": "r", field: value}
        with pytest.raises(RuleFileError) as caught:
            RuleSet.parse(json.dumps({"rules": [rule]}), source="brand.json")
        assert str(caught.value) == f"brand.json: rule 0 (typo): {field!r} must be a string, got {shown}"

    @pytest.mark.parametrize(("field", "message"), [("min_score", "'min_score' must be a number in 0..1"),
                                                    ("boost", "'boost' must be a number in -10..10")])
    def test_a_boolean_is_not_a_number(self, field: str, message: str) -> None:
        """`true` is refused as a `min_score` or `boost` rather than read as 1."""
        rule = {"id": "flag", "keywords": ["refund"], "severity": "high", "reason": "r", field: True}
        with pytest.raises(RuleFileError) as caught:
            RuleSet.parse(json.dumps({"rules": [rule]}), source="brand.json")
        assert str(caught.value) == f"brand.json: rule 0 (flag): {message}"

    def test_not_utf8_names_the_file(self, tmp_path: Path) -> None:
        """A Latin-1 file is a RuleFileError naming the file and the byte, not a UnicodeDecodeError."""
        path = tmp_path / "brand.json"
        path.write_bytes(b'{"rules": [{"id": "x", "keywords": ["caf\xe9"], "severity": "low", "reason": "r"}]}')
        with pytest.raises(RuleFileError) as caught:
            RuleSet.load(path)
        assert str(caught.value) == f"{path}: not UTF-8 text (byte 0xe9 at offset 40)"

    def test_a_byte_order_mark_is_dropped(self, tmp_path: Path) -> None:
        """A file saved with a UTF-8 byte-order mark (Windows editors) loads like one without."""
        path = tmp_path / "brand.json"
        path.write_text('{"rules": [{"id": "x", "keywords": ["café"], "severity": "low", "reason": "r"}]}',
                        encoding="utf-8-sig")
        assert _explain(RuleSet.load(path), "the café was closed") == [("x", Severity.LOW, "rule: r 'café'")]


class TestTriggers:
    def test_keyword_rules_get_first_word_triggers(self) -> None:
        """A keyword rule is skipped unless one of its keywords' first words occurs in the text."""
        rules = RuleSet.parse(
            '{"rules": [{"id": "x", "keywords": ["doesn\'t work", "no one"], "severity": "low", "reason": "r"}]}'
        )
        assert rules.rules[0].triggers == frozenset({"doesn", "no"})
        assert [h.matched for h in rules.hits("It DOESN'T  work and no one cares")] == ["doesn't  work"]

    def test_punctuation_keyword_has_no_shortcut(self) -> None:
        """A keyword starting with punctuation disables the shortcut, so it still matches."""
        rules = RuleSet.parse('{"rules": [{"id": "x", "keywords": ["#fail"], "severity": "low", "reason": "r"}]}')
        assert rules.rules[0].triggers is None
        assert [h.matched for h in rules.hits("great service #fail")] == ["#fail"]
