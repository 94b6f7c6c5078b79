"""`koppelbox conformance`: our contract, driven by schemathesis, against a vendor's own server.

Schemathesis generates the requests (examples, coverage and fuzzing phases, plus stateful sequences where
the contract declares links) and runs its default checks and ours (`checks.py`). This module turns its
event stream into one verdict per operation × documented status: exercised and fine, failed (with the
request and answer that show it), or never exercised.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from koppelbox.conformance import checks
from koppelbox.conformance.meta import provenance, spec_for
from koppelbox.conformance.probes import probe_authentication
from koppelbox.conformance.verdicts import Outcome, Report, Verdict
from koppelbox.resources import schemathesis_settings
from koppelbox.validator import contracts
from koppelbox.validator.contracts import OPERATION_METHODS

EVIDENCE_BYTES = 4000
FAILURES_KEPT = 5  # per operation × status
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_ONLY_DETAIL = (
    "Not run: it creates, changes or deletes data on the server under test (pass --allow-writes)."
)


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
    # Off by default: a vendor's server holds real data. The CLI turns it on for a local sandbox.
    allow_writes: bool = False
    # Values that exist on the server, as schemathesis' `parameters` keys: "id", "path.id", "query.orgId".
    ids: dict[str, str] = field(default_factory=dict)
    # Someone else's data: no change or delete at the contract's example ids (which may be real records);
    # those operations then only run where fuzzing or a followed link picks the target.
    spare_existing: bool = False
    # More `[[operations]]` entries (schemathesis config), for a caller that knows its server: `fuzz`
    # feeds the records it made in its own sandbox to the operations that change or delete them.
    operations: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Operation:
    """One operation of the contract, as far as judging a run needs it."""

    label: str  # "GET /v1/organisations/{id}", as schemathesis labels it
    method: str
    path: str
    operation_id: str
    statuses: tuple[int, ...]  # documented
    parameters: tuple[tuple[str, str], ...]  # (location, name)

    @property
    def writes(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def successes(self) -> tuple[int, ...]:
        return tuple(s for s in self.statuses if 200 <= s < 300)

    def names(self, location: str) -> list[str]:
        return [name for where, name in self.parameters if where == location]


@dataclass
class _Cell:
    cases: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    sample: dict[str, Any] | None = None

    def keeps(self, check: str) -> bool:
        """Up to FAILURES_KEPT failures as evidence, and always the first of each check: a defect one check
        finds must not be hidden behind many failures of another (the report names every check that
        failed)."""
        return len(self.failures) < FAILURES_KEPT or all(f["check"] != check for f in self.failures)


@dataclass(frozen=True)
class Created:
    """A 201 answer: something the run made on the server and must remove again."""

    label: str
    request_uri: str
    location: str | None
    body_id: str | None


def contract_operations(api: str) -> list[Operation]:
    contract = next(c for c in contracts.load() if c.matches(spec_for(api).name))
    found = []
    for path, raw_item in (contract.raw.get("paths") or {}).items():
        item = contract.resolve(raw_item)
        for method in OPERATION_METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            parameters = contract.resolve([*item.get("parameters", []), *operation.get("parameters", [])])
            found.append(
                Operation(
                    f"{method.upper()} {path}",
                    method.upper(),
                    path,
                    str(operation.get("operationId", f"{method.upper()} {path}")),
                    tuple(sorted(int(s) for s in operation.get("responses", {}) if str(s).isdigit())),
                    tuple((str(p.get("in")), str(p.get("name"))) for p in parameters),
                )
            )
    return found


def documented_statuses(api: str) -> dict[str, list[int]]:
    """`GET /v1/organisations` → [200, 400, 401, 403] from the contract."""
    return {op.label: list(op.statuses) for op in contract_operations(api)}


def write_operations(api: str) -> list[Operation]:
    return [op for op in contract_operations(api) if op.writes]


def unknown_id_names(api: str, names: Iterable[str]) -> list[str]:
    """The `--id` names no operation of the contract has as a parameter (`id`, or `path.id`)."""
    known = set()
    for op in contract_operations(api):
        known |= {name for _, name in op.parameters} | {f"{where}.{name}" for where, name in op.parameters}
    return sorted(set(names) - known)


def schemathesis_config(run: ProviderRun) -> Any:
    import schemathesis

    enabled = set(run.phases)
    operations = [*project_settings().get("operations", []), *_operation_rules(run)]
    return schemathesis.Config.from_dict(
        {
            **({"operations": operations} if operations else {}),
            "base-url": run.base_url.rstrip("/"),
            "headers": run.headers,
            "seed": run.seed,
            "request-timeout": run.request_timeout,
            "generation": {"max-examples": run.max_examples, "database": "none"},
            # Schemathesis 4.3x keeps what servers refused (error feedback) in `.schemathesis/` in the
            # current directory; a run leaves nothing but its report, and starts from the contract alone.
            "cache": {"enabled": False},
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


def _operation_rules(run: ProviderRun) -> list[dict[str, Any]]:
    """`[[operations]]` entries for this run: write operations off unless allowed, and the named ids fed
    to reading operations only, so that a run with writes allowed never changes or deletes the records
    the user named (only what it created itself)."""
    rules: list[dict[str, Any]] = []
    if not run.allow_writes:
        rules.append({"include-method": sorted(WRITE_METHODS), "enabled": False})
    elif run.spare_existing:
        rules.append(
            {
                "include-method": ["PUT", "PATCH", "DELETE"],
                "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}},
            }
        )
    if run.ids:
        rules.append({"include-method": ["GET", "HEAD"], "parameters": dict(run.ids)})
    return [*rules, *run.operations]


def project_settings() -> dict[str, Any]:
    """The per-operation settings of the project's schemathesis.toml: they record contract facts JSON Schema
    cannot state (a schema-valid request that a documented rule still refuses), which hold for a vendor's
    implementation as much as for the sandbox. A missing file is an error: without it a correct server
    would be failed."""
    settings = tomllib.loads(schemathesis_settings().read_text(encoding="utf-8"))
    return {"operations": settings["operations"]} if "operations" in settings else {}


@contextmanager
def _private_hypothesis_storage() -> Iterator[None]:
    """Hypothesis caches (string constants of loaded modules, its unicode tables) under `.hypothesis/` in
    the current directory unless told otherwise; a conformance run must leave nothing but its report.
    The previous setting is restored so that a library user's own choice survives the run."""
    from hypothesis import configuration

    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        yield  # the user chose where hypothesis keeps its files
        return
    previous = getattr(configuration, "__hypothesis_home_directory", None)
    with tempfile.TemporaryDirectory(prefix="koppelbox-hypothesis-") as scratch:
        configuration.set_hypothesis_home_dir(scratch)
        try:
            yield
        finally:
            configuration.set_hypothesis_home_dir(previous)


