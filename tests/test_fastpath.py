"""The fast path gives the same verdicts as the slow path it replaces.

Each table runs the same values through both: Connexion's stock validators (and, for request bodies,
the pure-Python checker the sandbox used before the compiled engine took the common case) and the
sandbox's validators with the fast path. Every table has accepted and rejected rows for each keyword,
so a fast path that accepted too much, or too little, fails here.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from connexion.exceptions import BadRequestProblem, NonConformingResponseBody
from connexion.resolver import Resolver
from connexion.spec import Specification
from connexion.validators import JSONRequestBodyValidator, JSONResponseBodyValidator
from connexion.validators import ParameterValidator as StockParameterValidator

from koppelbox.contracts import private_copy
from koppelbox.journal import Journal
from koppelbox.resources import openapi_dir
from koppelbox.server.integration.schemas import for_contract
from koppelbox.server.integration.validation import ResponseBodyValidator
from koppelbox.server.validation import JSONBodyValidator, ParameterValidator
from koppelbox.store.copying import json_copy
from koppelbox.validator.schema import check
from tests.test_journal import make_entry

# (schema, value as Connexion hands it after parsing the URI, accepted?)
PARAMETER_CASES: list[tuple[dict[str, Any], Any, bool]] = [
    ({"type": "string", "format": "date-time"}, "2025-04-18T10:02:28Z", True),
    ({"type": "string", "format": "date-time"}, "2025-04-18T10:02:28.123+02:00", True),
    ({"type": "string", "format": "date-time"}, "2025-04-18 10:02", False),
    ({"type": "string", "format": "date-time"}, "2025-04-18T10:02:28", False),  # no time zone
    ({"type": "string", "format": "uri"}, "https://example.nl/pad?x=1", True),
    ({"type": "string", "format": "uri"}, "example.nl/pad", False),
    ({"type": "string", "format": "email"}, "naam@example.nl", True),
    ({"type": "string", "format": "email"}, "naam.example.nl", False),
    # Connexion's e-mail rule only asks for an "@"; the fast path keeps that verdict for parameters.
    ({"type": "string", "format": "email"}, "naam@", True),
    ({"type": "string", "enum": ["OIE_CODE", "V_ID"]}, "V_ID", True),
    ({"type": "string", "enum": ["OIE_CODE", "V_ID"]}, "v_id", False),
    ({"type": "string", "pattern": "^[0-9]{2}[A-Z]{2}$"}, "16SK", True),
    ({"type": "string", "pattern": "^[0-9]{2}[A-Z]{2}$"}, "16sk", False),
    ({"type": "string", "pattern": "^[0-9]{2}[A-Z]{2}$"}, "16SKX", False),
    # Python's `$` also matches before a final newline; the verdict stays Connexion's.
    ({"type": "string", "pattern": "^[0-9]{2}[A-Z]{2}$"}, "16SK\n", True),
    ({"type": "string", "minLength": 1, "maxLength": 4}, "", False),
    ({"type": "string", "minLength": 1, "maxLength": 4}, "abcde", False),
    ({"type": "string", "minLength": 1, "maxLength": 4}, "abcd", True),
    ({"type": "integer", "minimum": 1, "maximum": 100}, 50, True),
    ({"type": "integer", "minimum": 1, "maximum": 100}, 0, False),
    ({"type": "integer", "minimum": 1, "maximum": 100}, 101, False),
    ({"type": "integer"}, "12", False),  # a value the URI parser could not make a number of
    ({"type": "integer"}, 1.5, False),
    ({"type": "number"}, 1.5, True),
    ({"type": "boolean"}, True, True),
    ({"type": "boolean"}, "yes", False),
    ({"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}, ["a", "b"], True),
    ({"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}, ["a", "c"], False),
    ({"type": "array", "items": {"type": "string"}, "maxItems": 1}, ["a", "b"], False),
    ({"type": "string", "format": "uuid"}, "123e4567-e89b-12d3-a456-426614174000", True),
]


def _parameter(schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": "probe", "in": "query", "required": required, "schema": schema}


@pytest.mark.parametrize(("schema", "value", "accepted"), PARAMETER_CASES)
def test_parameter_verdicts_match_connexion(schema: dict[str, Any], value: Any, accepted: bool) -> None:
    param = _parameter(schema)
    stock = StockParameterValidator.validate_parameter("query", value, copy.deepcopy(param))
    ours = ParameterValidator.validate_parameter("query", value, param)
    assert (stock is None) == accepted, f"Connexion's verdict on {value!r} is not the one in the table"
    assert (ours is None) == accepted
    if not accepted:
        assert "probe" in ours  # names the parameter in plain words


@pytest.mark.parametrize(
    ("param", "value", "accepted"),
    [
        (_parameter({"type": "string"}, required=True), None, False),
        (_parameter({"type": "string"}, required=False), None, True),
        (_parameter({"type": "string", "nullable": True}), None, True),
    ],
)
def test_absent_and_null_parameters_match_connexion(
    param: dict[str, Any], value: Any, accepted: bool
) -> None:
    assert (StockParameterValidator.validate_parameter("query", value, param) is None) == accepted
    assert (ParameterValidator.validate_parameter("query", value, param) is None) == accepted


def _operation(spec_file: str, path: str, method: str) -> Any:
    """An operation exactly as Connexion builds it, so its schemas carry the attached `components`."""
    spec = Specification.load(private_copy(openapi_dir() / spec_file))
    resolver = Resolver(function_resolver=lambda _operation_id: lambda: None)
    return spec.operation_cls.from_spec(
        spec, path=path, method=method, resolver=resolver, uri_parser_class=None
    )


WIMPEL_CREATE = _operation("wimpel.yaml", "/v1/organisations", "post")
WIMPEL_GET = _operation("wimpel.yaml", "/v1/organisations/{id}", "get")
AANMELD_SUBMIT = _operation("aanmeld.yaml", "/v1/aanmeldingen", "post")

VALID_ORGANISATION = {"id": "20AB", "name": "Testschool", "sourceId": "src-1"}
VALID_ENROLMENT: dict[str, Any] = {
    "brin": "99XA",
    "codeExternePartij": "B-1",
    "leerling": {
        "pgn": "300000017",
        "achternaam": "Leerling",
        "roepnaam": "Bench",
        "geslacht": "onbekend",
        "geboortedatum": "2014-02-11",
        "email": "leerling@example.nl",
    },
    "ouders": [
        {
            "achternaam": "Ouder",
            "voorletters": "A.",
            "geslacht": "vrouw",
            "email": "ouder@example.nl",
            "mobiel": "06-12345678",
            "adres": {"postcode": "8861 AB", "huisnummer": 7},
        }
    ],
}


def _changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`base` with the value at a dotted path replaced (`...` deletes it)."""
    changed = copy.deepcopy(base)
    *parents, last = path.split(".")
    target: Any = changed
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return changed


