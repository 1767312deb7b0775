"""Staff actions on the triage queue, on both stores."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.clock import ManualClock
from bot.domain import PostState
from bot.errors import ValidationError
from bot.store.db import session_scope
from bot.store.models import AuditLog, Post, TrainingLabel, TriageAction
from bot.triage import queue
from bot.triage.errors import AlreadyAnsweredError, TriageConflictError, TriageNotFoundError
from bot.triage.listing import get_item, history
from bot.triage.sla import count_by_status
from tests.conftest import open_items


class TestClaim:
    def test_two_processes_claiming_one_item_exactly_one_wins(self, engine: Engine, clock: ManualClock) -> None:
        """Two workers with their own sessions claim the same item at once: one wins, one gets a conflict."""
        (item_id,) = open_items(engine, clock, ["high"])
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def worker(name: str) -> None:
            barrier.wait()
            try:
                with session_scope(engine) as session:
                    queue.claim(session, item_id=item_id, actor=name, now=clock.now())
                outcomes[name] = "won"
            except TriageConflictError:
                outcomes[name] = "conflict"

        threads = [threading.Thread(target=worker, args=(n,)) for n in ("sam", "kim")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(outcomes.values()) == ["conflict", "won"]
        winner = next(n for n, o in outcomes.items() if o == "won")
        with Session(engine) as session:
            item = get_item(session, item_id)
            assert (item.status, item.assignee) == ("claimed", winner)
            claims = session.exec(select(TriageAction).where(col(TriageAction.action) == "claimed")).all()
            assert [(a.actor, a.item_id) for a in claims] == [(winner, item_id)]

    def test_claim_conflict_message_and_own_reclaim(self, engine: Engine, clock: ManualClock) -> None:
        """Claiming again is a no-op for the holder and a conflict naming the holder for anyone else."""
        (item_id,) = open_items(engine, clock, ["high"])
        with session_scope(engine) as session:
            queue.claim(session, item_id=item_id, actor="sam", now=clock.now())
        with session_scope(engine) as session:
            assert queue.claim(session, item_id=item_id, actor="sam", now=clock.now()).assignee == "sam"
        with session_scope(engine) as session, pytest.raises(TriageConflictError) as exc:
            queue.claim(session, item_id=item_id, actor="kim", now=clock.now())
        assert str(exc.value) == f"triage item {item_id} is already claimed by sam"

    def test_unknown_item(self, engine: Engine) -> None:
        """An unknown id raises TriageNotFoundError."""
        with session_scope(engine) as session, pytest.raises(TriageNotFoundError):
            queue.claim(session, item_id=999, actor="sam", now=ManualClock().now())


class TestCloseAndLabel:
    def test_resolve_then_dismiss_conflicts(self, engine: Engine, clock: ManualClock) -> None:
        """A resolved item cannot be dismissed; history and audit record who did what."""
        (item_id,) = open_items(engine, clock, ["medium"])
        with session_scope(engine) as session:
            item = queue.resolve(session, item_id=item_id, actor="sam", now=clock.now(), note="refunded")
            assert (item.status, item.resolved_at) == ("resolved", clock.now())
        with session_scope(engine) as session, pytest.raises(TriageConflictError) as exc:
            queue.dismiss(session, item_id=item_id, actor="kim", now=clock.now())
        assert str(exc.value) == f"triage item {item_id} is already resolved"
        with Session(engine) as session:
            assert [(a.actor, a.action, a.detail) for a in history(session, item_id)] == [
                ("system", "created", "severity medium, score 0.90"), ("sam", "resolved", "refunded")]
            audit = session.exec(select(AuditLog).order_by(col(AuditLog.id))).all()
            assert [(a.actor, a.action, a.target) for a in audit] == [
                ("system", "triage.created", f"triage:{item_id}"), ("sam", "triage.resolved", f"triage:{item_id}")]

    def test_label_writes_a_training_label(self, engine: Engine, clock: ManualClock) -> None:
        """'not-complaint' stores label 0 with the mention's text and marks the item."""
        (item_id,) = open_items(engine, clock, ["low"])
        with session_scope(engine) as session:
            queue.label(session, item_id=item_id, label="not-complaint", actor="sam", now=clock.now())
        with Session(engine) as session:
            row = session.exec(select(TrainingLabel)).one()
            assert (row.mention_id, row.text, row.label, row.actor) == ("1", "@brandbot problem 1", 0, "sam")
            assert get_item(session, item_id).label == "not-complaint"

    def test_bad_label(self, engine: Engine, clock: ManualClock) -> None:
        """Only complaint and not-complaint are labels."""
        (item_id,) = open_items(engine, clock, ["low"])
        with session_scope(engine) as session, pytest.raises(ValueError, match="label must be one of"):
            queue.label(session, item_id=item_id, label="maybe", actor="sam", now=clock.now())

    def test_assign_and_counts(self, engine: Engine, clock: ManualClock) -> None:
        """Assigning a new item claims it for the assignee; counts cover every status."""
        first, _second = open_items(engine, clock, ["low", "high"])
        with session_scope(engine) as session:
            item = queue.assign(session, item_id=first, assignee="kim", actor="lead", now=clock.now())
            assert (item.status, item.assignee) == ("claimed", "kim")
        with Session(engine) as session:
            assert count_by_status(session) == {"new": 1, "claimed": 1, "replied": 0, "resolved": 0,
                                                      "dismissed": 0}


