"""The follow policy: one literal reason per rule, first matching rule wins."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import FollowStatus
from bot.follow.policy import decide_follow

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class _Author:
    id: str = "42"
    username: str = "ada"
    description: str = "Engineer, tea drinker."
    followers_count: int | None = 300
    following_count: int | None = 250
    tweet_count: int | None = 4000
    verified: bool = False


@dataclass(frozen=True)
class _Verdict:
    complaint: bool


ADA = _Author()


class TestDecideFollow:
    @pytest.mark.parametrize(
        ("author", "kwargs", "expected"),
        [
            (ADA, {}, (FollowStatus.MANUAL, "the basic tier cannot follow through the API: follow by hand")),
            (ADA, {"tier": "enterprise"}, (FollowStatus.PENDING, "will follow through the API")),
            (ADA, {"already_decided": True}, (FollowStatus.SKIPPED, "already decided")),
            (ADA, {"follow_enabled": False}, (FollowStatus.SKIPPED, "following is disabled (FOLLOW_ENABLED=false)")),
            (ADA, {"blocklist": ("ada",)}, (FollowStatus.SKIPPED, "blocklisted")),
            (replace(ADA, username="ADA"), {"blocklist": ("ada",)}, (FollowStatus.SKIPPED, "blocklisted")),
            (
                ADA,
                {"crisis_active": True, "classification": _Verdict(complaint=True)},
                (FollowStatus.SKIPPED, "complained during a crisis"),
            ),
            (
                ADA,
                {"crisis_active": True, "classification": _Verdict(complaint=False)},
                (FollowStatus.MANUAL, "the basic tier cannot follow through the API: follow by hand"),
            ),
            (
                ADA,
                {"crisis_active": False, "classification": _Verdict(complaint=True), "tier": "enterprise"},
                (FollowStatus.PENDING, "will follow through the API"),
            ),
            (
                replace(ADA, tweet_count=2500),
                {"account_created_at": NOW - timedelta(days=3)},
                (FollowStatus.SKIPPED, "likely spam: account under 7 days old with 2500 posts"),
            ),
            (
                replace(ADA, tweet_count=40),
                {"account_created_at": NOW - timedelta(days=3)},
                (FollowStatus.MANUAL, "the basic tier cannot follow through the API: follow by hand"),
            ),
            (
                replace(ADA, following_count=5000, followers_count=20),
                {},
                (FollowStatus.SKIPPED, "likely spam: follows 5000 accounts, followed by 20"),
            ),
            (
                ADA,
                {"text": "@brandbot FREE FOLLOWERS here"},
                (FollowStatus.SKIPPED, "likely spam: text cue 'free followers'"),
            ),
            (ADA, {"text": "@brandbot FREE followers", "crisis_active": True,
                   "classification": _Verdict(complaint=True)},
             (FollowStatus.SKIPPED, "likely spam: text cue 'free followers'")),
            (ADA, {"text": "@brandbot abonnés GRATUITS sur mon profil 🔥"},
             (FollowStatus.SKIPPED, "likely spam: text cue 'abonnés gratuits'")),
            (ADA, {"text": "@brandbot 🚀 EARN $5000 A WEEK from home"},
             (FollowStatus.SKIPPED, "likely spam: text cue 'earn $'")),
            (ADA, {"text": "@brandbot GAGNEZ 5 000 € PAR SEMAINE"},
             (FollowStatus.SKIPPED, "likely spam: text cue 'gagnez 5 000 € par semaine'")),
            (ADA, {"text": "@brandbot send 0.1 ETH get 1 ETH back"},
             (FollowStatus.SKIPPED, "likely spam: text cue 'send 0.1 eth get 1 eth'")),
            (ADA, {"text": "@brandbot envoyez 0,1 ETH recevez 1 ETH"},
             (FollowStatus.SKIPPED, "likely spam: text cue 'envoyez 0,1 eth recevez 1 eth'")),
            (ADA, {"text": "@brandbot @brandbot follow back??? #F4F"},
             (FollowStatus.SKIPPED, "likely spam: text cue '#f4f'")),
            (replace(ADA, description="DM me for collabs, WhatsApp +44"), {},
             (FollowStatus.SKIPPED, "likely spam: bio cue 'dm me for'")),
            (
                replace(ADA, description="crypto signals daily"),
                {},
                (FollowStatus.SKIPPED, "likely spam: text cue 'crypto signals'"),
            ),
            (
                replace(ADA, username="user84736251", description="", followers_count=0),
                {},
                (FollowStatus.SKIPPED, "likely spam: default profile (no bio, no followers, numeric handle)"),
            ),
            (
                replace(ADA, following_count=5000, followers_count=20, verified=True),
                {"tier": "enterprise"},
                (FollowStatus.PENDING, "will follow through the API"),
            ),
            (
                ADA,
                {"tier": "enterprise", "api_refused": True},
                (FollowStatus.MANUAL, "the API refused following on the enterprise tier: follow by hand"),
            ),
            (ADA, {"tier": "enterprise", "api_refused": True, "blocklist": ("ada",)},
             (FollowStatus.SKIPPED, "blocklisted")),
        ],
    )
    def test_rules(self, author: _Author, kwargs: dict[str, object], expected: tuple[FollowStatus, str]) -> None:
        """Each rule yields its literal status and reason."""
        args: dict[str, object] = {
            "classification": None,
            "crisis_active": False,
            "already_decided": False,
            "blocklist": (),
            "tier": "basic",
            "now": NOW,
        }
        args.update(kwargs)
        assert decide_follow(author, **args) == expected  # type: ignore[arg-type]

    def test_blocklist_beats_spam_and_tier(self) -> None:
        """A blocklisted spammer is reported as blocklisted (the first rule wins)."""
        spammer = replace(ADA, description="giveaway!!")
        got = decide_follow(spammer, classification=None, crisis_active=False, already_decided=False,
                            blocklist=("ada",), tier="enterprise", now=NOW)
        assert got == (FollowStatus.SKIPPED, "blocklisted")


class TestCustomerWordsAreNotSpam:
    @pytest.mark.parametrize(
        "text",
        [
            "@brandbot your promo code SAVE10 doesn't work at checkout",
            "@brandbot I clicked the link in your email and got an error, click the link again?",
            "@brandbot did I win the giveaway? nobody told me",
            "@brandbot your WhatsApp support line never answers",
            "@brandbot please follow back so I can DM you my booking reference",
            "@brandbot I make $20 a day less since your price rise",
        ],
    )
    def test_a_customer_using_these_words_is_followed(self, text: str) -> None:
        """Words customers use about the brand in a post (promo code, giveaway, WhatsApp ...) are not spam cues."""
        got = decide_follow(ADA, classification=None, crisis_active=False, already_decided=False, blocklist=(),
                            tier="basic", now=NOW, text=text)
        assert got == (FollowStatus.MANUAL, "the basic tier cannot follow through the API: follow by hand")
