"""Crisis detection: a spike trips crisis mode once and alerts; a steady rate does not."""

from __future__ import annotations

import json
import socket
import threading
from datetime import datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from structlog.testing import capture_logs

from bot.clock import ManualClock
from bot.crisis import crisis_state, set_crisis
from bot.listen.crisis_watch import post_alert, watch_crisis
from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import Author, Classification, CrisisChange, Mention
from bot.triage import queue
from bot.triage.mentions import flag_mention
from bot.triage.routing import open_triage_item

SETTINGS = Settings(crisis_window_minutes=60, crisis_min_complaints=20, crisis_ratio=4.0)


def _complaints(engine: Engine, times: list[datetime], *, start_id: int = 1, complaint: bool = True) -> list[str]:
    """Mentions posted at `times`, classified as the detector says (`complaint`); their ids."""
    with session_scope(engine) as session:
        if session.get(Author, "7") is None:
            session.add(Author(id="7", username="ada", first_seen_at=times[0], last_seen_at=times[0]))
            session.flush()
        for n, at in enumerate(times, start=start_id):
            session.add(Mention(id=str(n), author_id="7", text="@brandbot broken", created_at=at, seen_at=at))
        session.flush()
        for n, at in enumerate(times, start=start_id):
            session.add(Classification(mention_id=str(n), complaint=complaint, score=0.9 if complaint else 0.2,
                                       severity="high" if complaint else "low", reasons=[], created_at=at))
    return [str(n) for n in range(start_id, start_id + len(times))]


def _flag(engine: Engine, mention_ids: list[str], *, at: datetime) -> None:
    """A person flags each mention as a complaint the detector missed (`brandbot triage flag`)."""
    with session_scope(engine) as session:
        for mention_id in mention_ids:
            flag_mention(session, mention_id=mention_id, actor="sam", now=at)


