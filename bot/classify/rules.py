"""Brand-configurable rules: keywords or regexes with a severity and a reason shown to staff.

A rule file is JSON: `{"rules": [{"id": ..., "keywords": [...] | "pattern": "...", "severity": ...,
"reason": ..., "unless": "...", "min_score": 0.9, "boost": 0.5}]}`. `keywords` match as whole words or
phrases (case-insensitive); `pattern` is a Python regex searched case-insensitively in the lower-cased text;
`unless` (a regex, also case-insensitive) cancels the rule when it matches too ("on fire" is praise, not a fire);
`min_score` raises the complaint score to at least that value (critical rules default to 0.9, so they
always reach the triage queue); `boost` adds to the model's log-odds (the largest boost of the rules
that fire counts; defaults by severity in `DEFAULT_BOOST`).

A rule that would fire on every text is refused when the file is loaded: a blank keyword, or a `pattern`
that can match the empty string (`""`, `"x?"`, `"^"` ...).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from importlib import resources
from pathlib import Path
from typing import Any

from bot.classify.text import prepare

_WORD = re.compile(r"\w+")
#: Texts a pattern is tried on when loaded: an empty match on any of them means it would fire on every text.
_EMPTY_PROBES = ("", " ", "a", "a b", "0", "!")


class Severity(IntEnum):
    """How urgent a complaint is; ordered, so `max()` picks the worst."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """The lower-case name used in `Classification.severity` and rule files."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        """The severity called `value` ('low' ... 'critical'); raises `ValueError` otherwise."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r} (low, medium, high, critical)") from None


#: Log-odds added when a rule of this severity fires and gives no `boost` of its own.
DEFAULT_BOOST = {Severity.LOW: 0.0, Severity.MEDIUM: 0.5, Severity.HIGH: 1.0, Severity.CRITICAL: 1.0}


class RuleFileError(ValueError):
    """A rule file that cannot be read or does not follow the format (the message says where)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: fires when `pattern` matches and `unless` does not."""

    id: str
    pattern: re.Pattern[str]
    severity: Severity
    reason: str
    unless: re.Pattern[str] | None = None
    min_score: float | None = None
    boost: float = 0.0
    #: For keyword rules, the first word of every keyword: the rule cannot fire without one of them.
    triggers: frozenset[str] | None = None

    def match(self, text: str) -> str | None:
        """The matched phrase in `text` (lower-cased, scrubbed), or None."""
        found = self.pattern.search(text)
        if found is None or (self.unless is not None and self.unless.search(text)):
            return None
        return found.group(0)


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that fired on a text, with the phrase it matched."""

    rule: Rule
    matched: str

    @property
    def explanation(self) -> str:
        """Short text for staff, e.g. "rule: safety word 'smoke'"."""
        return f"rule: {self.rule.reason} '{self.matched.strip()}'"


def _keywords_regex(words: Sequence[str]) -> str:
    alternatives = sorted(
        {re.escape(w.strip().lower()).replace(r"\ ", r"\s+") for w in words}, key=len, reverse=True
    )
    return r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)"


def _is_number(value: Any) -> bool:
    """An int or float from the JSON, not a boolean (`true` would count as 1)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict):
        raise RuleFileError(f"{where}: a rule must be an object")
    try:
        rule_id = str(raw["id"])
        severity = Severity.parse(str(raw["severity"]))
        reason = raw["reason"]
    except KeyError as exc:
        raise RuleFileError(f"{where}: missing {exc.args[0]!r}") from None
    except ValueError as exc:
        raise RuleFileError(f"{where}: {exc}") from None
    keywords, pattern = raw.get("keywords"), raw.get("pattern")
    # Checked, not passed through str(): a list's str() is a regex character class that fires on nearly every text.
    for name in ("reason", "pattern", "unless"):
        value = raw.get(name)
        if not isinstance(value, str) and (value is not None or name == "reason"):
            raise RuleFileError(f"{where} ({rule_id}): {name!r} must be a string, got {json.dumps(value)}")
    triggers: frozenset[str] | None = None
    if (keywords is None) == (pattern is None):
        raise RuleFileError(f"{where} ({rule_id}): give exactly one of 'keywords' or 'pattern'")
    if keywords is not None:
        if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) for k in keywords):
            raise RuleFileError(f"{where} ({rule_id}): 'keywords' must be a non-empty list of strings")
        blank = [i for i, k in enumerate(keywords) if not k.strip()]
        if blank:
            raise RuleFileError(f"{where} ({rule_id}): keyword {blank[0]} is blank (it would match every text)")
        pattern = _keywords_regex(keywords)
        if all(_WORD.match(k.strip().lower()) for k in keywords):  # else a keyword starts with punctuation
            triggers = frozenset(_WORD.findall(k.lower())[0] for k in keywords)
    min_score = raw.get("min_score", 0.9 if severity is Severity.CRITICAL else None)
    if min_score is not None and not (_is_number(min_score) and 0.0 <= min_score <= 1.0):
        raise RuleFileError(f"{where} ({rule_id}): 'min_score' must be a number in 0..1")
    boost = raw.get("boost", DEFAULT_BOOST[severity])
    if not _is_number(boost) or not -10.0 <= boost <= 10.0:
        raise RuleFileError(f"{where} ({rule_id}): 'boost' must be a number in -10..10")
    try:
        compiled = re.compile(str(pattern), re.IGNORECASE)
        unless = re.compile(str(raw["unless"]), re.IGNORECASE) if raw.get("unless") else None
    except re.error as exc:
        raise RuleFileError(f"{where} ({rule_id}): bad regex: {exc}") from None
    if any(found.group(0) == "" for probe in _EMPTY_PROBES if (found := compiled.search(probe)) is not None):
        raise RuleFileError(
            f"{where} ({rule_id}): 'pattern' {str(pattern)!r} matches the empty string (it would match every text)"
        )
    return Rule(
        rule_id,
        compiled,
        severity,
        reason,
        unless,
        None if min_score is None else float(min_score),
        float(boost),
        triggers,
    )


