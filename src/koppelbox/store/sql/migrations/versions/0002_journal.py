"""The request journal in the database: entries, each tenant's counters, and per-client accounts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

T = 64  # schema.TENANT, written out: a migration must not change when the code does


def upgrade() -> None:
    op.create_table(
        "kbx_journal_state",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("dropped", sa.Integer, nullable=False),
    )
    op.create_table(
        "kbx_journal",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("client", sa.String(200), nullable=True),
        sa.Column("entry", sa.Text, nullable=False),
    )
    op.create_table(
        "kbx_journal_accounts",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("client", sa.String(200), primary_key=True),
        sa.Column("recorded", sa.Integer, nullable=False),
    )
    op.create_table(
        "kbx_journal_losses",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("client", sa.String(200), primary_key=True),
        sa.Column("reason", sa.String(16), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("last_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in ("kbx_journal_losses", "kbx_journal_accounts", "kbx_journal", "kbx_journal_state"):
        op.drop_table(table)
