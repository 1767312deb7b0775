"""Hostile text: mentions through poller → detector → database, and odd `brandbot queue add` arguments."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.classify.detector import Detector
from bot.cli.main import app as cli
from bot.clock import ManualClock, SystemClock
from bot.listen.poller import MENTIONS, PollProgress, poll_mentions
from bot.sandbox.config import SandboxConfig
from bot.sandbox.server import SandboxServer
from bot.sandbox.testing import SandboxAdmin, sandbox_settings
from bot.settings import Settings
from bot.store.models import Author, Classification, Mention, Post
from bot.xapi.budget import BudgetKeeper
from bot.xapi.fake import FakeXClient
from bot.xapi.tweepy_client import TweepyXClient
from tests.reliability.conftest import BRANDBOT, REPO

BRAND = "1000"
DETECTOR = Detector.default()
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e"
RTL = "\u202e\u202b\u202d\u2067\u200f\u061c" + "مرحبا" + "שלום"
EMOJI = ("😀", "👨‍👩‍👧", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "❤️", "🇫🇷", "👍🏽")
ODD = (*ZERO_WIDTH, *RTL, *EMOJI, "\x00", "\ud800", "\udfff", "\ud83d", "\r\n", "\t", "'", '"', "\\", "%s", "@brandbot",
       "＠brandbot", "\u0301", "ﷺ", "𝕳", "\x7f", "\x85")
BAD_UTF8 = (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80", b"\x80abc")

odd_piece = st.one_of(st.sampled_from(ODD), st.text(max_size=6))
mixed = st.lists(odd_piece, max_size=60).map("".join)
invalid_utf8 = st.lists(st.one_of(st.sampled_from(BAD_UTF8), st.binary(max_size=8)), max_size=40).map(
    lambda parts: b"".join(parts).decode("utf-8", errors="replace"))
ten_kb = st.tuples(st.text(min_size=1, max_size=12), st.sampled_from(ODD)).map(
    lambda p: ((p[0] + p[1]) * (10_240 // len(p[0] + p[1]) + 1))[:10_240])
mention_texts = st.one_of(st.text(max_size=300), mixed, invalid_utf8, ten_kb)


def stored_form(text: str) -> str:
    """What a database can hold: NUL and lone surrogates become U+FFFD, everything else is kept as given."""
    return "".join("\ufffd" if ch == "\x00" or 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


def as_mention(text: str) -> str:
    """The text of a mention made of `text` (the fake and the sandbox put the handle in front when it is missing)."""
    return text if "@brandbot" in text.lower() else f"@brandbot {text}"


@pytest.fixture
def fake_x() -> FakeXClient:
    """One in-memory X for every example of a test, so tweet ids and the stored cursor keep moving forward."""
    return FakeXClient(tier="pro", brand_id=BRAND)


class TestMentionTexts:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(texts=st.lists(mention_texts, min_size=1, max_size=3), bio=mixed)
    def test_any_text_is_stored_as_given_and_classified(
        self, engine: Engine, fake_x: FakeXClient, texts: list[str], bio: str
    ) -> None:
        """Emoji, RTL, zero-width, 10 KB, NUL, lone surrogates, replaced invalid UTF-8: stored and classified."""
        clock = ManualClock(datetime(2026, 3, 1, tzinfo=UTC))
        author = fake_x.add_user(f"odd{len(fake_x.users)}", name=bio[:50], description=bio)
        ids = [fake_x.add_mention(author.username, text).id for text in texts]
        poll = poll_mentions(engine=engine, x=fake_x, budget=BudgetKeeper("pro", clock), clock=clock,
                             settings=Settings(x_tier="pro"), detector_for=lambda _s: DETECTOR, brand_user_id=BRAND,
                             worker_id="w", sources=(MENTIONS,))
        assert (poll.sources[0].error, poll.new_mentions) == (None, len(texts))
        with Session(engine) as session:
            stored = {i: session.get(Mention, i) for i in ids}
            classified = {i: session.exec(select(Classification).where(Classification.mention_id == i)).first()
                          for i in ids}
            row = session.get(Author, author.id)
        assert {i: m.text if m else None for i, m in stored.items()} == {
            i: stored_form(as_mention(t)) for i, t in zip(ids, texts, strict=True)}
        assert all(c is not None for c in classified.values())
        assert row is not None
        assert (row.name, row.description) == (stored_form(bio[:50]), stored_form(bio))

    def test_hostile_texts_over_http_from_the_sandbox(self, engine: Engine) -> None:
        """The same texts sent through the sandbox as JSON and read back by tweepy are stored as given."""
        texts = ["مرحبا \u202e@brandbot\u202c שלום", "zero\u200bwidth\u2060joiner\ufeff", "👨‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿 ❤️",
                 "nul \x00 inside", "lone \ud800 high and \udfff low",
                 b"bad \xff\xc0\xaf utf-8".decode(errors="replace"), ("ten kilobytes 🚀 " * 700)[:10_240]]
        clock = SystemClock()
        with SandboxServer(SandboxConfig(tier="pro", scenario="quiet"), clock) as server:
            admin = SandboxAdmin(server.url)
            ids = [admin.mention(f"odd{i}", text) for i, text in enumerate(texts)]
            settings_ = sandbox_settings(str(engine.url), server.url, "pro")
            budget = BudgetKeeper("pro", clock)
            with TweepyXClient(settings_.credentials, base_url=server.url, budget=budget, clock=clock) as x:
                poll = poll_mentions(engine=engine, x=x, budget=budget, clock=clock, settings=settings_,
                                     detector_for=lambda _s: DETECTOR, brand_user_id=x.me().id, worker_id="w",
                                     progress=PollProgress(), sources=(MENTIONS,))
            admin.close()
        assert (poll.sources[0].error, poll.new_mentions) == (None, len(texts))
        with Session(engine) as session:
            stored = {m.id: m.text for m in session.exec(select(Mention))}
        assert stored == {i: stored_form(as_mention(t)) for i, t in zip(ids, texts, strict=True)}


@pytest.fixture
def cli_env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name, value in {"DATABASE_URL": sqlite_url, "TEMPLATE_DIR": str(REPO / "templates"),
                        "X_API_BASE_URL": "http://127.0.0.1:9", "LOG_FORMAT": "json"}.items():
        monkeypatch.setenv(name, value)
    return sqlite_url


cli_text = st.one_of(st.text(max_size=400), mixed, invalid_utf8, st.just("-"), st.just("--help"),
                     st.sampled_from(["", " ", "\n", "x" * 281, "é" * 280, "😀" * 140, "😀" * 141]))


class TestQueueAddArguments:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=cli_text.filter(lambda t: stored_form(t) == t), option=st.sampled_from(["", "--at", "--priority"]))
    def test_exit_code_is_0_or_2_never_a_traceback(self, cli_env: str, text: str, option: str) -> None:
        """Any text, `--at` or `--priority` value: queued (0) or refused with a reason (2)."""
        args = ["queue", "add", "--json", "--", text] if not option else ["queue", "add", "x", option, text]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (0, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
        if result.exit_code == 0 and not option and text != "--help":
            [row] = json.loads(result.output.strip().split("\n")[-1])
            assert row["text"] == text.strip()
        if result.exit_code == 2:
            assert result.output.strip()

    def test_raw_invalid_utf8_arguments_from_a_shell(self, cli_env: str, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 on the command line (lone surrogates in Python) exit 2 with a reason."""
        env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": cli_env, "X_API_BASE_URL": "http://127.0.0.1:9",
               "TEMPLATE_DIR": str(REPO / "templates"), "LOG_FORMAT": "json", "LC_ALL": "C.UTF-8"}
        for argv in ([b"queue", b"add", b"caf\xe9 \xff"], [b"queue", b"add", b"ok", b"--at", b"\xed\xa0\x80"]):
            done = subprocess.run([*(a.encode() for a in BRANDBOT), *argv], env=env, cwd=tmp_path,
                                  capture_output=True, timeout=60, check=False)
            stderr = done.stderr.decode("utf-8", "replace")
            assert done.returncode == 2, stderr
            assert "Traceback" not in stderr
            assert stderr.startswith("error: "), stderr
        with Session(_engine(cli_env)) as session:
            assert list(session.exec(select(Post))) == []


def _engine(url: str) -> Engine:
    from bot.store.db import make_engine

    return make_engine(url)