class TestAssign:
    def test_taking_a_colleagues_item_needs_override(self, engine: Engine, clock: ManualClock) -> None:
        """sam cannot assign kim's item (even to himself); with override it moves, noted on the history."""
        (item_id,) = open_items(engine, clock, ["high"])
        with session_scope(engine) as session:
            queue.claim(session, item_id=item_id, actor="kim", now=clock.now())
        with session_scope(engine) as session, pytest.raises(TriageConflictError) as exc:
            queue.assign(session, item_id=item_id, assignee="sam", actor="sam", now=clock.now())
        assert str(exc.value) == f"triage item {item_id} is claimed by kim"
        with Session(engine) as session:
            assert get_item(session, item_id).assignee == "kim"
        with session_scope(engine) as session:
            item = queue.assign(session, item_id=item_id, assignee="sam", actor="lead", now=clock.now(), override=True)
            assert (item.status, item.assignee) == ("claimed", "sam")
        with Session(engine) as session:
            assert [(a.actor, a.action, a.detail) for a in history(session, item_id)][-1] == (
                "lead", "assigned", "to sam (override: claimed by kim)")

    def test_the_holder_may_hand_an_item_on(self, engine: Engine, clock: ManualClock) -> None:
        """kim, who holds the item, gives it to sam without any override; no override note."""
        (item_id,) = open_items(engine, clock, ["high"])
        with session_scope(engine) as session:
            queue.claim(session, item_id=item_id, actor="kim", now=clock.now())
            queue.assign(session, item_id=item_id, assignee="sam", actor="kim", now=clock.now())
        with Session(engine) as session:
            assert get_item(session, item_id).assignee == "sam"
            assert history(session, item_id)[-1].detail == "to sam"

    def test_closed_items_cannot_be_assigned_even_with_override(self, engine: Engine, clock: ManualClock) -> None:
        """A resolved item stays resolved and unassigned."""
        (item_id,) = open_items(engine, clock, ["low"])
        with session_scope(engine) as session:
            queue.resolve(session, item_id=item_id, actor="sam", now=clock.now())
        with session_scope(engine) as session, pytest.raises(TriageConflictError, match="is resolved"):
            queue.assign(session, item_id=item_id, assignee="kim", actor="lead", now=clock.now(), override=True)

    def test_may_change_holder(self, engine: Engine, clock: ManualClock) -> None:
        """Nobody's item: anyone; kim's item: kim or a supervisor only."""
        (item_id,) = open_items(engine, clock, ["low"])
        with Session(engine) as session:
            item = get_item(session, item_id)
            assert queue.may_change_holder(item, "sam", supervisor=False) is True
        with session_scope(engine) as session:
            queue.claim(session, item_id=item_id, actor="kim", now=clock.now())
        with Session(engine) as session:
            item = get_item(session, item_id)
            assert [queue.may_change_holder(item, who, supervisor=sup) for who, sup in
                    (("sam", False), ("kim", False), ("lead", True))] == [False, True, True]


def _reply(engine: Engine, clock: ManualClock, item_id: int, actor: str = "sam", *, text: str = "so sorry",
           follow_up: bool = False) -> int:
    with session_scope(engine) as session:
        posts = queue.reply(session, item_id=item_id, actor=actor, now=clock.now(), renderer=None, locale="en",
                            text=text, follow_up=follow_up)
        return posts[0].id or 0


def _post_states(engine: Engine) -> dict[int, str]:
    with Session(engine) as session:
        return {p.id or 0: p.state for p in session.exec(select(Post))}