def run_provider(run: ProviderRun, progress: Callable[[str], None] = lambda _: None) -> Report:
    with _private_hypothesis_storage():
        return _run_provider(run, progress)


def _run_provider(run: ProviderRun, progress: Callable[[str], None]) -> Report:
    import schemathesis
    from schemathesis.engine import events, from_schema

    spec = spec_for(run.api)
    operations = contract_operations(spec.name)
    cells: dict[tuple[str, int], _Cell] = defaultdict(_Cell)
    created: list[Created] = []
    errors: list[str] = []
    schema = schemathesis.openapi.from_path(spec.path, config=schemathesis_config(run))
    checks.ACTIVE.set(checks.RunContext(spec.name, run.scopes))
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                _collect(event.recorder, cells, created)
                progress(f"{event.phase.value:<9} {event.recorder.label:<45} {event.status.value}")
            elif isinstance(event, events.NonFatalError):
                errors.append(f"{event.label}: {event.info.message}")
                progress(f"error     {event.label}: {event.info.message}")
            elif isinstance(event, events.FatalError):
                errors.append(f"fatal: {event.exception}")
    finally:
        checks.ACTIVE.set(None)
    if run.auth_probes:
        _probe(run, spec.name, cells, progress)
    cleanup = _clean_up(run, operations, created, progress) if created else None
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
            writes="allowed" if run.allow_writes else "not run (read-only)",
            ids=dict(run.ids),
            **({"cleanup": cleanup} if cleanup is not None else {}),
        ),
    )
    report.verdicts = _verdicts(operations, cells, run.allow_writes)
    report.verdicts += [Verdict("run-error", "run", "The run completed", Outcome.FAIL, e) for e in errors]
    report.gaps = [gap for op in operations if (gap := _gap(op, cells, run)) is not None]
    report.coverage = _coverage(operations, cells)
    return report


