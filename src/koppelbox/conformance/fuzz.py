"""`koppelbox fuzz`: long seeded runs of the provider machinery against a fresh sandbox on a real socket.

Every schemathesis check runs (its defaults include `negative_data_rejection` and `ignored_auth`), plus
stateful sequences where the contract declares links, plus the domain checks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from koppelbox import contracts
from koppelbox.conformance.local import serving
from koppelbox.conformance.meta import spec_for
from koppelbox.conformance.provider import ProviderRun, run_provider
from koppelbox.conformance.verdicts import Report
from koppelbox.server.app import create_app
from koppelbox.store import Store


def sandbox_credentials(spec_path: Path, store: Store) -> tuple[dict[str, str], frozenset[str] | None]:
    """A seeded token holding every scope the contract names (the admin token for the control plane)."""
    document = contracts.document(spec_path)
    schemes = document.get("components", {}).get("securitySchemes", {})
    if any(s.get("type") == "http" for s in schemes.values()):
        return {"Authorization": f"Bearer {store.identity.admin_token}"}, None
    wanted = {
        scope for s in schemes.values() for f in s.get("flows", {}).values() for scope in f.get("scopes", {})
    }
    for client in store.identity.clients.values():
        for token in store.identity.static_tokens(client.id):
            if wanted <= token.scopes and token.expires_at is None:
                return {"Authorization": f"Bearer {token.token}"}, frozenset(token.scopes)
    raise LookupError(f"no seeded token holds all of {sorted(wanted)}")


def fuzz_sandbox(
    api: str,
    *,
    seed: int,
    max_examples: int,
    fixtures: Path | None = None,
    stateful: bool = True,
    progress: Callable[[str], None] = lambda _: None,
) -> Report:
    spec = spec_for(api)
    store = Store.from_directory(fixtures, seed=seed)
    headers, scopes = sandbox_credentials(spec.path, store)
    phases = ("examples", "coverage", "fuzzing", *(("stateful",) if stateful else ()))
    with serving(create_app(store, validate_responses=True)) as url:
        # The sandbox served here is throw-away: writes are what the stateful sequences need.
        run = ProviderRun(
            spec.name, url + spec.prefix, headers, scopes, max_examples, seed, phases, allow_writes=True
        )
        return run_provider(run, progress)