class TestWatchCrisis:
    def test_spike_trips_once_with_figures_and_alerts(self, engine: Engine, clock: ManualClock) -> None:
        """25 complaints in the last hour against 2 per hour over the previous day trips crisis mode, once."""
        now = clock.now()
        baseline = [now - timedelta(hours=1, minutes=30 * k) for k in range(48)]  # 48 over 24 h: 2 per hour
        spike = [now - timedelta(minutes=2 * k) for k in range(25)]
        _complaints(engine, baseline)
        _complaints(engine, spike, start_id=1000)
        sent: list[str] = []
        with capture_logs() as logs:
            result = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=sent.append)
        reason = ("complaint spike: 25 complaints in the last 60 min, 12.5x the 24 h baseline of 2.0 per window "
                  "(thresholds 20 and 4x)")
        assert (result.tripped, result.window_count, result.baseline_per_window, result.reason) == (
            True, 25, 2.0, reason)
        assert sent == ["@brandbot: crisis mode is ON; automatic posts and follows are held "
                        f"(staff replies still go out). {reason}. Turn it off when it is over."]
        assert [e["event"] for e in logs if e["log_level"] == "warning"] == ["crisis.on", "crisis.tripped"]
        with Session(engine) as session:
            state = crisis_state(session, now=now)
            assert (state.active, state.automatic, state.actor, state.reason) == (True, True, "crisis-watch", reason)
        clock.advance(60)
        again = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=sent.append)
        assert (again.tripped, again.already_active, len(sent)) == (False, True, 1)
        with Session(engine) as session:
            assert len(session.exec(select(CrisisChange)).all()) == 1

    def test_steady_rate_does_not_trip(self, engine: Engine, clock: ManualClock) -> None:
        """30 complaints an hour for 25 hours is the brand's normal: no crisis."""
        now = clock.now()
        _complaints(engine, [now - timedelta(minutes=2 * k) for k in range(25 * 30)])
        sent: list[str] = []
        result = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=sent.append)
        assert (result.tripped, result.window_count, result.baseline_per_window, result.ratio) == (
            False, 30, 30.0, 1.0)
        assert sent == []
        with Session(engine) as session:
            assert crisis_state(session, now=now).active is False

    def test_spike_after_a_silent_day_says_the_baseline_counts_as_one(self, engine: Engine,
                                                                       clock: ManualClock) -> None:
        """With no complaint in the day before, the reason does not claim 25x a baseline of 0."""
        now = clock.now()
        _complaints(engine, [now - timedelta(minutes=2 * k) for k in range(25)])
        result = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=None)
        assert (result.tripped, result.baseline_per_window, result.ratio) == (True, 0.0, 25.0)
        assert result.reason == ("complaint spike: 25 complaints in the last 60 min, 25.0x the 24 h baseline of "
                                 "0.0 per window, counted as 1 (thresholds 20 and 4x)")

    def test_few_complaints_on_a_quiet_day_do_not_trip(self, engine: Engine, clock: ManualClock) -> None:
        """Ten complaints after a silent day stay under the minimum count of 20."""
        now = clock.now()
        _complaints(engine, [now - timedelta(minutes=k) for k in range(10)])
        result = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=None)
        assert (result.tripped, result.window_count, result.ratio) == (False, 10, 10.0)

    def test_a_failing_alert_does_not_undo_the_trip(self, engine: Engine, clock: ManualClock) -> None:
        """An alert sender that raises is logged; crisis mode is on all the same."""
        now = clock.now()
        _complaints(engine, [now - timedelta(minutes=k) for k in range(20)])

        def broken(_text: str) -> None:
            raise OSError("webhook down")

        with capture_logs() as logs:
            result = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=broken)
        assert result.tripped is True
        assert {"event": "crisis.alert_failed", "error": "OSError", "detail": "webhook down",
                "log_level": "error"} in logs

    def test_the_spike_a_person_turned_off_does_not_trip_again(self, engine: Engine, clock: ManualClock) -> None:
        """After "off", only complaints classified since count: the same spike is not re-tripped a minute
        later, even when the person's clock is behind the bot's (the command line during a sped-up run);
        a new spike trips it again."""
        now = clock.now()
        _complaints(engine, [now - timedelta(minutes=2 * k) for k in range(25)])
        sent: list[str] = []
        assert watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=sent.append).tripped
        with session_scope(engine) as session:
            set_crisis(session, active=False, reason="handled", actor="alice", now=now + timedelta(seconds=30))
        clock.advance(60)
        calm = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=sent.append)
        assert (calm.tripped, calm.window_count, len(sent)) == (False, 0, 1)
        clock.advance(60)
        _complaints(engine, [clock.now() - timedelta(seconds=k) for k in range(21)], start_id=500)
        again = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=sent.append)
        assert (again.tripped, again.window_count, len(sent)) == (True, 21, 2)

    def test_a_failed_alert_is_sent_again_at_the_next_check_until_it_arrives(self, engine: Engine,
                                                                            clock: ManualClock) -> None:
        """The webhook is down at the trip: the next check sends it again; once it arrived, never again."""
        _complaints(engine, [clock.now() - timedelta(minutes=k) for k in range(20)])
        attempts: list[str] = []
        up = False

        def flaky(text: str) -> bool:
            attempts.append(text)
            return up

        with capture_logs() as logs:
            assert watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=flaky).tripped
        assert len(attempts) == 1
        assert "crisis.alert_owed" in [e["event"] for e in logs]
        up = True
        clock.advance(60)
        watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=flaky)
        assert len(attempts) == 2
        assert attempts[1] == attempts[0]
        clock.advance(60)
        watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=flaky)
        assert len(attempts) == 2

    def test_an_owed_alert_is_dropped_once_crisis_mode_is_off(self, engine: Engine, clock: ManualClock) -> None:
        _complaints(engine, [clock.now() - timedelta(minutes=k) for k in range(20)])
        attempts: list[str] = []

        def down(text: str) -> bool:
            attempts.append(text)
            return False

        watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=down)
        with session_scope(engine) as session:
            set_crisis(session, active=False, reason="handled", actor="alice", now=clock.now())
        clock.advance(60)
        watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=down)
        assert len(attempts) == 1


