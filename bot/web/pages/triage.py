"""The complaint queue for customer service: most urgent first, claim/assign, reply from a template, close, label."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from bot.domain import Role, TriageStatus
from bot.errors import TemplateError
from bot.render.renderer import PostTooLongError
from bot.store.models import Author, Classification, Mention, Post, TriageAction, TriageItem
from bot.text.weighted import MAX_WEIGHTED_LENGTH, weighted_length
from bot.triage import listing, queue
from bot.triage.errors import AlreadyAnsweredError, TriageConflictError
from bot.triage.mentions import flag_notes
from bot.triage.replies import LIVE_REPLY_STATES, latest_replies
from bot.triage.sla import OPEN_STATUSES, is_sla_breached
from bot.web.accounts import StaffMember, active_usernames
from bot.web.context import (
    WebContext,
    act,
    check_csrf,
    check_typed_length,
    duration,
    form_text,
    render,
    require,
    sent_max_length,
)
from bot.web.ids import CursorQuery, RowId

TRIAGE_ROLES = (Role.AGENT, Role.ADMIN)
LIST_STATUSES = ("open", *(s.value for s in (TriageStatus.RESOLVED, TriageStatus.DISMISSED)))
#: The free-text reply field takes at most this many characters (the domain then checks the 280 weighted ones:
#: a link counts 23 however long it is).
REPLY_TEXT_MAX_CHARS = 5000
#: The list page shows the most urgent items first, this many a page (with links to more and less urgent ones).
LIST_LIMIT = 200


@dataclass(frozen=True, slots=True)
class TriageRow:
    """One item with what an agent needs to read at a glance."""

    item: TriageItem
    text: str
    username: str
    name: str
    followers: int | None
    reasons: tuple[str, ...]
    breached: bool
    sla: str  # `sla_phrase`: "12 min left", "1 h 05 min late", "answered in time", "answered 1 min late" or ""
    summoned: bool
    reply: Post | None = None  # the newest reply post (any state)
    flagged: str | None = None  # a person put it in the queue: "flagged by sam: note" (`bot.triage.mentions`)

    @property
    def reply_live(self) -> bool:
        """A reply is queued, in flight or posted: the reply form must not queue another."""
        return self.reply is not None and self.reply.state in LIVE_REPLY_STATES


def _whole_minutes(delta: timedelta) -> int:
    """A time span in minutes, any part of a minute counting as one (so 20 s late is "1 min late")."""
    return -int(-delta.total_seconds() // 60)


def sla_phrase(item: TriageItem, *, now: datetime) -> str:
    """Where the item stands against its first-response SLA (`bot.triage.sla`), in words.

    Answered: met or missed when the first reply went out, fixed from then on ("answered in time",
    "answered 1 min late"). Unanswered and open: the time left until `sla_due_at`, or how late it
    is now. Closed without an answer: "" (nothing is running).
    """
    if item.first_response_at is not None:
        if item.first_response_at <= item.sla_due_at:
            return "answered in time"
        return f"answered {duration(_whole_minutes(item.first_response_at - item.sla_due_at))} late"
    if item.status not in OPEN_STATUSES:
        return ""
    if item.sla_due_at < now:
        return f"{duration(_whole_minutes(now - item.sla_due_at))} late"
    return f"{duration(int((item.sla_due_at - now).total_seconds() // 60))} left"


def triage_rows(session: Session, items: list[TriageItem], *, now: datetime) -> list[TriageRow]:
    mention_ids = [i.mention_id for i in items]
    mentions = {m.id: m for m in session.exec(select(Mention).where(col(Mention.id).in_(mention_ids)))}
    authors = {a.id: a for a in session.exec(select(Author).where(col(Author.id).in_([i.author_id for i in items])))}
    verdicts = {c.mention_id: c for c in session.exec(
        select(Classification).where(col(Classification.mention_id).in_(mention_ids)))}
    item_ids = [i.id for i in items if i.id is not None]
    replies = latest_replies(session, item_ids)
    flags = flag_notes(session, item_ids)
    rows = []
    for item in items:
        mention, author = mentions.get(item.mention_id), authors.get(item.author_id)
        verdict = verdicts.get(item.mention_id)
        rows.append(TriageRow(
            item=item,
            text=mention.text if mention else "",
            username=author.username if author else item.author_id,
            name=author.name if author else "",
            followers=author.followers_count if author else None,
            reasons=tuple(verdict.reasons) if verdict else (),
            breached=is_sla_breached(item, now=now),
            sla=sla_phrase(item, now=now),
            summoned=mention.summoned if mention else False,
            reply=replies.get(item.id or 0),
            flagged=flags.get(item.id or 0),
        ))
    return rows


@dataclass(frozen=True, slots=True)
class TriagePage:
    """One page of the list: its rows, where it starts in the whole queue, and the cursors to page on from."""

    rows: list[TriageRow]
    total: int
    offset: int  # how many items come before the first row
    more_urgent: str | None  # the cursor of the page before, when there are more urgent items (the link back)
    less_urgent: str | None  # the cursor of the page after, when there are less urgent items (the link on)
    paging: str  # the query string's paging part ("&after=CURSOR", "&before=CURSOR" or "") for the page's refresh


def _listed(session: Session, status: str, now: datetime, *, after: str | None = None,
            before: str | None = None) -> TriagePage:
    """`LIST_LIMIT` rows in `status`, most urgent first, after (or before) the page a cursor came from."""
    wanted = None if status == "open" else TriageStatus(status)
    after = None if before is not None else after
    page = listing.page_items(session, status=wanted, limit=LIST_LIMIT, after=after, before=before)
    items = page.rows
    total = listing.count_items(session, status=wanted)
    offset = listing.count_items(session, status=wanted, more_urgent_than=items[0]) if items else 0
    anchor = [(name, value) for name, value in (("after", after), ("before", before)) if value is not None]
    return TriagePage(
        rows=triage_rows(session, items, now=now),
        total=total,
        offset=offset,
        # counted, so exact; an empty page past the end links back from where it was read
        more_urgent=page.cursor_before if offset > 0 or not items else None,
        less_urgent=page.cursor_after if offset + len(items) < total else None,
        paging=f"&{urlencode(anchor)}" if anchor else "",
    )


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    """A refused reply form, shown again as it was sent: the template chosen or the agent's own text."""

    template: str = ""
    text: str = ""
    follow_up: bool = False


