"""Tests for bot.text.weighted against twitter-text's conformance file and literal cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.text.weighted import MAX_WEIGHTED_LENGTH, is_valid_tweet, weighted_length

CONFORMANCE = Path(__file__).parent / "fixtures" / "twitter-text" / "twitter-text-validate.yml"
_ESCAPE = re.compile(r"\\(U[0-9a-fA-F]{8}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/", " ": " "}


def _scalar(raw: str) -> object:
    """Decode one YAML scalar as this file writes them: double-quoted strings, ints, booleans."""
    raw = raw.strip()
    if raw.startswith('"') and raw.endswith('"'):
        return _ESCAPE.sub(lambda m: _SIMPLE.get(m[1]) or chr(int(m[1][1:], 16)), raw[1:-1])
    if raw in {"true", "false"}:
        return raw == "true"
    return int(raw)


def load_conformance() -> dict[str, list[dict[str, object]]]:
    """Read validate.yml's `tests` mapping: section name → list of cases (description, text, expected)."""
    sections: dict[str, list[dict[str, object]]] = {}
    case: dict[str, object] = {}
    for line in CONFORMANCE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#") or line == "tests:":
            continue
        indent = len(line) - len(line.lstrip())
        key, _, value = line.strip().removeprefix("- ").partition(":")
        if indent == 2:
            current = sections.setdefault(key, [])
        elif line.strip().startswith("- "):
            case = {key: _scalar(value)}
            current.append(case)
        elif indent == 6 and value.strip():
            case[key] = _scalar(value)
        elif indent == 6:
            case[key] = {}
        else:
            expected = case["expected"]
            assert isinstance(expected, dict)
            expected[key] = _scalar(value)
    return sections


_SECTIONS = load_conformance()
_WEIGHTED = _SECTIONS["WeightedTweetsWithDiscountedEmojiCounterTest"] + _SECTIONS["UnicodeDirectionalMarkerCounterTest"]


class TestConformance:
    def test_loader_reads_every_section(self) -> None:
        """The small YAML loader finds the weighted sections with their 22 + 2 cases and decodes escapes."""
        assert len(_SECTIONS["WeightedTweetsWithDiscountedEmojiCounterTest"]) == 22
        assert len(_SECTIONS["UnicodeDirectionalMarkerCounterTest"]) == 2
        assert _SECTIONS["UnicodeDirectionalMarkerCounterTest"][1]["text"] == (
            "\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069"
        )

    @pytest.mark.parametrize("case", _WEIGHTED, ids=lambda c: str(c["description"])[:60])
    def test_weighted_length(self, case: dict[str, object]) -> None:
        """Each conformance case has twitter-text's weighted length and validity."""
        expected = case["expected"]
        assert isinstance(expected, dict)
        text = str(case["text"])
        assert weighted_length(text) == expected["weightedLength"]
        assert is_valid_tweet(text) is expected["valid"]


class TestWeightedLength:
    def test_newer_emoji_count_two(self) -> None:
        """Emoji newer than twitter-text's data (❤️‍🔥, 🫠, 🧑🏽‍🦰) each count 2."""
        assert weighted_length("\u2764\ufe0f\u200d\U0001f525") == 2
        assert weighted_length("\U0001fae0") == 2
        assert weighted_length("\U0001f9d1\U0001f3fd\u200d\U0001f9b0") == 2

    def test_flags_and_keycaps(self) -> None:
        """A flag and a keycap are one emoji each."""
        assert weighted_length("\U0001f1eb\U0001f1f7 1\ufe0f\u20e3") == 5

    def test_bare_domain_counts_23(self) -> None:
        """A bare gTLD domain with or without path counts 23."""
        assert weighted_length("see example.com") == 27
        assert weighted_length("see example.com/a/b?c=d.") == 28

    def test_short_cctld_domain_without_path_is_text(self) -> None:
        """A two-label ccTLD domain without a path is plain text, with a path it is a URL."""
        assert weighted_length("bit.ly") == 6
        assert weighted_length("bit.ly/x") == 23
        assert weighted_length("t.co") == 23

    def test_cjk_weighs_two(self) -> None:
        """CJK characters weigh 2 each."""
        assert weighted_length("火星") == 4

    def test_limit(self) -> None:
        """Exactly 280 light characters is valid, 281 is not, blank is not."""
        assert is_valid_tweet("a" * MAX_WEIGHTED_LENGTH)
        assert not is_valid_tweet("a" * (MAX_WEIGHTED_LENGTH + 1))
        assert not is_valid_tweet("  \n")
