"""`decide_follow`: whether to follow an author who mentioned the brand, and why (pure, no I/O).

The first matching rule wins; every verdict carries a literal reason that ends up on the
`FollowDecision` row, so "why did (or didn't) we follow @x" is always answerable.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import as_utc
from bot.domain import FollowStatus
from bot.xapi import tiers

#: An account younger than this with more than `NEW_ACCOUNT_MAX_TWEETS` posts looks automated.
NEW_ACCOUNT_AGE = timedelta(days=7)
NEW_ACCOUNT_MAX_TWEETS = 500
#: Following more than `FOLLOW_RATIO_MAX` times as many accounts as follow back (with at least
#: `FOLLOW_RATIO_MIN_FOLLOWING` followed) is a follow-farming signal.
FOLLOW_RATIO_MAX = 50
FOLLOW_RATIO_MIN_FOLLOWING = 1000
#: Phrases typical of spam, matched case-insensitively in the post and the bio (English and French, the
#: locales the personas speak).
SPAM_CUES: tuple[str, ...] = (
    "free followers",
    "buy followers",
    "crypto giveaway",
    "airdrop",
    "crypto signals",
    "dm for promo",
    "onlyfans",
    "earn $",
    "followers gratuits",
    "abonnés gratuits",
    "abonnes gratuits",
    "concours crypto",
)
#: Phrases typical of a spammer's bio, but also words customers use in a post about the brand ("your promo
#: code doesn't work", "I clicked the link in your email"): matched in the bio only.
BIO_SPAM_CUES: tuple[str, ...] = ("giveaway", "dm me for", "promo code", "click the link", "whatsapp")
#: Patterns of spam replies (what they matched is the reason given): follow-for-follow hashtags, money for nothing
#: ("earn $5000 a week", "gagnez 5000€ par semaine") and crypto doubling ("send 0.1 ETH get 1 ETH back").
SPAM_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"#(?:f4f|follow4follow|followforfollow|followback|teamfollowback)\b|\bfollow for follow\b"),
    re.compile(r"\b(?:earn|gagnez|gagner)\s+[$€£]?\s?\d[\d.,\s]*(?:k\b)?\s?(?:[$€£]|dollars|euros)?\s*"
               r"(?:a|an|per|par)\s+(?:day|week|month|hour|jour|semaine|mois|heure)\b"),
    re.compile(r"\b(?:send|envoyez|envoie)\s+\d+(?:[.,]\d+)?\s*(?:eth|btc|bnb|sol|usdt)\b.{0,40}?"
               r"\b(?:get|receive|recevez|reçois)\s+\d+(?:[.,]\d+)?\s*(?:eth|btc|bnb|sol|usdt)\b"),
)
_NUMERIC_HANDLE = re.compile(r"\d{6,}$")


class AuthorLike(Protocol):
    """What the policy reads from an author (an `Author` row or an `XUser`-shaped object)."""

    @property
    def id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def followers_count(self) -> int | None: ...
    @property
    def following_count(self) -> int | None: ...
    @property
    def tweet_count(self) -> int | None: ...
    @property
    def verified(self) -> bool: ...


class ClassificationLike(Protocol):
    """The detector verdict the policy needs."""

    @property
    def complaint(self) -> bool: ...


def spam_reason(author: AuthorLike, *, account_created_at: datetime | None, text: str, now: datetime) -> str | None:
    """Why `author` looks like spam, or None."""
    if author.verified:
        return None
    tweets = author.tweet_count or 0
    young = account_created_at is not None and now - as_utc(account_created_at) < NEW_ACCOUNT_AGE
    if young and tweets > NEW_ACCOUNT_MAX_TWEETS:
        return f"likely spam: account under 7 days old with {tweets} posts"
    following = author.following_count or 0
    followers = author.followers_count or 0
    if following >= FOLLOW_RATIO_MIN_FOLLOWING and following > FOLLOW_RATIO_MAX * max(followers, 1):
        return f"likely spam: follows {following} accounts, followed by {followers}"
    haystack = f"{text}\n{author.description}".lower()
    for cue in SPAM_CUES:
        if cue in haystack:
            return f"likely spam: text cue {cue!r}"
    bio = author.description.lower()
    for cue in BIO_SPAM_CUES:
        if cue in bio:
            return f"likely spam: bio cue {cue!r}"
    for pattern in SPAM_PATTERNS:
        found = pattern.search(haystack)
        if found is not None:
            return f"likely spam: text cue {' '.join(found.group(0).split())!r}"
    if (
        not author.description.strip()
        and followers == 0
        and author.followers_count is not None
        and _NUMERIC_HANDLE.search(author.username)
    ):
        return "likely spam: default profile (no bio, no followers, numeric handle)"
    return None


def tier_cannot_follow_reason(tier: str) -> str:
    """The reason on decisions handed to a person because `tier` cannot follow through the API."""
    return f"the {tier} tier cannot follow through the API: follow by hand"


def api_refused_reason(tier: str) -> str:
    """The reason on decisions handed to a person because X refused following although `tier` allows it."""
    return f"the API refused following on the {tier} tier: follow by hand"


def decide_follow(
    author: AuthorLike,
    *,
    classification: ClassificationLike | None,
    crisis_active: bool,
    already_decided: bool,
    blocklist: Collection[str],
    tier: str,
    now: datetime,
    follow_enabled: bool = True,
    account_created_at: datetime | None = None,
    text: str = "",
    api_refused: bool = False,
) -> tuple[FollowStatus, str]:
    """The follow decision for `author` and its reason; the first matching rule wins.

    `blocklist` holds lower-case usernames without `@`. `text` is the mention that
    brought the author in (read for spam cues). `api_refused`: X has refused following
    through the API although the tier should allow it (the person follows by hand).
    """
    if already_decided:
        return FollowStatus.SKIPPED, "already decided"
    if not follow_enabled:
        return FollowStatus.SKIPPED, "following is disabled (FOLLOW_ENABLED=false)"
    if author.username.lower().lstrip("@") in blocklist:
        return FollowStatus.SKIPPED, "blocklisted"
    spam = spam_reason(author, account_created_at=account_created_at, text=text, now=now)
    if spam is not None:
        return FollowStatus.SKIPPED, spam
    if crisis_active and classification is not None and classification.complaint:
        return FollowStatus.SKIPPED, "complained during a crisis"
    if tiers.can_follow(tier) and api_refused:
        return FollowStatus.MANUAL, api_refused_reason(tier)
    if tiers.can_follow(tier):
        return FollowStatus.PENDING, "will follow through the API"
    return FollowStatus.MANUAL, tier_cannot_follow_reason(tier)
