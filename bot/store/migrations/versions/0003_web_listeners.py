"""where each bot's web server listens

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00

Adds `web_listeners`: one row per `brandbot run` whose web server bound its socket (the worker,
its host name and pid, the address and port the socket reports, when it started and stopped).
`brandbot health` reads it to ask the running bot's `/healthz` on the port it really listens on,
which `WEB_PORT` in the container's environment cannot tell (`--web-port`, a `.env` file,
`WEB_PORT=0`). New table only: nothing existing changes.

Downgrade drops the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.store.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('web_listeners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('hostname', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('host', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('started_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stopped_at', bot.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('web_listeners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_listeners_hostname'), ['hostname'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_listeners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_listeners_hostname'))
    op.drop_table('web_listeners')