class RuleSet:
    """An ordered collection of rules."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)

    def __len__(self) -> int:
        return len(self.rules)

    @classmethod
    def parse(cls, document: str, *, source: str = "<rules>") -> RuleSet:
        """Rules from JSON text; raises `RuleFileError`."""
        try:
            data = json.loads(document)
        except json.JSONDecodeError as exc:
            raise RuleFileError(f"{source}: not JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            raise RuleFileError(f"{source}: expected an object with a 'rules' list")
        return cls(_rule(raw, f"{source}: rule {i}") for i, raw in enumerate(data["rules"]))

    @classmethod
    def load(cls, path: Path) -> RuleSet:
        """Rules from a JSON file; raises `RuleFileError`."""
        try:
            document = path.read_bytes().decode("utf-8-sig")  # a byte-order mark (Windows editors) is dropped
        except OSError as exc:
            raise RuleFileError(f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise RuleFileError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
                                ) from None
        return cls.parse(document, source=str(path))

    @classmethod
    def default(cls) -> RuleSet:
        """The shipped rules (data/default_rules.json)."""
        document = resources.files("bot.classify").joinpath("data/default_rules.json").read_text(encoding="utf-8")
        return cls.parse(document, source="default_rules.json")

    def extended(self, other: RuleSet) -> RuleSet:
        """These rules followed by `other`'s (a brand's own rules on top of the defaults)."""
        return RuleSet((*self.rules, *other.rules))

    def hits(self, text: str) -> list[RuleHit]:
        """The rules that fire on `text`, in rule order."""
        return self.hits_prepared(prepare(text))

    def hits_prepared(self, prepared: str) -> list[RuleHit]:
        """The rules that fire on a text already passed through `prepare`."""
        found: list[RuleHit] = []
        words = set(_WORD.findall(prepared))
        for rule in self.rules:
            if rule.triggers is not None and words.isdisjoint(rule.triggers):
                continue
            matched = rule.match(prepared)
            if matched is not None:
                found.append(RuleHit(rule, matched))
        return found