def _set_post_state(engine: Engine, post_id: int, state: PostState) -> None:
    with session_scope(engine) as session:
        post = session.get(Post, post_id)
        assert post is not None
        post.state = state.value
        session.add(post)


class TestReplyOnce:
    def test_a_second_reply_is_refused_while_the_first_is_queued(self, engine: Engine, clock: ManualClock) -> None:
        """Asking twice queues one post; the refusal names the existing post and its state."""
        (item_id,) = open_items(engine, clock, ["high"])
        first = _reply(engine, clock, item_id)
        with pytest.raises(TriageConflictError) as exc:
            _reply(engine, clock, item_id, text="sorry again")
        assert str(exc.value) == (f"triage item {item_id} already has reply post {first} (scheduled); cancel it or "
                                  "wait until it is posted or fails before replying again")
        with pytest.raises(TriageConflictError):
            _reply(engine, clock, item_id, text="sorry again", follow_up=True)
        assert _post_states(engine) == {first: "scheduled"}

    def test_posted_reply_allows_only_a_deliberate_follow_up(self, engine: Engine, clock: ManualClock) -> None:
        """Once the reply is posted, another needs follow_up; a failed or cancelled one allows a new reply."""
        (item_id,) = open_items(engine, clock, ["high"])
        first = _reply(engine, clock, item_id)
        _set_post_state(engine, first, PostState.POSTED)
        with pytest.raises(AlreadyAnsweredError) as exc:
            _reply(engine, clock, item_id, text="more")
        assert str(exc.value) == (f"triage item {item_id} was already answered by reply post {first} (posted); "
                                  "another reply must be sent as a follow-up")
        assert (exc.value.item_id, exc.value.post_id) == (item_id, first)
        second = _reply(engine, clock, item_id, text="more", follow_up=True)
        _set_post_state(engine, second, PostState.FAILED)
        third = _reply(engine, clock, item_id, text="more, again", follow_up=True)
        assert _post_states(engine) == {first: "posted", second: "failed", third: "scheduled"}
        with Session(engine) as session:
            assert [a.detail for a in history(session, item_id) if a.action == "replied"] == [
                f"post {first} custom text", f"post {second} custom text (follow-up)",
                f"post {third} custom text (follow-up)"]

    @pytest.mark.parametrize(("text", "reason"), [
        ("   ", "the reply is empty"),
        ("x" * 281, "the reply is 281 weighted characters; one post holds at most 280: shorten it"),
        ("\u6f22" * 141, "the reply is 282 weighted characters; one post holds at most 280: shorten it"),
    ])
    def test_a_text_that_does_not_fit_one_post_changes_nothing(
        self, engine: Engine, clock: ManualClock, text: str, reason: str
    ) -> None:
        """An empty or over-long text is a ValidationError saying why; the item is not even claimed."""
        (item_id,) = open_items(engine, clock, ["high"])
        with pytest.raises(ValidationError) as exc:
            _reply(engine, clock, item_id, text=text)
        assert exc.value.reason == reason
        assert _post_states(engine) == {}
        with Session(engine) as session:
            assert get_item(session, item_id).status == "new"

    def test_a_text_of_exactly_280_weighted_characters_is_queued(self, engine: Engine, clock: ManualClock) -> None:
        """The limit itself fits (a link counting 23)."""
        (item_id,) = open_items(engine, clock, ["high"])
        text = "see https://example.com/a/very/long/path/that/counts/as/twenty-three " + "x" * 252
        post_id = _reply(engine, clock, item_id, text=text)
        assert _post_states(engine) == {post_id: "scheduled"}

    def test_reply_does_not_set_the_first_response(self, engine: Engine, clock: ManualClock) -> None:
        """Queueing a reply is not a response: first_response_at waits for the post to go out."""
        (item_id,) = open_items(engine, clock, ["high"])
        _reply(engine, clock, item_id)
        with Session(engine) as session:
            item = get_item(session, item_id)
            assert (item.status, item.first_response_at) == ("replied", None)


