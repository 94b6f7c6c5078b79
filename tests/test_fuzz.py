"""Self-fuzz: schemathesis drives every contract in openapi/ against the in-process sandbox.

Every operation of every API gets schema-valid and schema-invalid requests; all default checks run, plus
`negative_data_rejection` (invalid input is refused with a 4xx) and `ignored_auth` (a missing or wrong
token really is refused). Adding a spec to openapi/ adds tests here: nothing to register.
The example count is bounded for the normal suite; `KBX_FUZZ_EXAMPLES` raises it for long runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection

from koppelbox.contracts import ApiSpec
from koppelbox.contracts import discover as discover_specs
from koppelbox.server.app import create_app
from koppelbox.store import Store

MAX_EXAMPLES = int(os.environ.get("KBX_FUZZ_EXAMPLES", "30"))

_store = Store.from_directory()
_app = create_app(_store, validate_responses=True)


def credentials_for(spec_path: Path, store: Store) -> dict[str, str]:
    """A seeded token holding every scope the contract mentions (the admin token for the control plane)."""
    document = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    schemes = document.get("components", {}).get("securitySchemes", {})
    if any(s.get("type") == "http" for s in schemes.values()):
        return {"Authorization": f"Bearer {store.identity.admin_token}"}
    wanted: set[str] = set()
    for scheme in schemes.values():
        for flow in scheme.get("flows", {}).values():
            wanted |= set(flow.get("scopes", {}))
    for client in store.identity.clients.values():
        for token in store.identity.static_tokens(client.id):
            if wanted <= token.scopes and token.expires_at is None:
                return {"Authorization": f"Bearer {token.token}"}
    raise LookupError(f"no seeded token holds all of {sorted(wanted)} for {spec_path.name}")


def _fuzz_test(spec: ApiSpec) -> Any:
    schema = schemathesis.openapi.from_asgi(f"{spec.prefix}/openapi.json", _app)
    schema.config.generation.update(
        modes=list(GenerationMode), max_examples=MAX_EXAMPLES, deterministic=True, database="none"
    )
    headers = credentials_for(spec.path, _store)

    @pytest.mark.slow
    @schema.parametrize()
    def test(case: Any) -> None:
        case.call_and_validate(headers=headers, additional_checks=[negative_data_rejection, ignored_auth])

    return test


for _spec in discover_specs():
    globals()[f"test_fuzz_{_spec.name}"] = _fuzz_test(_spec)