def _probe(
    run: ProviderRun, api: str, cells: dict[tuple[str, int], _Cell], progress: Callable[[str], None]
) -> None:
    progress("probes    401 without a token and with an invalid one, per secured operation")
    values = {k.removeprefix("path."): v for k, v in run.ids.items()}
    probes = probe_authentication(
        api, run.base_url, run.request_timeout, run.allow_writes, values, run.spare_existing
    )
    for probe in probes:
        cell = cells[(probe.label, 401)]
        cell.cases += 1
        if probe.problem is None:
            cell.sample = cell.sample or probe.exchange
        elif cell.keeps("kbx_auth_probe"):
            cell.failures.append(
                {
                    "check": "kbx_auth_probe",
                    "title": "Authentication probe",
                    "message": probe.problem,
                    **probe.exchange,
                }
            )


def _collect(recorder: Any, cells: dict[tuple[str, int], _Cell], created: list[Created]) -> None:
    for case_id, interaction in recorder.interactions.items():
        if interaction.response is None:
            continue
        node = recorder.cases.get(case_id)
        label = node.value.operation.label if node is not None else recorder.label
        cell = cells[(label, interaction.response.status_code)]
        cell.cases += 1
        if interaction.response.status_code == 201:
            created.append(_created(label, interaction))
        failed = [c for c in recorder.checks.get(case_id, []) if c.failure_info is not None]
        if cell.sample is None and not failed:
            cell.sample = _pair(interaction)
        for check in failed:
            if cell.keeps(check.name):
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


def _created(label: str, interaction: Any) -> Created:
    response = interaction.response
    location = next((", ".join(v) for k, v in response.headers.items() if k.lower() == "location"), None)
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    body_id = body.get("id") if isinstance(body, dict) else None
    ok = isinstance(body_id, str | int) and not isinstance(body_id, bool)
    return Created(label, interaction.request.uri, location, str(body_id) if ok else None)


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


def _verdicts(
    operations: list[Operation], cells: dict[tuple[str, int], _Cell], allow_writes: bool
) -> list[Verdict]:
    verdicts = []
    for op in operations:
        label, statuses = op.label, op.statuses
        seen = sorted({status for (name, status) in cells if name == label})
        for status in sorted({*statuses, *seen}):
            cell = cells.get((label, status))
            vid = f"{label} {status}"
            title = f"{label} → {status}" + ("" if status in statuses else " (not in the contract)")
            if status not in statuses and status == 405 and cell is not None and not cell.failures:
                continue  # schemathesis probing methods the path lacks: its own check judges those
            if cell is None:
                detail = READ_ONLY_DETAIL if op.writes and not allow_writes else "Not exercised."
                verdicts.append(Verdict(vid, label, title, Outcome.NOT_EXERCISED, detail))
            elif cell.failures:
                first = cell.failures[0]
                detail = f"{first['check']}: {first['title']}. {first['message']}".strip()
                others = sorted({f["check"] for f in cell.failures} - {first["check"]})
                if others:
                    detail += f" (also failed: {', '.join(others)})"
                verdicts.append(Verdict(vid, label, title, Outcome.FAIL, detail, cell.failures))
            else:
                sample = [cell.sample] if cell.sample else []
                verdicts.append(
                    Verdict(
                        vid, label, title, Outcome.PASS, f"{cell.cases} answer(s), all checks passed.", sample
                    )
                )
    return verdicts


def _coverage(operations: list[Operation], cells: dict[tuple[str, int], _Cell]) -> tuple[int, int]:
    documented = [(op.label, status) for op in operations for status in op.statuses]
    return sum(1 for key in documented if key in cells), len(documented)