class TestStaffLabels:
    def test_a_complaint_flagged_by_staff_counts_in_the_window_of_its_arrival(self, engine: Engine,
                                                                             clock: ManualClock) -> None:
        """19 complaints found by the detector and one it missed, flagged by a person: 20 in the window trips it."""
        now = clock.now()
        _complaints(engine, [now - timedelta(minutes=2 * k) for k in range(19)])
        missed = _complaints(engine, [now - timedelta(minutes=5)], start_id=100, complaint=False)
        _flag(engine, missed, at=now)
        result = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=None)
        assert (result.tripped, result.window_count) == (True, 20)

    def test_old_mentions_flagged_in_bulk_raise_the_baseline_not_the_window(self, engine: Engine,
                                                                           clock: ManualClock) -> None:
        """A person flags 30 mentions of 3 to 5 hours ago at once: they count when they arrived (1.25 an hour
        over the day before the window), so nothing trips."""
        now = clock.now()
        missed = _complaints(engine, [now - timedelta(hours=3, minutes=4 * k) for k in range(30)], complaint=False)
        _flag(engine, missed, at=now - timedelta(minutes=1))
        result = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=None)
        assert (result.tripped, result.window_count, result.baseline_per_window) == (False, 0, 1.25)

    def test_the_spike_flagged_after_an_off_does_not_trip_again(self, engine: Engine, clock: ManualClock) -> None:
        """After a person turned crisis mode off, flagging the mentions of that spike the detector missed does
        not trip it again: they were classified before the "off"."""
        now = clock.now()
        _complaints(engine, [now - timedelta(minutes=2 * k) for k in range(25)])
        missed = _complaints(engine, [now - timedelta(minutes=2 * k + 1) for k in range(25)], start_id=100,
                             complaint=False)
        assert watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=None).tripped
        with session_scope(engine) as session:
            set_crisis(session, active=False, reason="handled", actor="alice", now=now)
        clock.advance(60)
        _flag(engine, missed, at=clock.now())
        calm = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=None)
        assert (calm.tripped, calm.window_count) == (False, 0)

    def test_a_detector_complaint_labelled_not_a_complaint_does_not_count(self, engine: Engine,
                                                                         clock: ManualClock) -> None:
        """20 complaints by the detector, one of which a person labels not-complaint: 19 stay under the minimum."""
        now = clock.now()
        ids = _complaints(engine, [now - timedelta(minutes=k) for k in range(20)])
        with session_scope(engine) as session:
            item = open_triage_item(session, mention_id=ids[0], author_id="7", severity="high", score=0.9, now=now)
            queue.label(session, item_id=item.id or 0, label="not-complaint", actor="sam", now=now)
        result = watch_crisis(engine=engine, clock=clock, settings=SETTINGS, send_alert=None)
        assert (result.tripped, result.window_count) == (False, 19)


class TestPostAlert:
    def test_posts_slack_compatible_json(self) -> None:
        """The webhook gets one POST with {"text": ...}."""
        seen: list[tuple[str, object]] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append((str(request.url), json.loads(request.content)))
            return httpx.Response(200, text="ok")

        ok = post_alert("https://hooks.example.test/T1", "crisis on", transport=httpx.MockTransport(handler))
        assert (ok, seen) == (True, [("https://hooks.example.test/T1", {"text": "crisis on"})])

    def test_failure_is_logged_not_raised(self) -> None:
        """A 500 from the webhook returns False and logs crisis.alert_failed."""
        transport = httpx.MockTransport(lambda _r: httpx.Response(500))
        with capture_logs() as logs:
            ok = post_alert("https://hooks.example.test/T1", "crisis on", transport=transport)
        assert ok is False
        assert [e["event"] for e in logs] == ["crisis.alert_failed"]

    def test_a_webhook_dripping_its_body_does_not_hold_the_crisis_job(self) -> None:
        """A 200 whose body comes a byte at a time is an answer: the body is not waited for (the job runs alone)."""
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        dripped_all = threading.Event()
        stop = threading.Event()

        def serve() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 60\r\nContent-Type: text/plain\r\n\r\n")
                try:
                    for _ in range(60):  # 30 s of body, every read well within the timeout
                        if stop.wait(0.5):
                            return
                        conn.sendall(b"k")
                    dripped_all.set()
                except OSError:
                    return  # the client hung up: what it should do

        server = threading.Thread(target=serve, daemon=True)
        server.start()
        try:
            ok = post_alert(f"http://127.0.0.1:{port}/hook", "crisis on", timeout=2.0)
            assert (ok, dripped_all.is_set()) == (True, False)
        finally:
            stop.set()
            server.join(5)
            listener.close()
