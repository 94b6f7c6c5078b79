"""`koppelbox lint`: the contracts themselves, for whoever edits or extends one.

A contract is checked by openapi-spec-validator (is it valid OpenAPI 3.0?), then for what the sandbox and
the validator rely on: every operation has a unique operationId (handlers and `--operation` are found by
it), every `x-koppelbox-check` hint names a known kind, and every example in it passes the same checks a
payload gets from `koppelbox validate` (an example partners copy must not be refused by the sandbox).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator

from koppelbox.validator import payload
from koppelbox.validator.contracts import OPERATION_METHODS, Contract, ContractError, Part, Target, load
from koppelbox.validator.findings import Finding, Severity, finding, rule
from koppelbox.validator.results import FileResult
from koppelbox.validator.schema import field_name, pointer
from koppelbox.validator.semantic import KINDS, Context

LINT_SPEC = rule("KBX-LINT-SPEC", "The file is not valid OpenAPI 3.0 (openapi-spec-validator).", "lint")
LINT_OPERATION_ID = rule(
    "KBX-LINT-OPERATION-ID",
    "An operation has no operationId (handlers and --operation find it by that).",
    "lint",
)
LINT_EXAMPLE = rule(
    "KBX-LINT-EXAMPLE",
    "An example does not pass the checks a payload gets from `koppelbox validate`.",
    "lint",
)
LINT_HINT = rule(
    "KBX-LINT-HINT",
    "An `x-koppelbox-check` hint names a kind the validator does not know.",
    "lint",
    Severity.WARNING,
)

_SCHEMA_CHILDREN = ("items", "additionalProperties", "not")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def lint_paths(paths: list[Path] | None, context: Context) -> list[FileResult]:
    """One result per contract file. Raises ContractError for a file that cannot be read at all."""
    return [lint(contract, context) for contract in load(paths)]


def lint(contract: Contract, context: Context) -> FileResult:
    name = str(contract.path)
    findings = list(_spec_findings(contract, name))
    findings += _operation_id_findings(contract, name)
    try:
        findings += _hint_findings(contract, name)
        findings += _example_findings(contract, name, context)
    except ContractError as exc:  # an unresolvable $ref: openapi-spec-validator has already said where
        if not findings:
            findings.append(finding(name, "", "contract", LINT_SPEC, str(exc)))
    lines = _line_index(contract.path)
    located = [
        Finding(f.file, f.pointer, f.field, f.rule, f.severity, f.message, line=lines.get(f.pointer))
        if f.line is None and f.pointer in lines
        else f
        for f in findings
    ]
    return FileResult(name, f"{contract.name} contract ({contract.title})", "", located)


def _spec_findings(contract: Contract, name: str) -> Iterator[Finding]:
    for error in OpenAPIV30SpecValidator(contract.raw).iter_errors():
        leaf = jsonschema.exceptions.best_match(error.context) if error.context else error
        path = list(error.absolute_path)
        first_line = leaf.message.split("\n", 1)[0].strip()
        message = first_line if len(first_line) <= 240 else first_line[:237] + "..."
        yield finding(name, pointer(path), field_name(path) or "document", LINT_SPEC, message)


def _operations(contract: Contract) -> Iterator[tuple[list[str | int], Mapping[str, Any]]]:
    for route, item in (contract.raw.get("paths") or {}).items():
        for method in OPERATION_METHODS:
            operation = item.get(method) if isinstance(item, Mapping) else None
            if isinstance(operation, Mapping):
                yield ["paths", route, method], operation


def _operation_id_findings(contract: Contract, name: str) -> Iterator[Finding]:
    # Uniqueness is openapi-spec-validator's finding; OpenAPI allows leaving the id out, koppelbox does not.
    for path, operation in _operations(contract):
        if not isinstance(operation.get("operationId"), str) or not operation["operationId"]:
            where = f"{str(path[2]).upper()} {path[1]}"
            yield finding(name, pointer(path), where, LINT_OPERATION_ID, "has no operationId")


def _walk(node: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, [*path, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, [*path, index])


def _hint_findings(contract: Contract, name: str) -> Iterator[Finding]:
    for path, node in _walk(contract.raw, []):
        hint = node.get("x-koppelbox-check")
        if hint is not None and hint not in KINDS:
            known = ", ".join(KINDS)
            where = [*path, "x-koppelbox-check"]
            yield finding(name, pointer(where), field_name(where), LINT_HINT, f"is {hint!r}; known: {known}")


def _example_findings(contract: Contract, name: str, context: Context) -> Iterator[Finding]:
    for path, node, target in _example_sites(contract):
        for example_path, value in _examples_of(contract, node, path):
            for found in payload.validate(target, value, name, context):
                where = [*example_path, *_parts(found.pointer)]
                label = "/".join(str(p) for p in example_path[-2:])
                message = f"example ({label}): `{found.field}` {found.message} [{found.rule}]"
                yield finding(name, pointer(where), field_name(where), LINT_EXAMPLE, message)


def _parts(where: str) -> list[str | int]:
    return [p.replace("~1", "/").replace("~0", "~") for p in where.split("/")[1:]] if where else []


def _example_sites(contract: Contract) -> Iterator[tuple[list[str | int], Mapping[str, Any], Target]]:
    """(where, node with example(s), the target its schema belongs to) for every example."""
    operations = {id(op): (path, op) for path, op in _operations(contract)}
    for path, node in _walk(contract.raw, []):
        if "example" not in node and "examples" not in node:
            continue
        schema_node = node.get("schema") if ("in" in node or _under_content(path)) else node
        if not isinstance(schema_node, Mapping) or (schema_node is node and not _is_schema_site(path)):
            continue
        schema = contract.resolve(schema_node)
        if not isinstance(schema, Mapping):
            continue
        part: Part = "schema"
        operation_id: str | None = None
        for op_path, op in operations.values():
            if path[: len(op_path)] == op_path and _under_content(path):
                part = "request" if "requestBody" in path else "response"
                operation_id = op.get("operationId")
        # A referenced component keeps its name, so rules registered for that schema apply to its examples.
        schema_name = next((t.schema_name for t in contract.targets if t.schema is schema), None)
        yield path, node, Target(contract.name, part, schema, operation=operation_id, schema_name=schema_name)


def _under_content(path: list[str | int]) -> bool:
    return len(path) >= 2 and path[-2] == "content"


def _is_schema_site(path: list[str | int]) -> bool:
    """Whether the node at `path` is a schema (so its own `example` is an example of itself)."""
    return (
        (len(path) == 3 and path[:2] == ["components", "schemas"])
        or (bool(path) and (path[-1] == "schema" or path[-1] in _SCHEMA_CHILDREN))
        or (len(path) >= 2 and (path[-2] in ("properties", *_SCHEMA_LISTS)))
    )


def _examples_of(
    contract: Contract, node: Mapping[str, Any], path: list[str | int]
) -> Iterator[tuple[list[str | int], Any]]:
    if "example" in node:
        yield [*path, "example"], node["example"]
    for key, example in (
        (node.get("examples") or {}).items() if isinstance(node.get("examples"), Mapping) else []
    ):
        where: list[str | int] = [*path, "examples", key]
        if isinstance(example, Mapping) and isinstance(example.get("$ref"), str):
            ref = example["$ref"]
            where = [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
            example = contract.ref(ref)
        if isinstance(example, Mapping) and "value" in example:
            yield [*where, "value"], example["value"]


def _line_index(path: Path) -> dict[str, int]:
    """JSON pointer → 1-based line of every node in a YAML file, for editors to jump to."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    lines: dict[str, int] = {}
    stack: list[tuple[Any, list[str | int]]] = [(root, [])]
    while stack:
        node, where = stack.pop()
        if node is None:
            continue
        lines.setdefault(pointer(where), node.start_mark.line + 1)  # a key's own line wins over its value's
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines.setdefault(pointer([*where, key.value]), key.start_mark.line + 1)
                stack.append((value, [*where, key.value]))
        elif isinstance(node, yaml.SequenceNode):
            stack += [(value, [*where, index]) for index, value in enumerate(node.value)]
    return lines
