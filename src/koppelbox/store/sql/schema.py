"""The tables of the database backend, in SQLAlchemy Core (the migrations in `migrations/versions/` create
them; `tests/test_sql_store.py` checks that the two agree).

Every row carries its tenant, first in every key, so that one database holds many isolated worlds and a
tenant's rows are found (and removed) by one index prefix. Entities the rules hand around as dataclasses
are kept as one JSON document per row, beside the columns that are looked up (PGN, matching keys): the
rules own their shape, the database owns uniqueness and locking.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

TENANT = 64  # length of a tenant name column

# One row per tenant that was seeded: its presence means "the seed is in", so workers starting at the
# same moment seed a tenant once (the primary key makes the second insert wait, then fail).
tenants = Table(
    "kbx_tenants",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("seeded_at", String(40), nullable=False),
    # What a worker needs to build the tenant's world as its creator did: the fixtures directory and
    # seed (every worker reads the same files), and the tenant's own credentials, which were drawn at
    # random when it was created (`store/tenants.py`, `tenant_fixtures`).
    Column("source", String(400), nullable=False, server_default=""),
    Column("directory", String(4000), nullable=True),
    Column("seed", Integer, nullable=False, server_default="0"),
    Column("clients", JSON, nullable=True),
)

# The unit of work over a school locks this row (SELECT ... FOR UPDATE): every rule that must be race-free
# ("no pupil with this PGN yet", "the lowest free number") is decided while holding it.
aanmeld_schools = Table(
    "aanmeld_schools",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("brin", String(8), primary_key=True),
    Column("config", JSON, nullable=False),
    Column("next_parent_id", Integer, nullable=False),
)

aanmeld_pupils = Table(
    "aanmeld_pupils",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("brin", String(8), primary_key=True),
    # The primary key is the database's own guarantee that a stamnummer is never handed out twice.
    Column("stamnummer", Integer, primary_key=True, autoincrement=False),
    Column("pgn", String(32), nullable=True),
    Column("match_key", String(400), nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_aanmeld_pupils_pgn", "tenant", "brin", "pgn"),
    Index("ix_aanmeld_pupils_match_key", "tenant", "brin", "match_key"),
)

aanmeld_parents = Table(
    "aanmeld_parents",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("brin", String(8), primary_key=True),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("match_key", String(600), nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_aanmeld_parents_match_key", "tenant", "brin", "match_key"),
)

aanmeld_links = Table(
    "aanmeld_links",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("brin", String(8), primary_key=True),
    Column("parent_id", Integer, primary_key=True, autoincrement=False),
    Column("stamnummer", Integer, primary_key=True, autoincrement=False),
    Index("ix_aanmeld_links_pupil", "tenant", "brin", "stamnummer"),
)

# Enrolment and document ids are unique per tenant across schools: a document upload names only the
# enrolment, and any worker finds its school by this column (ARCHITECTURE.md, guarantee 5).
aanmeld_enrolments = Table(
    "aanmeld_enrolments",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("brin", String(8), nullable=False),
    Column("stamnummer", Integer, nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_aanmeld_enrolments_school", "tenant", "brin"),
)

aanmeld_documents = Table(
    "aanmeld_documents",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("brin", String(8), nullable=False),
    Column("data", JSON, nullable=False),  # everything but the contents
    Column("inhoud", LargeBinary, nullable=False),
    Index("ix_aanmeld_documents_school", "tenant", "brin"),
)

# `seq` keeps a client's list in the order organisations were added (the in-memory store's order).
wimpel_organisations = Table(
    "wimpel_organisations",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(TENANT), nullable=False),
    Column("client_id", String(200), nullable=False),
    Column("organisation_id", String(200), nullable=False),
    Column("data", JSON, nullable=False),
    # Of concurrent creates of one id, one inserts and the others meet this constraint (409).
    UniqueConstraint("tenant", "client_id", "organisation_id", name="uq_wimpel_organisation"),
)

wimpel_history = Table(
    "wimpel_history",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("tenant", String(TENANT), nullable=False),
    Column("client_id", String(200), nullable=False),
    Column("organisation_id", String(200), nullable=False),
    Column("event", JSON, nullable=False),
    Index("ix_wimpel_history_organisation", "tenant", "client_id", "organisation_id"),
)

identity_tokens = Table(
    "identity_tokens",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("token", String(200), primary_key=True),
    Column("client_id", String(200), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("expires_at", String(40), nullable=False),  # ISO 8601 with offset, exact to the microsecond
)

TENANT_TABLES = (
    aanmeld_schools,
    aanmeld_pupils,
    aanmeld_parents,
    aanmeld_links,
    aanmeld_enrolments,
    aanmeld_documents,
    wimpel_organisations,
    wimpel_history,
    identity_tokens,
)

# The request journal of `serve --state` (store/sql/journal.py), one per tenant. Not among TENANT_TABLES:
# the journal outlives `/sandbox/reset` (a vendor resets between runs and keeps the evidence); dropping
# the tenant removes it (JOURNAL_TABLES).
# Each tenant's counters, in one row that every recording locks: sequence numbers are handed out in the
# order entries are committed, so a reader paging with `after` never skips one committed late.
journal_state = Table(
    "kbx_journal_state",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("last_seq", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("dropped", Integer, nullable=False),
)

# One entry per row, as the in-memory ring keeps it (built and masked), as JSON text: text keeps every
# string exactly, lone surrogates included (escaped), on both databases.
journal_entries = Table(
    "kbx_journal",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("client", String(200), nullable=True),
    Column("entry", Text, nullable=False),
)

# Per client: how many exchanges were recorded, and (kbx_journal_losses) how many were lost and how.
journal_accounts = Table(
    "kbx_journal_accounts",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("client", String(200), primary_key=True),
    Column("recorded", Integer, nullable=False),
)

journal_losses = Table(
    "kbx_journal_losses",
    metadata,
    Column("tenant", String(TENANT), primary_key=True),
    Column("client", String(200), primary_key=True),
    Column("reason", String(16), primary_key=True),
    Column("position", Integer, nullable=False),  # the order the client's losses first happened in
    Column("count", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("last_at", Float, nullable=False),
)

JOURNAL_TABLES = (journal_entries, journal_accounts, journal_losses, journal_state)