# (operation, body, accepted?)
BODY_CASES: list[tuple[Any, Any, bool]] = [
    (WIMPEL_CREATE, VALID_ORGANISATION, True),
    (WIMPEL_CREATE, _changed(VALID_ORGANISATION, "name", ...), False),  # required
    (WIMPEL_CREATE, _changed(VALID_ORGANISATION, "id", "20 AB"), False),  # pattern
    (WIMPEL_CREATE, _changed(VALID_ORGANISATION, "id", 2010), False),  # type
    (WIMPEL_CREATE, _changed(VALID_ORGANISATION, "status", "active"), True),
    (WIMPEL_CREATE, _changed(VALID_ORGANISATION, "status", "gesloten"), False),  # enum
    (WIMPEL_CREATE, _changed(VALID_ORGANISATION, "extra", 1), False),  # additionalProperties
    (WIMPEL_CREATE, [VALID_ORGANISATION], False),
    (AANMELD_SUBMIT, VALID_ENROLMENT, True),
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "leerling.geboortedatum", "11-02-2014"), False),  # date
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "leerling.geboortedatum", "2014-02-30"), False),
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "leerling.email", "leerling.example.nl"), False),  # email
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "leerling.email", "leerling@"), False),
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "leerling.pgn", "30000001"), False),  # pattern
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "leerling.pgn", "300000017\n"), False),  # ECMA `$`
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "leerling.geslacht", "m"), False),  # enum
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "ouders.0.adres.huisnummer", "7"), False),  # type
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "ouders.0.adres.postcode", ...), False),  # nested required
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "ouders.0.mobiel", "bel me"), False),
    (AANMELD_SUBMIT, _changed(VALID_ENROLMENT, "leerling", None), False),
]


def _ours_accepts_body(operation: Any, body: Any) -> bool:
    validator = JSONBodyValidator(
        schema=operation.body_schema("application/json"),
        required=True,
        encoding="utf-8",
        strict_validation=True,
    )
    try:
        validator._validate(body)
    except BadRequestProblem:
        return False
    return True


@pytest.mark.parametrize(("operation", "body", "accepted"), BODY_CASES)
def test_request_body_verdicts_match_the_slow_path(operation: Any, body: Any, accepted: bool) -> None:
    schema = operation.body_schema("application/json")
    # The slow path: the pure-Python checker on the schema as Connexion hands it.
    assert (check(schema, body) == []) == accepted
    assert _ours_accepts_body(operation, body) == accepted


