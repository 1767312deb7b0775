"""Pure parts of the dashboard: chart geometry, hour buckets, the session codec, account rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.app import App
from bot.errors import ValidationError
from bot.store.models import StaffUser
from bot.web.accounts import UserExistsError, add_user
from bot.web.charts import HEIGHT, LEFT, bar_chart, line_chart, nice_ceiling
from bot.web.context import duration, safe_next
from bot.web.overview import count_per_bucket, hour_starts, median_per_bucket, rate_per_bucket
from bot.web.sessions import SessionCodec, WebSession
from tests.web.conftest import CHEAP_HASHER

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


class TestCharts:
    @pytest.mark.parametrize(("value", "expected"), [(0, 1), (-3, 1), (0.3, 0.5), (1, 1), (7, 10), (13, 20),
                                                     (50, 50), (51, 100)])
    def test_nice_ceiling(self, value: float, expected: float) -> None:
        """The y axis tops out at 1, 2 or 5 times a power of ten."""
        assert nice_ceiling(value) == expected

    def test_bar_geometry(self) -> None:
        """Bars share the plot width and scale to the nice maximum; an empty series says so."""
        starts = [T0 + timedelta(hours=i) for i in range(4)]
        chart = bar_chart("c", starts, [0, 5, 10, 2])
        plot_h = HEIGHT - 22 - 8
        assert [round(m.height, 1) for m in chart.marks] == [0.0, plot_h / 2, plot_h, round(plot_h / 5, 1)]
        assert [round(m.x, 1) for m in chart.marks] == [LEFT + 1, LEFT + 170, LEFT + 339, LEFT + 508]
        assert [t.text for t in chart.y_ticks] == ["0", "5", "10"]
        assert chart.marks[1].tip == "Sun 13:00: 5"
        assert (chart.empty, bar_chart("c", starts, [0, 0, 0, 0]).empty) == (False, True)

    def test_line_breaks_at_gaps(self) -> None:
        """A bucket without a value splits the line; single points stay as dots."""
        starts = [T0 + timedelta(hours=i) for i in range(5)]
        chart = line_chart("rate", starts, [10.0, 20.0, None, 5.0, None], unit="%")
        assert len(chart.lines) == 1
        assert len(chart.lines[0].split()) == 2
        assert [m.tip for m in chart.marks] == ["Sun 12:00: 10%", "Sun 13:00: 20%", "Sun 15:00: 5%"]
        with pytest.raises(ValueError, match="one value per bucket"):
            line_chart("x", starts, [1.0])


class TestBuckets:
    def test_hour_starts_follow_local_hours(self) -> None:
        """Buckets are whole hours of the local zone, the current one last (Kolkata is UTC+5:30)."""
        now = datetime(2026, 3, 1, 12, 10, tzinfo=UTC)
        assert hour_starts(now, 3, PARIS) == [T0 - timedelta(hours=2), T0 - timedelta(hours=1), T0]
        kolkata = hour_starts(now, 2, ZoneInfo("Asia/Kolkata"))
        assert [s.isoformat() for s in kolkata] == ["2026-03-01T10:30:00+00:00", "2026-03-01T11:30:00+00:00"]

    def test_count_median_rate(self) -> None:
        """Counting ignores instants outside the range; medians and rates are None where nothing happened."""
        starts = [T0, T0 + timedelta(hours=1)]
        times = [T0 - timedelta(seconds=1), T0, T0 + timedelta(minutes=59), T0 + timedelta(hours=2)]
        assert count_per_bucket(starts, times) == [2, 0]
        pairs = [(T0, 10.0), (T0 + timedelta(minutes=5), 30.0), (T0 + timedelta(minutes=6), 20.0)]
        assert median_per_bucket(starts, pairs) == [20.0, None]
        assert rate_per_bucket([1, 0], [4, 0]) == [25.0, None]


class TestSessionCodec:
    def test_round_trip_and_tampering(self) -> None:
        """A signed session decodes to the same values; a changed byte or another secret does not."""
        codec = SessionCodec(b"k" * 32)
        session = WebSession.anonymous(T0)
        session.sign_in("sam", "fp", T0)
        session.flash("ok", "done <b>")
        cookie = codec.encode(session)
        decoded = codec.decode(cookie, now=T0 + timedelta(hours=1))
        assert decoded is not None
        assert (decoded.username, decoded.fingerprint, decoded.csrf, decoded.flashes) == (
            "sam", "fp", session.csrf, [("ok", "done <b>")])
        assert codec.decode(cookie.replace(".", "x."), now=T0) is None
        assert SessionCodec(b"j" * 32).decode(cookie, now=T0) is None
        assert codec.decode("garbage", now=T0) is None

    def test_expiry(self) -> None:
        """A session is good for 12 hours from sign-in."""
        codec = SessionCodec(b"k" * 32)
        cookie = codec.encode(WebSession.anonymous(T0))
        assert codec.decode(cookie, now=T0 + timedelta(hours=12)) is not None
        assert codec.decode(cookie, now=T0 + timedelta(hours=12, seconds=1)) is None

    def test_sign_in_rotates_the_csrf_token(self) -> None:
        """Signing in issues a new session id and CSRF token (no fixation)."""
        session = WebSession.anonymous(T0)
        before = (session.sid, session.csrf)
        session.sign_in("sam", "fp", T0)
        assert (session.sid, session.csrf) != before

    @pytest.mark.parametrize(("value", "expected"), [
        ("/queue", "/queue"), ("/triage?status=open", "/triage?status=open"), ("//evil.example", "/home"),
        ("/\\evil.example", "/home"), ("https://evil.example", "/home"), ("", "/home"), (None, "/home"),
        ("/x\r\nSet-Cookie: a=b", "/home"),
    ])
    def test_safe_next(self, value: str | None, expected: str) -> None:
        """Only same-site paths are followed after sign-in."""
        assert safe_next(value, "/home") == expected


@pytest.mark.parametrize(("minutes", "text"), [(0, "0 min"), (-45, "45 min"), (65, "1 h 05 min"),
                                              (1185, "19 h 45 min"), (3000, "2 d 2 h")])
def test_duration(minutes: int, text: str) -> None:
    """SLA times read as minutes, hours or days."""
    assert duration(minutes) == text


class TestAccounts:
    def test_add_user_rules(self, bot: App) -> None:
        """Names, roles and password length are checked; names are unique; the hash is argon2id."""
        with bot.session() as session:
            add_user(session, username="sam", role="Agent", password="long enough!", actor="t", now=T0,
                     hasher=CHEAP_HASHER)
        problems = [
            ({"username": "bad name", "role": "agent", "password": "long enough!"}, ValidationError, "username:"),
            ({"username": "kim", "role": "boss", "password": "long enough!"}, ValidationError, "role must be one of"),
            ({"username": "kim", "role": "agent", "password": "short"}, ValidationError, "at least 10"),
            ({"username": "sam", "role": "agent", "password": "long enough!"}, UserExistsError, "already exists"),
        ]
        for kwargs, error, message in problems:
            with bot.session() as session, pytest.raises(error, match=message):
                add_user(session, actor="t", now=T0, hasher=CHEAP_HASHER, **kwargs)
        with bot.session() as session:
            users = session.exec(select(StaffUser)).all()
        assert [(u.username, u.role) for u in users] == [("sam", "agent")]
        assert users[0].password_hash.startswith("$argon2id$")
