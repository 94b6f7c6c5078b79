"""Request validation plugged into Connexion through its `validator_map`.

Connexion's stock validators stop at the first error, build a new jsonschema validator for every
request, and turn undecodable bytes into a 500. These keep Connexion's parsing but (1) reuse one compiled
validator per schema, (2) report every field at once, and (3) answer any undecodable body with a 400.
This module is the single place to swap the validation engine (see the performance notes).
"""

from __future__ import annotations

import json
import re
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.lifecycle import ConnexionRequest
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP, FormDataValidator, JSONRequestBodyValidator
from connexion.validators import MultiPartFormDataValidator as _MultiPart
from connexion.validators import ParameterValidator as _ParameterValidator
from starlette.datastructures import FormData, QueryParams
from starlette.formparsers import MultiPartException, MultiPartParser

from koppelbox.rules.errors import FieldError
from koppelbox.server.integration.body import read_body
from koppelbox.server.integration.headers import content_type_of
from koppelbox.server.integration.parameters import (
    share_parsed_body,
    share_parsed_parameters,
    share_parsed_values,
)
from koppelbox.server.integration.private import BodyValidatorFields, stock_form_parse
from koppelbox.server.integration.schemas import for_contract
from koppelbox.server.integration.validation import ResponseBodyValidator
from koppelbox.server.problems import FieldValidationProblem
from koppelbox.validator.schema import check, compiled, field_name


def _raise_findings(schema: dict[str, Any], body: Any) -> None:
    if for_contract(schema).is_valid(body):  # the common case, in microseconds (integration/schemas.py)
        return
    findings = check(schema, body)
    if findings:
        raise FieldValidationProblem([FieldError(f.field, f.message) for f in findings])


# No body at all, as opposed to a body that says `null` (which is checked against the schema like any value).
_ABSENT = object()

# The deepest nesting of arrays and objects a JSON body may have. No contract needs more than a handful;
# the schema engines give up (or recurse without bound) far deeper, long before Python's parser does.
MAX_DEPTH = 64