@pytest.mark.parametrize(("operation", "body", "accepted"), BODY_CASES)
def test_request_bodies_connexion_accepts_differ_only_where_the_sandbox_is_stricter(
    operation: Any, body: Any, accepted: bool
) -> None:
    """Against stock Connexion: same verdict, except where the sandbox is deliberately stricter (a real
    e-mail check, ECMA-262 patterns, `date` checked) — never more lenient."""
    stock = JSONRequestBodyValidator(
        schema=operation.body_schema("application/json"), encoding="utf-8", strict_validation=True
    )
    try:
        stock._validate(body)
        stock_accepts = True
    except BadRequestProblem:
        stock_accepts = False
    stricter = {"leerling@", "300000017\n", "2014-02-30", "11-02-2014"}
    if stock_accepts != accepted:
        assert stock_accepts
        assert not accepted
        assert any(value in stricter for value in _leaves(body))


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


STORED = {
    "id": "16SK",
    "organisationIds": [{"organisationId": "16SK00", "type": "vestigingserkenning"}],
    "name": "Liemers College",
    "boards": [{"id": 13554, "name": "Stichting Quadraam"}],
    "locations": [{"id": "16SK00", "name": "Liemers College", "type": "hoofdlocatie"}],
    "sourceId": "xgQQXg3hrtjh7AvZ",
    "status": "active",
    "dateCreated": "2025-04-18T10:02:28.000Z",
    "dateLastModified": "2025-04-18T10:02:28.000Z",
}

RESPONSE_CASES: list[tuple[Any, bool]] = [
    (STORED, True),
    (_changed(STORED, "dateCreated", "2025-04-18 10:02:28"), False),  # date-time
    (_changed(STORED, "dateCreated", "18 april 2025"), False),
    (_changed(STORED, "status", "closed"), False),  # enum
    (_changed(STORED, "name", ...), False),  # required
    (_changed(STORED, "boards", {"id": 1}), False),  # type
    (_changed(STORED, "id", "16/SK"), False),  # pattern
    (_changed(STORED, "token", "secret"), False),  # additionalProperties: nothing leaks
]


@pytest.mark.parametrize(("body", "accepted"), RESPONSE_CASES)
def test_response_verdicts_match_connexion(body: Any, accepted: bool) -> None:
    schema = WIMPEL_GET.response_schema("200", "application/json")

    def accepts(validator_class: Any) -> bool:
        validator = validator_class({"type": "http"}, schema=schema, encoding="utf-8")
        try:
            validator._validate(body)
        except NonConformingResponseBody:
            return False
        return True

    assert accepts(JSONResponseBodyValidator) == accepted
    assert accepts(ResponseBodyValidator) == accepted


def _contract_schemas() -> list[tuple[str, Any]]:
    found = []
    for spec_path in sorted(Path(openapi_dir()).glob("*.yaml")):
        spec = Specification.load(private_copy(spec_path))
        resolver = Resolver(function_resolver=lambda _operation_id: lambda: None)
        for path, item in spec["paths"].items():
            for method in item:
                if method not in {"get", "put", "post", "patch", "delete"}:
                    continue
                operation = spec.operation_cls.from_spec(
                    spec, path=path, method=method, resolver=resolver, uri_parser_class=None
                )
                where = f"{spec_path.name} {method.upper()} {path}"
                for media in operation.consumes if operation.request_body else []:
                    if operation.body_schema(media):
                        found.append((f"{where} request {media}", operation.body_schema(media)))
                for status, response in operation.responses.items():
                    for media in response.get("content", {}):
                        if operation.response_schema(status, media):
                            found.append(
                                (f"{where} {status} {media}", operation.response_schema(status, media))
                            )
    return found


CONTRACT_SCHEMAS = _contract_schemas()


@pytest.mark.parametrize(
    "schema", [s for _, s in CONTRACT_SCHEMAS], ids=[name for name, _ in CONTRACT_SCHEMAS]
)
def test_every_contract_schema_runs_on_the_compiled_engine(schema: Any) -> None:
    """No body or response schema silently falls back to pure Python on every request."""
    assert for_contract(schema).fast is not None


def test_json_copy_is_deep_and_equal() -> None:
    stored = copy.deepcopy(STORED)
    handed_out = json_copy(stored)
    assert handed_out == stored
    handed_out["boards"][0]["name"] = "changed by a caller"
    handed_out["locations"].append({})
    assert stored == STORED


