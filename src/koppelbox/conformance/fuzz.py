"""`koppelbox fuzz`: long seeded runs of the provider machinery against a fresh sandbox on a real socket.

Every schemathesis check runs (its defaults include `negative_data_rejection` and `ignored_auth`), plus
stateful sequences where the contract declares links, plus the domain checks.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

from koppelbox import contracts
from koppelbox.conformance.local import serving
from koppelbox.conformance.meta import spec_for
from koppelbox.conformance.provider import ProviderRun, run_provider
from koppelbox.conformance.verdicts import Report
from koppelbox.rules.aanmeld.records import Enrolment
from koppelbox.rules.errors import DomainError
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


# A document the Aanmeld rules accept: PDF bytes, declared as PDF, under a .pdf name.
PDF_UPLOAD = {
    "body.bestand": "%PDF-1.4\n%%EOF\n",
    "body.type": "application/pdf",
    "body.bestandsnaam": "a.pdf",
}


def existing_values(
    api: str, store: Store, headers: dict[str, str]
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Values that exist in this sandbox, for the operations no generated value can succeed on: ids of
    records it holds (made here, from the contract's own example enrolments, where the seed has none),
    and a real client's credentials for the token endpoint. Returned as `ProviderRun.ids` (fed to reading
    operations) and `[[operations]]` entries for the writing ones; schemathesis still generates all the
    rest (bodies, query strings, and the invalid variants of each request). A fixtures folder without
    such records gets no value, and the run says which operation it could not reach."""
    if api == "aanmeld":
        client_id = store.identity.owner_of(headers["Authorization"].removeprefix("Bearer "))
        enrolment = _enrol(store, client_id, "minimaleAanmelding") if client_id else None
        if enrolment is None:
            return {}, []
        parameters = {"path.aanmeldingId": enrolment.id, **PDF_UPLOAD}
        return {}, [{"include-operation-id": ["addAanmeldingDocument"], "parameters": parameters}]
    if api != "sandbox":
        return {}, []
    ids, rules = _wimpel_ids(store), _token_rules(store)
    partner = next(iter(store.aanmeld.partners), None)
    # Two pupils: one to read (with its document), one to delete, so that neither answer depends on
    # the order in which operations run.
    kept = _enrol(store, partner, "volledigeAanmelding") if partner else None
    deleted = _enrol(store, partner, "minimaleAanmelding") if partner else None
    if kept is not None and deleted is not None:
        brin = store.aanmeld.records.school_of_enrolment(kept.id) or ""
        ids |= {"brin": brin, "stamnummer": str(kept.stamnummer)}
        if kept.documenten:
            ids["documentId"] = kept.documenten[0]
        parameters = {"path.brin": brin, "path.stamnummer": str(deleted.stamnummer)}
        rules.append({"include-operation-id": ["deleteAanmeldLeerling"], "parameters": parameters})
    return ids, rules


def _wimpel_ids(store: Store) -> dict[str, str]:
    for client_id in store.identity.clients:
        page = store.wimpel.page(client_id, active=None, limit=1, offset=0)
        if page.items:
            return {"clientId": client_id, "organisationId": str(page.items[0]["id"])}
    return {}


def _token_rules(store: Store) -> list[dict[str, Any]]:
    """HTTP Basic with a seeded client's secret on the token endpoint (the admin token means nothing
    there)."""
    for client in store.identity.clients.values():
        if client.secret:
            basic = base64.b64encode(f"{client.id}:{client.secret}".encode()).decode()
            return [{"include-operation-id": ["issueToken"], "headers": {"Authorization": f"Basic {basic}"}}]
    return []


def _enrol(store: Store, client_id: str, example: str) -> Enrolment | None:
    """Deliver one of the contract's example enrolments as `client_id` (they satisfy the Dutch rules,
    which generated ones almost never do); None where these fixtures refuse it (no such school, the
    partner not switched on)."""
    document = contracts.document(spec_for("aanmeld").path)
    try:
        receipt = store.aanmeld.enrol(client_id, document["components"]["examples"][example]["value"])
    except DomainError:
        return None
    brin = store.aanmeld.records.school_of_enrolment(receipt.id)
    return store.aanmeld.state(brin).enrolments[receipt.id] if brin else None


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
    ids, operations = existing_values(spec.name, store, headers)
    phases = ("examples", "coverage", "fuzzing", *(("stateful",) if stateful else ()))
    with serving(create_app(store, validate_responses=True)) as url:
        # The sandbox served here is throw-away: writes are what the stateful sequences need.
        run = ProviderRun(
            spec.name,
            url + spec.prefix,
            headers,
            scopes,
            max_examples,
            seed,
            phases,
            allow_writes=True,
            ids=ids,
            operations=operations,
        )
        return run_provider(run, progress)