#: The signed-in person, checked on every request (FastAPI resolves this alias at module level).
Agent = Annotated[StaffMember, Depends(require(*TRIAGE_ROLES))]


def routes(ctx: WebContext) -> APIRouter:
    router = APIRouter(prefix="/triage", dependencies=[Depends(check_csrf)])

    def status_or_open(status: str | None) -> str:
        return status if status in LIST_STATUSES else "open"

    @router.get("", response_class=HTMLResponse)
    def triage_page(request: Request, staff: Agent, status: str | None = None, after: CursorQuery = None,
                    before: CursorQuery = None) -> HTMLResponse:
        """`LIST_LIMIT` items a page; `after`/`before` a page's cursor: the less/more urgent ones."""
        wanted = status_or_open(status)
        with ctx.app.session() as db:
            page = _listed(db, wanted, ctx.now(), after=after, before=before)
        return render(request, "triage.html", page=page, rows=page.rows, list_status=wanted, statuses=LIST_STATUSES)

    @router.get("/items", response_class=HTMLResponse)
    def triage_items(request: Request, staff: Agent, status: str | None = None, after: CursorQuery = None,
                     before: CursorQuery = None) -> HTMLResponse:
        """The list alone, for the page's 10-second refresh."""
        wanted = status_or_open(status)
        with ctx.app.session() as db:
            page = _listed(db, wanted, ctx.now(), after=after, before=before)
        return render(request, "_triage_items.html", fragment=True, page=page, rows=page.rows, list_status=wanted)

    def item_page(request: Request, item_id: int, staff: StaffMember, *, template: str | None = None,
                  draft: ReplyDraft | None = None, status: int = 200) -> HTMLResponse:
        """One item's page; `draft` fills the reply forms in as a refused reply sent them."""
        with ctx.app.session() as db:
            item = db.get(TriageItem, item_id)
            rows = triage_rows(db, [item], now=ctx.now()) if item is not None else []
            actions = list(db.exec(select(TriageAction).where(col(TriageAction.item_id) == item_id)
                                   .order_by(col(TriageAction.id))))
            assignees = active_usernames(db, TRIAGE_ROLES)
        if not rows:
            return render(request, "error.html", status=404, title="Not found", message=f"No triage item {item_id}.")
        row = rows[0]
        names, problem = reply_names(ctx)
        chosen = template if template in names else (names[0] if names else None)
        preview = _preview(ctx, row, chosen, staff.username) if chosen else None
        can_assign = queue.may_change_holder(row.item, staff.username, supervisor=staff.has(Role.ADMIN))
        closed = row.item.status not in OPEN_STATUSES
        can_reply = not closed and not (row.reply_live and row.reply is not None and row.reply.state != "posted")
        # Own words that cannot go back in a form (the item was closed, or a reply went out meanwhile)
        # are shown on their own, so that they are not lost.
        unsent = draft.text if draft is not None and draft.text.strip() and not can_reply else ""
        return render(request, "triage_item.html", status=status, row=row, actions=actions, assignees=assignees,
                      can_assign=can_assign, templates=names, chosen=chosen, preview=preview,
                      template_problem=problem, closed=closed, limit=MAX_WEIGHTED_LENGTH,
                      text_max=REPLY_TEXT_MAX_CHARS, draft=draft or ReplyDraft(), unsent=unsent)

    @router.get("/{item_id}", response_class=HTMLResponse)
    def triage_detail(request: Request, item_id: RowId, staff: Agent, template: str | None = None) -> HTMLResponse:
        return item_page(request, item_id, staff, template=template)

    @router.get("/{item_id}/preview")
    def triage_preview(item_id: RowId, template: str, staff: Agent) -> JSONResponse:
        """The reply `template` would send for this item, with its weighted length (JSON for the page script)."""
        with ctx.app.session() as db:
            item = db.get(TriageItem, item_id)
            if item is None:
                return JSONResponse({"error": f"no triage item {item_id}"}, status_code=404)
            (row,) = triage_rows(db, [item], now=ctx.now())
        names, problem = reply_names(ctx)
        if template not in names:
            return JSONResponse({"error": problem or f"no reply template {template!r}"}, status_code=404)
        return JSONResponse(_preview(ctx, row, template, staff.username))

    def back(item_id: int) -> str:
        return f"/triage/{item_id}"

    def to_list(_closed: object) -> str:
        """Where a successful close goes: the item is done with, back to the list (a refusal stays on the item)."""
        return "/triage"

    @router.post("/{item_id}/claim")
    def claim(request: Request, item_id: RowId, staff: Agent) -> RedirectResponse:
        return act(request, back=back(item_id), done=f"Item {item_id} is yours.",
                   action=lambda db, now: queue.claim(db, item_id=item_id, actor=staff.username, now=now))

    @router.post("/{item_id}/assign")
    def assign(request: Request, item_id: RowId, staff: Agent,
               assignee: Annotated[str, Form(max_length=100)]) -> RedirectResponse:
        def action(db: Session, now: datetime) -> object:
            if assignee not in active_usernames(db, TRIAGE_ROLES):
                raise ValueError(f"{assignee!r} is not an active agent or admin")
            return queue.assign(db, item_id=item_id, assignee=assignee, actor=staff.username, now=now,
                                override=staff.has(Role.ADMIN))

        return act(request, back=back(item_id), done=f"Item {item_id} assigned to {assignee}.", action=action)

    @router.post("/{item_id}/reply")
    def reply(request: Request, item_id: RowId, staff: Agent, *,
              template: Annotated[str, Form(max_length=100)] = "",
              text: Annotated[str, Form(max_length=sent_max_length(REPLY_TEXT_MAX_CHARS))] = "",
              follow_up: Annotated[bool, Form()] = False) -> Response:
        """A reply from a canned `template` or in the agent's own words (`text`): exactly one of them.

        A refused reply shows the item again with its form filled in as sent (the typed text kept).
        """
        text = form_text(text)

        def action(db: Session, now: datetime) -> object:
            check_typed_length(text, REPLY_TEXT_MAX_CHARS)
            if template and text.strip():
                raise ValueError("send either a reply template or your own text, not both")
            if not template and not text.strip():
                raise ValueError("choose a reply template or write your own reply")
            if template:
                names, problem = reply_names(ctx)
                if template not in names:
                    raise ValueError(problem or f"no reply template {template!r}")
            try:
                return queue.reply(db, item_id=item_id, actor=staff.username, now=now,
                                   renderer=ctx.app.renderer if template else None, locale=ctx.app.settings.locale,
                                   template=template or None, text=None if template else text, follow_up=follow_up)
            except AlreadyAnsweredError as exc:
                raise TriageConflictError(f'{exc}: tick "Send a follow-up" and send it again') from exc

        def refused(exc: Exception) -> Response:
            return item_page(request, item_id, staff, template=template or None, status=400,
                             draft=ReplyDraft(template, text, follow_up))

        return act(request, back=back(item_id), done=f"Reply queued for item {item_id}.", action=action,
                   refused=refused)

    @router.post("/{item_id}/resolve")
    def resolve(request: Request, item_id: RowId, staff: Agent,
                note: Annotated[str, Form(max_length=500)] = "") -> RedirectResponse:
        return act(request, back=back(item_id), then=to_list, done=f"Item {item_id} resolved.",
                   action=lambda db, now: queue.resolve(db, item_id=item_id, actor=staff.username, now=now, note=note,
                                                        override=staff.has(Role.ADMIN)))

    @router.post("/{item_id}/dismiss")
    def dismiss(request: Request, item_id: RowId, staff: Agent,
                note: Annotated[str, Form(max_length=500)] = "") -> RedirectResponse:
        return act(request, back=back(item_id), then=to_list, done=f"Item {item_id} dismissed.",
                   action=lambda db, now: queue.dismiss(db, item_id=item_id, actor=staff.username, now=now, note=note,
                                                        override=staff.has(Role.ADMIN)))

    @router.post("/{item_id}/label")
    def label(request: Request, item_id: RowId, staff: Agent,
              label: Annotated[str, Form(max_length=30)]) -> RedirectResponse:
        def action(db: Session, now: datetime) -> object:
            listing.get_item(db, item_id)
            return queue.label(db, item_id=item_id, label=label, actor=staff.username, now=now)

        return act(request, back=back(item_id), done=f"Item {item_id} labelled {label}.", action=action)

    return router


def reply_names(ctx: WebContext) -> tuple[list[str], str | None]:
    """The persona's canned replies, or none and why (templates that do not load)."""
    try:
        return ctx.app.renderer.reply_names(), None
    except TemplateError as exc:
        return [], f"reply templates unavailable: {exc}"


def _preview(ctx: WebContext, row: TriageRow, template: str, agent: str) -> dict[str, Any]:
    try:
        text = ctx.app.renderer.render_reply(template, author=row.username, tweet_text=row.text, agent=agent,
                                             locale=ctx.app.settings.locale)
    except PostTooLongError as exc:
        return {"template": template, "text": "", "length": exc.length, "limit": MAX_WEIGHTED_LENGTH, "over": True,
                "error": str(exc)}
    except TemplateError as exc:
        return {"template": template, "text": "", "length": 0, "limit": MAX_WEIGHTED_LENGTH, "over": False,
                "error": str(exc)}
    length = weighted_length(text)
    return {"template": template, "text": text, "length": length, "limit": MAX_WEIGHTED_LENGTH,
            "over": length > MAX_WEIGHTED_LENGTH, "error": None}