def test_journal_entries_recorded_later_keep_their_order_and_the_ring_bound() -> None:
    journal = Journal(capacity=3)
    built: list[int] = []

    def later(seq: int) -> Any:
        built.append(seq)
        return make_entry(seq)

    journal.record(lambda seq: make_entry(seq))
    journal.record_later(later)
    journal.record_later(later)
    journal.record_later(later)  # the first entry falls out of the ring
    assert built == []  # nothing is built until someone reads
    assert [entry.seq for entry in journal.entries()] == [2, 3, 4]
    assert journal.dropped == 1
    assert [entry.seq for entry in journal.entries()] == [2, 3, 4]
    assert built == [2, 3, 4]  # each entry built once


DOC_AND_API_PATHS = [
    "/wimpel",
    "/wimpel/",
    "/wimpel/ui",
    "/wimpel/ui/",
    "/wimpel/ui/index.html",
    "/wimpel/ui/swagger-ui.css",
    "/wimpel/uix",
    "/wimpel/openapi.json",
    "/wimpel/openapi.json/",
    "/eduv/openapi.yaml",
    "/sandbox/ui/",
    "/wimpel/v1/organisations/16SK",
    "/wimpel/v1/organisations/16SK/",
    "/elsewhere",
]


def test_docs_routes_answer_as_with_connexions_own_swagger_middleware(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from starlette.testclient import TestClient

    from koppelbox.server import app as app_module
    from koppelbox.server.integration import stack

    def answers() -> list[tuple[str, int, str | None, bytes]]:
        client = TestClient(app_module.create_app(), follow_redirects=False)
        headers = {"Authorization": "Bearer kbx-noordstar"}
        found = []
        for path in DOC_AND_API_PATHS:
            response = client.get(path, headers=headers)
            found.append((path, response.status_code, response.headers.get("location"), response.content))
        return found

    fast = answers()
    monkeypatch.delitem(stack.REPLACEMENTS, SwaggerUIMiddleware)
    assert answers() == fast
    assert {status for _, status, _, _ in fast} >= {200, 307, 404}


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8"])
def test_the_handler_gets_the_body_validation_parsed(client: Any, content_type: str) -> None:
    body = {"id": "77XY", "name": "Basisschool De Ĳsvogel — één", "sourceId": "src-77"}
    headers = {"Authorization": "Bearer kbx-noordstar", "Content-Type": content_type}
    created = client.post("/wimpel/v1/organisations", content=json.dumps(body).encode(), headers=headers)
    assert created.status_code == 201
    fetched = client.get("/wimpel/v1/organisations/77XY", headers=headers)
    assert fetched.json()["name"] == body["name"]


# What handlers return, answered by the prepared response and by Connexion's own response decorator.
HANDLER_RESULTS: list[Any] = [
    ({"id": "16SK", "name": "School"}, 200),
    ({"id": "16SK", "name": "Ĳsvogel — één"}, 201, {"Location": "/wimpel/v1/organisations/16SK"}),
    ([{"id": "a"}, {"id": "b"}], 200, {"X-Total-Count": "2", "Link": '<x?offset=2>; rel="next"'}),
    {"id": "bare dict"},
    [1, 2, 3],
    (None, 204),
    ({"id": "with type"}, 200, {"Content-Type": "application/json"}),
    ({"id": "header pair"}, {"X-Extra": "1"}),
    ("plain text", 200),
    ({"when": datetime(2025, 5, 2, 8, 15, tzinfo=UTC)}, 200),
    ([], 200, {"X-Total-Count": "0"}),
]


@pytest.mark.parametrize("result", HANDLER_RESULTS, ids=repr)
def test_prepared_response_answers_as_connexions_response_decorator(result: Any) -> None:
    from connexion.context import _operation as _operation_var
    from connexion.decorators.response import AsyncResponseDecorator
    from connexion.frameworks.starlette import Starlette as StarletteFramework
    from connexion.jsonifier import Jsonifier

    from koppelbox.server.integration.handlers import PreparedResponse

    operation = WIMPEL_GET
    token = _operation_var.set(operation)
    try:
        stock = AsyncResponseDecorator(framework=StarletteFramework, jsonifier=Jsonifier())
        try:
            expected = stock.build_framework_response(copy.deepcopy(result))
        except Exception as exc:  # the prepared response must refuse the same way
            with pytest.raises(type(exc)):
                PreparedResponse(operation, Jsonifier()).respond(copy.deepcopy(result))
            return
        answer = PreparedResponse(operation, Jsonifier()).respond(copy.deepcopy(result))
    finally:
        _operation_var.reset(token)
    assert (answer.status_code, answer.raw_headers, answer.body) == (
        expected.status_code,
        expected.raw_headers,
        expected.body,
    )