def _gap(op: Operation, cells: dict[tuple[str, int], _Cell], run: ProviderRun) -> str | None:
    """Why `op` cannot be called conformant: none of its documented success answers was seen."""
    if not op.successes or any((op.label, status) in cells for status in op.successes):
        return None
    seen = sorted({status for (name, status) in cells if name == op.label})
    got = f"every case got {' or '.join(map(str, seen))}" if seen else "no case got an answer"
    return f"{op.label}: no documented success answer was exercised ({got}); {_hint(op, run)}"


def _hint(op: Operation, run: ProviderRun) -> str:
    if op.writes and not run.allow_writes:
        return "not run because it changes data; pass --allow-writes to run it"
    if op.writes and op.names("path"):
        # Named ids only feed reading operations: a run never changes or deletes a record the user named.
        if "stateful" not in run.phases:
            return "it can only succeed on something the run created; include --phase stateful"
        return "the stateful phase did not reach it; raise --max-examples"
    if op.names("path"):
        return " and ".join(f"name an existing {n} with --id {n}=VALUE" for n in op.names("path"))
    if op.names("query"):
        names = ", ".join(op.names("query"))
        return f"name values that exist with --id NAME=VALUE (its query parameters: {names})"
    return "raise --max-examples, or look at why the server refused every case"


def _delete_templates(operations: list[Operation]) -> list[re.Pattern[str]]:
    """`/v1/organisations/{id}` → a pattern matching `/v1/organisations/KBX-1`, per DELETE operation."""
    segments = (
        [("[^/]+" if s.startswith("{") else re.escape(s)) for s in op.path.split("/")]
        for op in operations
        if op.method == "DELETE"
    )
    return [re.compile("^" + "/".join(parts) + "$") for parts in segments]


def _delete_url(run: ProviderRun, item: Created, templates: list[re.Pattern[str]]) -> str | None:
    """Where to DELETE what a 201 made: its `Location`, else the create path plus the answer's `id`; only
    when that path is one the contract deletes at (never guess at a URL the contract does not name)."""
    base_path = urllib.parse.urlsplit(run.base_url).path.rstrip("/")
    candidates = []
    if item.location:
        candidates.append(urllib.parse.urljoin(item.request_uri, item.location))
    if item.body_id is not None:
        request = urllib.parse.urlsplit(item.request_uri)
        path = request.path.rstrip("/") + "/" + urllib.parse.quote(item.body_id, safe="")
        candidates.append(urllib.parse.urlunsplit((request.scheme, request.netloc, path, "", "")))
    for url in candidates:
        path = urllib.parse.urlsplit(url).path
        if path.startswith(base_path) and any(t.match(path[len(base_path) :]) for t in templates):
            return url
    return None


def _clean_up(
    run: ProviderRun, operations: list[Operation], created: list[Created], progress: Callable[[str], None]
) -> dict[str, list[str]]:
    """Delete again whatever the run created; what is already gone (the stateful phase deletes too) counts
    as cleaned up. Returns the URLs deleted and a line per thing left behind."""
    templates = _delete_templates(operations)
    deleted: list[str] = []
    left: list[str] = []
    for url in dict.fromkeys(u for item in created if (u := _delete_url(run, item, templates))):
        status = _delete(url, run.headers, run.request_timeout)
        if status is not None and (200 <= status < 300 or status in (404, 410)):
            deleted.append(url)
        else:
            left.append(f"{url}: DELETE answered {status if status is not None else 'nothing'}")
    for item in created:
        if _delete_url(run, item, templates) is None:
            where = item.location or "no Location header"
            left.append(f"{item.label} created something at no path the contract deletes ({where})")
    progress(f"cleanup   deleted {len(deleted)} created resource(s), {len(left)} left behind")
    for line in left:
        progress(f"cleanup   left behind: {line}")
    return {"deleted": deleted, "left_behind": left}


def _delete(url: str, headers: dict[str, str], timeout: float) -> int | None:
    request = urllib.request.Request(url, method="DELETE", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


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
