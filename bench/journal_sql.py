"""What keeping the journal in the database (`serve --state`) costs: one recording on its own (the
in-memory ring, SQLite, PostgreSQL), and a Wimpel read served over a database store with the ring
against the same with the database's journal (in process, one client, the two interleaved so that a
busy machine weighs on both alike).

    .venv/bin/python bench/journal_sql.py [--rounds 5] [--requests 100]

Needs Debian's PostgreSQL 15 for the PostgreSQL rows (started on a temporary directory, as the tests do).
Prints milliseconds per recording or request and the ratios.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import postgres
from tests.test_journal import make_entry

from koppelbox.journal import Journal, JournalBackend
from koppelbox.server.app import SandboxApp, create_app
from koppelbox.store.sql import SqlStore
from koppelbox.store.sql.journal import SqlJournal
from koppelbox.store.sql.tenants import SqlTenants

READ = "/wimpel/v1/organisations"
TOKEN = {"Authorization": "Bearer kbx-noordstar"}


def per_call(action: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    return (time.perf_counter() - started) * 1000 / count


def app_over(store: SqlStore, database_journal: bool) -> SandboxApp:
    journal_for = functools.partial(SqlJournal, store.engine) if database_journal else None
    return create_app(store, tenants=SqlTenants(store), journal_for=journal_for)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    server = postgres.PostgresServer() if postgres.available() else None
    with tempfile.TemporaryDirectory() as directory:
        urls = {"SQLite": f"sqlite:///{Path(directory) / 'state.db'}"}
        if server is not None:
            urls["PostgreSQL"] = server.database("koppelbox_bench_journal")
        try:
            journals: dict[str, JournalBackend] = {"ring (memory)": Journal()}
            stores = {name: SqlStore.open(url) for name, url in urls.items()}
            journals |= {name: SqlJournal(store.engine, "bench") for name, store in stores.items()}
            print(f"{'one recording (journal full)':<34} {'ms':>7} {'ratio':>7}")
            for journal in journals.values():  # fill to the bound: each recording then pushes one out
                for _ in range(journal.capacity):
                    journal.record(make_entry)
            times = {
                name: per_call(lambda j=j: j.record(make_entry), args.requests)
                for name, j in journals.items()
            }
            for name, ms in times.items():
                print(f"{name:<34} {ms:>7.2f} {ms / times['ring (memory)']:>6.1f}x")
            print(f"\n{'a Wimpel read, served':<34} {'ms':>7} {'ratio':>7}")
            for name, store in stores.items():
                apps = {kind: app_over(store, kind == "database") for kind in ("ring", "database")}
                samples: dict[str, list[float]] = {kind: [] for kind in apps}
                clients = {kind: TestClient(app) for kind, app in apps.items()}
                for client in clients.values():
                    client.__enter__()
                    client.get(READ, headers=TOKEN)
                for _ in range(args.rounds):
                    for kind, client in clients.items():
                        samples[kind].append(
                            per_call(lambda c=client: c.get(READ, headers=TOKEN), args.requests)
                        )
                for client in clients.values():
                    client.__exit__(None, None, None)
                ring, database = (statistics.median(samples[k]) for k in ("ring", "database"))
                print(f"{name + ', journal in memory':<34} {ring:>7.2f} {1:>6.1f}x")
                print(f"{name + ', journal in the database':<34} {database:>7.2f} {database / ring:>6.1f}x")
            for store in stores.values():
                store.close()
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
