"""`koppelbox conformance`: our contract, driven by schemathesis, against a vendor's own server.

Schemathesis generates the requests (examples, coverage and fuzzing phases, plus stateful sequences where
the contract declares links) and runs its default checks and ours (`checks.py`). This module turns its
event stream into one verdict per operation × documented status: exercised and fine, failed (with the
request and answer that show it), or never exercised.
"""

from __future__ import annotations

import json
import tomllib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from koppelbox.conformance import checks
from koppelbox.conformance.meta import provenance, spec_for
from koppelbox.conformance.probes import probe_authentication
from koppelbox.conformance.verdicts import Outcome, Report, Verdict
from koppelbox.resources import openapi_dir
from koppelbox.validator.contracts import OPERATION_METHODS

EVIDENCE_BYTES = 4000


@dataclass
class ProviderRun:
    api: str
    base_url: str  # where the API's paths start, e.g. http://127.0.0.1:8080/eduv
    headers: dict[str, str] = field(default_factory=dict)
    scopes: frozenset[str] | None = None
    max_examples: int = 25
    seed: int = 0
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful")
    request_timeout: float = 10.0
    auth_probes: bool = True  # ask every secured operation without a token and with a made-up one


@dataclass
class _Cell:
    cases: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    sample: dict[str, Any] | None = None


def documented_statuses(api: str) -> dict[str, list[int]]:
    """`GET /v1/organisations` → [200, 400, 401, 403] from the contract."""
    document = yaml.safe_load(spec_for(api).path.read_text(encoding="utf-8"))
    found: dict[str, list[int]] = {}
    for path, item in (document.get("paths") or {}).items():
        for method in OPERATION_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                found[f"{method.upper()} {path}"] = sorted(
                    int(s) for s in operation.get("responses", {}) if str(s).isdigit()
                )
    return found


def schemathesis_config(run: ProviderRun) -> Any:
    import schemathesis

    enabled = set(run.phases)
    return schemathesis.Config.from_dict(
        {
            **project_settings(),
            "base-url": run.base_url.rstrip("/"),
            "headers": run.headers,
            "seed": run.seed,
            "request-timeout": run.request_timeout,
            "generation": {"max-examples": run.max_examples, "database": "none"},
            "phases": {
                **{name: {"enabled": name in enabled} for name in ("examples", "coverage", "fuzzing")},
                # Declared links, plus those a `Location` header proves; schemathesis' dependency guesses
                # can pair fields wrongly and would blame the server for its own mistake.
                "stateful": {
                    "enabled": "stateful" in enabled,
                    "inference": {"algorithms": ["location-headers"]},
                },
            },
            "checks": {name: {"enabled": True} for name in checks.NAMES},
        }
    )


def project_settings() -> dict[str, Any]:
    """The per-operation settings of the project's schemathesis.toml: they record contract facts JSON Schema
    cannot state (a schema-valid request that a documented rule still refuses), which hold for a vendor's
    implementation as much as for the sandbox."""
    path = openapi_dir().parent / "schemathesis.toml"
    if not path.is_file():
        return {}
    settings = tomllib.loads(path.read_text(encoding="utf-8"))
    return {"operations": settings["operations"]} if "operations" in settings else {}