# The escape of a UTF-16 surrogate (`\ud800` to `\udfff`): the only way a lone surrogate gets into a body
# sent as UTF-8 (its decoder refuses encoded ones). Clients that escape all non-ASCII text send `\u00e9`
# and the like often; only a body with a surrogate escape (most often a valid pair) is walked.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def parse_json(raw: bytes, encoding: str) -> Any:
    """A JSON request body as Python values, or a 400 that says what is wrong with it: text that is not
    in its charset, not JSON, nested deeper than `MAX_DEPTH`, a number with more digits than Python
    converts, or a string (value or name) holding a lone UTF-16 surrogate, which is no text at all (it
    cannot be stored, encoded or passed on), named by its field. The body is parsed once; only one that
    holds a surrogate escape, or is in a charset other than UTF-8, is looked through for surrogates, and
    only one with many brackets is measured for depth."""
    try:
        text = raw.decode(encoding)
        parsed = json.loads(text)
    except (UnicodeDecodeError, LookupError):
        raise BadRequestProblem(detail=f"The request body is not valid {encoding} text.") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise BadRequestProblem(detail=f"The request body is not valid JSON: {exc.msg} at {where}.") from None
    except ValueError:  # Python's limit on converting long integer literals (`sys.get_int_max_str_digits`)
        raise BadRequestProblem(detail="The request body holds a number with too many digits.") from None
    except RecursionError:
        raise BadRequestProblem(detail="The request body is nested too deeply.") from None
    # Counting brackets is a scan at memory speed; only a body with many is measured for its depth.
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _depth(parsed) > MAX_DEPTH:
        raise BadRequestProblem(
            detail=f"The request body is nested too deeply (more than {MAX_DEPTH} levels)."
        )
    utf8 = encoding.lower().replace("-", "") == "utf8"
    if not utf8 or ("\\u" in text and _SURROGATE_ESCAPE.search(text)):
        field = _lone_surrogate(parsed)
        if field is not None:
            message = "holds a lone UTF-16 surrogate (such as \\ud800), which is not text"
            raise FieldValidationProblem([FieldError(field, message)])
    return parsed


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value` (a scalar is 0). Iterative, as `_lone_surrogate`."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth + 1)
        pending.extend((member, depth + 1) for member in item)
    return deepest


def _lone_surrogate(value: Any) -> str | None:
    """The field (as schema findings name it) of the first string or member name in `value` that holds
    a lone surrogate, or None. Iterative: the body may be nested as deeply as the parser allows."""
    pending: list[tuple[Any, list[str | int]]] = [(value, [])]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            if _has_surrogate(item):
                return field_name(path) or "body"
        elif isinstance(item, dict):
            for key, member in item.items():
                if _has_surrogate(key):
                    return field_name([*path, key.encode("utf-8", "backslashreplace").decode()])
                pending.append((member, [*path, key]))
        elif isinstance(item, list):
            pending.extend((member, [*path, index]) for index, member in enumerate(item))
    return None


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class JSONBodyValidator(BodyValidatorFields, JSONRequestBodyValidator):  # type: ignore[misc]
    async def parse_body(self, stream: Any, scope: Any) -> Any:
        # The body as a layer further out read it (integration/body.py); else, or when it is empty (Connexion
        # then streams the schema's default, if any), the stream.
        raw = read_body(scope)
        if not raw:
            raw = b"".join([chunk async for chunk in stream])
        if not raw.strip():
            return _ABSENT
        encoding = self.encoding
        parsed = parse_json(raw, encoding)
        share_parsed_body(scope, parsed, encoding)
        return parsed

    @staticmethod
    def accepts_parsed(raw: bytes, encoding: str, schema: dict[str, Any], scope: Any) -> bool:
        """Whether this validator would pass the body without a word: it parses as JSON to a non-null
        value the compiled validator accepts. Then the parsed body is shared with the handler, as `_parse`
        does; anything else (no body, null, bad JSON, a finding) is for `wrap_receive` to decide."""
        if not raw.strip():
            return False
        try:
            parsed = parse_json(raw, encoding)
        except BadRequestProblem:
            return False
        if parsed is None or not for_contract(schema).is_valid(parsed):
            return False
        share_parsed_body(scope, parsed, encoding)
        return True

    def check_body(self, body: Any) -> None:
        if body is _ABSENT:
            if self.required:
                raise BadRequestProblem(detail="The request body must not be empty.")
            return
        if body is None and self.nullable:
            return
        _raise_findings(self.schema, body)


class FormValidator(BodyValidatorFields, FormDataValidator):  # type: ignore[misc]
    async def parse_body(self, stream: Any, scope: Any) -> Any:
        try:
            return await stock_form_parse(self, stream, scope)
        except (UnicodeDecodeError, ValueError, AssertionError, MultiPartException) as exc:
            raise BadRequestProblem(detail=f"The form body cannot be parsed: {exc}.") from None

    def check_body(self, body: Any) -> None:
        if not isinstance(body, dict):
            raise BadRequestProblem(detail="The form body must be a set of fields.")
        _raise_findings(self.schema, body)


class _ClosingMultiPartParser(MultiPartParser):
    """Validation reads the fields but never the file contents: close the spooled files at once instead
    of leaving them to the garbage collector (the handler gets its own copy of the upload)."""

    async def parse(self) -> FormData:
        form = await super().parse()
        await form.close()
        return form


class MultiPartValidator(FormValidator, _MultiPart):  # type: ignore[misc]
    """Multipart uploads: Connexion's multipart parsing, our error reporting."""

    @property
    def form_parser_class(self) -> type[MultiPartParser]:
        return _ClosingMultiPartParser

    async def parse_body(self, stream: Any, scope: Any) -> Any:
        # Without a Content-Type (Connexion then takes the operation's multipart type) there is no boundary
        # to find the parts by, and Starlette's parser fails on the missing header.
        if content_type_of(scope["headers"]) is None:
            raise BadRequestProblem(
                detail="A multipart body needs a Content-Type header: multipart/form-data with its boundary."
            )
        return await super().parse_body(stream, scope)


class ParameterValidator(_ParameterValidator):  # type: ignore[misc]
    """Connexion's parameter checks, with a message that names the parameter in plain words
    ("`filterByOrgId` must be true or false") instead of a jsonschema traceback."""

    _plan: _ParameterPlan | None = None

    def validate(self, scope: Any) -> None:
        accepted = self.accepted(scope)
        if accepted is not None:
            share_parsed_values(scope, *accepted)
            return
        request = ConnexionRequest(scope, uri_parser=self.uri_parser)
        self.validate_request(request)
        share_parsed_parameters(request)  # the handler's arguments come from the same parse

    def accepted(self, scope: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The parsed path and query values when every parameter passes; None when any does not, or the
        operation has header or cookie parameters: `validate_request` then decides and words the refusal.
        The same parse as Connexion's request object (Starlette's query parsing, this URI parser) and the
        same checks as `validate_request` and `validate_parameter`, with the compiled validator, which is
        never more lenient than Connexion's check (tests/test_fastpath.py)."""
        plan = self._plan
        if plan is None:
            plan = self._plan = _ParameterPlan(self)
        if not plan.possible:
            return None
        raw_path = scope.get("path_params", {})
        # Plain string path parameters come out of the URI parser as they went in.
        path = dict(raw_path) if plan.plain_path else self.uri_parser.resolve_path(raw_path)
        query_string = scope.get("query_string")
        if query_string:
            args = QueryParams(query_string)
            query = self.uri_parser.resolve_query({k: args.getlist(k) for k in args})
            if self.strict_validation and not plan.query_names.issuperset(query):
                return None
        else:
            query = {}
        for name, parameter in plan.query:
            if not parameter.passes(query.get(name)):
                return None
        for name, parameter in plan.path:
            if not parameter.passes(path.get(name)):
                return None
        return path, query

    def validate_query_parameter_list(self, request: Any, security_params: Any = None) -> Any:
        # No query string, no unknown query parameter: skip parsing one just to find nothing.
        if not request.scope.get("query_string"):
            return set()
        return super().validate_query_parameter_list(request, security_params=security_params)

    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: Any, param_name: Any = None) -> Any:
        # Fast path: the compiled validator is never more lenient than Connexion's check (see
        # integration/validation.py), so a value it accepts is accepted without Connexion's per-call
        # deepcopy and new jsonschema validator; anything else gets Connexion's verdict as before.
        if value is not None and compiled(param.get("schema", param)).is_valid(value):
            return None
        problem = _ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if problem is None or value is None:
            return problem
        findings = check(param.get("schema", param), value)
        if not findings:
            return problem
        finding = findings[0]
        inner = finding.field if finding.pointer else ""
        where = param["name"] + (inner if inner.startswith("[") or not inner else "." + inner)
        return f"`{where}` ({parameter_type} parameter) {finding.message}."


class _ParameterCheck:
    """`validate_parameter` finding nothing for one parameter, with the compiled validator deciding a
    present value; what depends on the parameter alone is worked out once."""

    def __init__(self, param: dict[str, Any]) -> None:
        self.nullable = is_nullable(param)
        self.required = bool(param.get("required"))
        self.schema = param.get("schema", param)
        self.validator: Any = None  # compiled on first use

    def passes(self, value: Any) -> bool:
        if self.nullable and is_null(value):
            return True
        if value is not None:
            if self.validator is None:
                self.validator = compiled(self.schema)
            return bool(self.validator.is_valid(value))
        return not self.required


class _ParameterPlan:
    """What `ParameterValidator.accepted` needs of an operation's parameters, worked out on first use."""

    def __init__(self, validator: ParameterValidator) -> None:
        parameters = validator.parameters
        self.possible = not (parameters.get("header") or parameters.get("cookie"))
        self.query = [(p["name"], _ParameterCheck(p)) for p in parameters.get("query", [])]
        self.path = [(p["name"].replace("-", "_"), _ParameterCheck(p)) for p in parameters.get("path", [])]
        self.query_names = {p["name"] for p in parameters.get("query", [])} | set(
            validator.security_query_params
        )
        # The URI parser leaves a path value as it is when the parameter is a plain, non-nullable string
        # (its `coerce_type` has nothing to convert a string to).
        self.plain_path = all(
            "-" not in p["name"]
            and p.get("schema", p).get("type") == "string"
            and not is_nullable(p.get("schema", p))
            for p in parameters.get("path", [])
        )


VALIDATORS: dict[str, Any] = {
    "parameter": ParameterValidator,
    "body": MediaTypeDict(
        {
            "*/*json": JSONBodyValidator,
            "application/x-www-form-urlencoded": FormValidator,
            "multipart/form-data": MultiPartValidator,
        }
    ),
    "response": MediaTypeDict({**VALIDATOR_MAP["response"], "*/*json": ResponseBodyValidator}),
}
