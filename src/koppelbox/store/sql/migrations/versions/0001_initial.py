"""The first schema: tenants, Aanmeld schools and their records, Wimpel lists and history, issued tokens.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

T = 64  # schema.TENANT, written out: a migration must not change when the code does


def upgrade() -> None:
    op.create_table(
        "kbx_tenants",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("seeded_at", sa.String(40), nullable=False),
        sa.Column("source", sa.String(400), nullable=False, server_default=""),
        sa.Column("directory", sa.String(4000), nullable=True),
        sa.Column("seed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("clients", sa.JSON, nullable=True),
    )
    op.create_table(
        "aanmeld_schools",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("brin", sa.String(8), primary_key=True),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("next_parent_id", sa.Integer, nullable=False),
    )
    op.create_table(
        "aanmeld_pupils",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("brin", sa.String(8), primary_key=True),
        sa.Column("stamnummer", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("pgn", sa.String(32), nullable=True),
        sa.Column("match_key", sa.String(400), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_aanmeld_pupils_pgn", "aanmeld_pupils", ["tenant", "brin", "pgn"])
    op.create_index("ix_aanmeld_pupils_match_key", "aanmeld_pupils", ["tenant", "brin", "match_key"])
    op.create_table(
        "aanmeld_parents",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("brin", sa.String(8), primary_key=True),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("match_key", sa.String(600), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_aanmeld_parents_match_key", "aanmeld_parents", ["tenant", "brin", "match_key"])
    op.create_table(
        "aanmeld_links",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("brin", sa.String(8), primary_key=True),
        sa.Column("parent_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("stamnummer", sa.Integer, primary_key=True, autoincrement=False),
    )
    op.create_index("ix_aanmeld_links_pupil", "aanmeld_links", ["tenant", "brin", "stamnummer"])
    op.create_table(
        "aanmeld_enrolments",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brin", sa.String(8), nullable=False),
        sa.Column("stamnummer", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_aanmeld_enrolments_school", "aanmeld_enrolments", ["tenant", "brin"])
    op.create_table(
        "aanmeld_documents",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("brin", sa.String(8), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("inhoud", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_aanmeld_documents_school", "aanmeld_documents", ["tenant", "brin"])
    op.create_table(
        "wimpel_organisations",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(T), nullable=False),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("organisation_id", sa.String(200), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.UniqueConstraint("tenant", "client_id", "organisation_id", name="uq_wimpel_organisation"),
    )
    op.create_table(
        "wimpel_history",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.String(T), nullable=False),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("organisation_id", sa.String(200), nullable=False),
        sa.Column("event", sa.JSON, nullable=False),
    )
    op.create_index(
        "ix_wimpel_history_organisation", "wimpel_history", ["tenant", "client_id", "organisation_id"]
    )
    op.create_table(
        "identity_tokens",
        sa.Column("tenant", sa.String(T), primary_key=True),
        sa.Column("token", sa.String(200), primary_key=True),
        sa.Column("client_id", sa.String(200), nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "identity_tokens",
        "wimpel_history",
        "wimpel_organisations",
        "aanmeld_documents",
        "aanmeld_enrolments",
        "aanmeld_links",
        "aanmeld_parents",
        "aanmeld_pupils",
        "aanmeld_schools",
        "kbx_tenants",
    ):
        op.drop_table(table)