def run_provider(run: ProviderRun, progress: Callable[[str], None] = lambda _: None) -> Report:
    import schemathesis
    from schemathesis.engine import events, from_schema

    spec = spec_for(run.api)
    documented = documented_statuses(spec.name)
    cells: dict[tuple[str, int], _Cell] = defaultdict(_Cell)
    errors: list[str] = []
    schema = schemathesis.openapi.from_path(spec.path, config=schemathesis_config(run))
    checks.ACTIVE.set(checks.RunContext(spec.name, run.scopes))
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                _collect(event.recorder, cells)
                progress(f"{event.phase.value:<9} {event.recorder.label:<45} {event.status.value}")
            elif isinstance(event, events.NonFatalError):
                errors.append(f"{event.label}: {event.info.message}")
                progress(f"error     {event.label}: {event.info.message}")
            elif isinstance(event, events.FatalError):
                errors.append(f"fatal: {event.exception}")
    finally:
        checks.ACTIVE.set(None)
    if run.auth_probes:
        progress("probes    401 without a token and with an invalid one, per secured operation")
        for probe in probe_authentication(spec.name, run.base_url, run.request_timeout):
            cell = cells[(probe.label, 401)]
            cell.cases += 1
            if probe.problem is None:
                cell.sample = cell.sample or probe.exchange
            elif len(cell.failures) < 5:
                cell.failures.append(
                    {
                        "check": "kbx_auth_probe",
                        "title": "Authentication probe",
                        "message": probe.problem,
                        **probe.exchange,
                    }
                )
    report = Report(
        "provider conformance",
        spec.name,
        run.base_url,
        provenance(
            spec.name,
            seed=run.seed,
            max_examples=run.max_examples,
            phases=list(run.phases),
            checks=["schemathesis defaults", *checks.NAMES, *(["kbx_auth_probe"] if run.auth_probes else [])],
            scopes=sorted(run.scopes) if run.scopes is not None else None,
        ),
    )
    report.verdicts = _verdicts(documented, cells)
    report.verdicts += [Verdict("run-error", "run", "The run completed", Outcome.FAIL, e) for e in errors]
    return report


def _collect(recorder: Any, cells: dict[tuple[str, int], _Cell]) -> None:
    for case_id, interaction in recorder.interactions.items():
        if interaction.response is None:
            continue
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else recorder.label
        cell = cells[(label, interaction.response.status_code)]
        cell.cases += 1
        failed = [c for c in recorder.checks.get(case_id, []) if c.failure_info is not None]
        if cell.sample is None and not failed:
            cell.sample = _pair(interaction)
        for check in failed:
            if len(cell.failures) < 5:
                failure = check.failure_info.failure
                cell.failures.append(
                    {
                        "check": check.name,
                        "title": failure.title,
                        "message": failure.message,
                        "reproduce": check.failure_info.code_sample,
                        **_pair(interaction),
                    }
                )


def _pair(interaction: Any) -> dict[str, Any]:
    request, response = interaction.request, interaction.response
    body = request.body.decode("utf-8", "replace")[:EVIDENCE_BYTES] if request.body else None
    return {
        "request": {"method": request.method, "uri": request.uri, "body": body},
        "response": {
            "status": response.status_code,
            "headers": {k: ", ".join(v) for k, v in response.headers.items()},
            "body": response.content.decode("utf-8", "replace")[:EVIDENCE_BYTES],
        },
    }


def _verdicts(documented: dict[str, list[int]], cells: dict[tuple[str, int], _Cell]) -> list[Verdict]:
    verdicts = []
    for label, statuses in documented.items():
        seen = sorted({status for (op, status) in cells if op == label})
        for status in sorted({*statuses, *seen}):
            cell = cells.get((label, status))
            vid = f"{label} {status}"
            title = f"{label} → {status}" + ("" if status in statuses else " (not in the contract)")
            if status not in statuses and status == 405 and cell is not None and not cell.failures:
                continue  # schemathesis probing methods the path lacks: its own check judges those
            if cell is None:
                verdicts.append(Verdict(vid, label, title, Outcome.SKIP, "Not exercised."))
            elif cell.failures:
                first = cell.failures[0]
                detail = f"{first['check']}: {first['title']}. {first['message']}".strip()
                verdicts.append(Verdict(vid, label, title, Outcome.FAIL, detail, cell.failures))
            else:
                sample = [cell.sample] if cell.sample else []
                verdicts.append(
                    Verdict(
                        vid, label, title, Outcome.PASS, f"{cell.cases} answer(s), all checks passed.", sample
                    )
                )
    return verdicts


def client_credentials_token(
    token_url: str, client_id: str, client_secret: str, scope: str | None
) -> tuple[str, frozenset[str] | None]:
    """Fetch a token with the client credentials grant (HTTP Basic), as a vendor's consumer would."""
    import base64
    import urllib.parse
    import urllib.request

    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
    request = urllib.request.Request(
        token_url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    granted = answer.get("scope")
    return str(answer["access_token"]), frozenset(granted.split()) if isinstance(granted, str) else None