class TestDismissCancelsTheReply:
    def test_dismiss_cancels_a_queued_reply(self, engine: Engine, clock: ManualClock) -> None:
        """Dismissing cancels the reply that has not gone out, with a row on the item and an audit row."""
        (item_id,) = open_items(engine, clock, ["high"])
        post_id = _reply(engine, clock, item_id)
        with session_scope(engine) as session:
            queue.dismiss(session, item_id=item_id, actor="sam", now=clock.now(), note="spam")
        assert _post_states(engine) == {post_id: "cancelled"}
        with Session(engine) as session:
            item = get_item(session, item_id)
            assert item.status == "dismissed"
            assert [(a.action, a.detail) for a in history(session, item_id)][-2:] == [
                ("dismissed", "spam"), ("reply_cancelled", f"post {post_id} (was scheduled)")]
            audit = session.exec(select(AuditLog).where(col(AuditLog.action) == "post.cancelled")).one()
            assert (audit.actor, audit.target, audit.detail) == ("sam", f"post {post_id}",
                                                                 f"triage item {item_id} dismissed")

    def test_resolve_keeps_a_queued_reply(self, engine: Engine, clock: ManualClock) -> None:
        """Resolving after replying is the normal flow: the reply still goes out."""
        (item_id,) = open_items(engine, clock, ["high"])
        post_id = _reply(engine, clock, item_id)
        with session_scope(engine) as session:
            queue.resolve(session, item_id=item_id, actor="sam", now=clock.now())
        assert _post_states(engine) == {post_id: "scheduled"}

    def test_a_reply_in_flight_is_not_cancelled_and_the_history_says_so(self, engine: Engine,
                                                                         clock: ManualClock) -> None:
        """A reply the publisher already holds cannot be stopped; the dismiss records that."""
        (item_id,) = open_items(engine, clock, ["high"])
        post_id = _reply(engine, clock, item_id)
        _set_post_state(engine, post_id, PostState.PUBLISHING)
        with session_scope(engine) as session:
            queue.dismiss(session, item_id=item_id, actor="sam", now=clock.now())
        assert _post_states(engine) == {post_id: "publishing"}
        with Session(engine) as session:
            assert [(a.action, a.detail) for a in history(session, item_id)][-1] == (
                "reply_not_cancelled", f"post {post_id} is already being published")


class TestCloseNeedsTheHolder:
    def test_someone_else_cannot_resolve_or_dismiss_a_claimed_item(self, engine: Engine, clock: ManualClock) -> None:
        """kim gets a conflict naming alice; the item stays claimed and nothing is recorded."""
        first, second = open_items(engine, clock, ["high", "low"])
        for item_id in (first, second):
            with session_scope(engine) as session:
                queue.claim(session, item_id=item_id, actor="alice", now=clock.now())
        _reply(engine, clock, second, actor="alice")
        for close, item_id in ((queue.resolve, first), (queue.dismiss, second)):
            with session_scope(engine) as session, pytest.raises(TriageConflictError) as exc:
                close(session, item_id=item_id, actor="kim", now=clock.now())
            assert str(exc.value) == f"triage item {item_id} is claimed by alice"
        with Session(engine) as session:
            assert [get_item(session, i).status for i in (first, second)] == ["claimed", "replied"]
            assert [a.action for a in history(session, first)] == ["created", "claimed"]

    def test_override_and_unclaimed_items(self, engine: Engine, clock: ManualClock) -> None:
        """A supervisor's override closes someone else's item (noted); a NEW item anyone may close."""
        held, free = open_items(engine, clock, ["high", "low"])
        with session_scope(engine) as session:
            queue.claim(session, item_id=held, actor="alice", now=clock.now())
        with session_scope(engine) as session:
            queue.resolve(session, item_id=held, actor="lead", now=clock.now(), note="done", override=True)
            queue.dismiss(session, item_id=free, actor="kim", now=clock.now())
        with Session(engine) as session:
            assert [get_item(session, i).status for i in (held, free)] == ["resolved", "dismissed"]
            assert [(a.actor, a.action, a.detail) for a in history(session, held)][-1] == (
                "lead", "resolved", "done (override: claimed by alice)")
            assert [(a.actor, a.action, a.detail) for a in history(session, free)][-1] == (
                "kim", "dismissed", "")

    def test_override_is_noted_only_when_taken_from_a_colleague(self, engine: Engine, clock: ManualClock) -> None:
        """A supervisor's `override` on an item nobody holds, or on one they hold, leaves no override note."""
        (item_id,) = open_items(engine, clock, ["high"])
        with session_scope(engine) as session:
            queue.assign(session, item_id=item_id, assignee="lead", actor="lead", now=clock.now(), override=True)
            queue.resolve(session, item_id=item_id, actor="lead", now=clock.now(), note="fixed", override=True)
        with Session(engine) as session:
            assert [(a.actor, a.action, a.detail) for a in history(session, item_id)][1:] == [
                ("lead", "assigned", "to lead"), ("lead", "resolved", "fixed")]
