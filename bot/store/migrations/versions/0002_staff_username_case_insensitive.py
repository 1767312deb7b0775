"""staff usernames are unique whatever their letter case

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:00:00

Adds the unique index `uq_staff_users_username_lower` on `lower(username)` (SQLite and
PostgreSQL alike), so "Sam" and "sam" are one account in the database and not only in
`add_user`'s check: two creates racing each other can no longer both succeed.

Accounts that already collide (made before `add_user` refused them, or by such a race) are
settled here rather than making the upgrade fail, because `brandbot run` migrates at start and
a refused migration would stop the whole bot over one duplicate name:

* In each group of names equal apart from letter case, one account keeps its name: an enabled
  one rather than a disabled one, then the oldest (lowest id; the one sign-in already picked
  when the letter case typed matched none exactly).
* Every other account of the group is renamed `<name>-<id>` (cut to fit 64 characters, with a
  further `-2`, `-3` … if that is taken too). Its password, role and enabled state stay as they
  were: its owner signs in with the new name, which an admin sees in `brandbot users list`.
* Triage items held under the old exact name move to the new one (the same person holds them);
  history (audit rows, who queued or approved a post) keeps the name as it was at the time.
* Each rename is an audit row (`user.renamed`, actor `migration 0002`, target `user:<new name>`,
  detail naming the old one and the account that kept it) and a `migration.user_renamed` warning.

Downgrade drops the index; renamed accounts keep their new names.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import structlog
from alembic import op

import bot.store.types

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_staff_users_username_lower"
ACTOR = "migration 0002"
MAX_NAME = 64  # `bot.web.accounts.USERNAME` takes 1-64 characters

_users = sa.table("staff_users", sa.column("id", sa.Integer), sa.column("username", sa.String),
                  sa.column("disabled", sa.Boolean))
_items = sa.table("triage_items", sa.column("assignee", sa.String))
_audit = sa.table("audit_log", sa.column("at", bot.store.types.UTCDateTime()), sa.column("actor", sa.String),
                  sa.column("action", sa.String), sa.column("target", sa.String), sa.column("detail", sa.String))


def _fold(bind: sa.Connection, name: str) -> str:
    """`name` in lower case as this database folds it (the index compares these)."""
    return str(bind.execute(sa.select(sa.func.lower(name))).scalar_one())


def _free_name(bind: sa.Connection, name: str, user_id: int, taken: set[str]) -> str:
    """`<name>-<id>` (then `-2`, `-3` …), cut to `MAX_NAME` characters, whose folded form is not in `taken`."""
    n = 1
    while True:
        suffix = f"-{user_id}" if n == 1 else f"-{user_id}-{n}"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
        if _fold(bind, candidate) not in taken:
            return candidate
        n += 1


def _settle_collisions(bind: sa.Connection) -> None:
    rows = bind.execute(sa.select(_users.c.id, _users.c.username, _users.c.disabled,
                                  sa.func.lower(_users.c.username).label("folded"))
                        .order_by(_users.c.id)).all()
    groups: dict[str, list[sa.Row]] = {}
    for row in rows:
        groups.setdefault(row.folded, []).append(row)
    taken = set(groups)
    now = datetime.now(UTC)
    log = structlog.get_logger()
    for group in groups.values():
        if len(group) < 2:
            continue
        keeper, *others = sorted(group, key=lambda r: (bool(r.disabled), r.id))
        for row in others:
            new = _free_name(bind, row.username, row.id, taken)
            taken.add(_fold(bind, new))
            bind.execute(_users.update().where(_users.c.id == row.id).values(username=new))
            moved = bind.execute(_items.update().where(_items.c.assignee == row.username).values(assignee=new))
            detail = (f"was {row.username!r}: {keeper.username!r} (id {keeper.id}) kept the name, names are no "
                      f"longer told apart by letter case; {moved.rowcount} triage item(s) moved with it")
            bind.execute(_audit.insert().values(at=now, actor=ACTOR, action="user.renamed", target=f"user:{new}",
                                                detail=detail))
            log.warning("migration.user_renamed", old=row.username, new=new, user_id=row.id,
                        kept=keeper.username, triage_items=moved.rowcount)


def upgrade() -> None:
    _settle_collisions(op.get_bind())
    op.create_index(INDEX, "staff_users", [sa.text("lower(username)")], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="staff_users")
