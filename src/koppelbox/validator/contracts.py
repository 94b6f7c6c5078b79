"""The contracts in `openapi/`, loaded with their `$ref`s resolved, and every payload they describe.

A *target* is one thing a payload can be checked against: an operation's JSON request body, one of its
JSON responses, its query parameters (as a JSON object of name → value), or a named component schema.
A `$ref` resolves to one shared object, so a schema reached by several routes is compiled once and is
recognisably the same target.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from koppelbox.contracts import OPERATION_METHODS, document
from koppelbox.resources import openapi_dir

Part = Literal["request", "response", "query", "schema"]
PARTS: tuple[Part, ...] = ("request", "response", "query", "schema")
__all__ = ["OPERATION_METHODS", "Contract", "ContractError", "Target", "load"]

# The sandbox's own control plane is not something a vendor sends payloads to; it is only a candidate
# when named with --api.
NOT_GUESSED = frozenset({"sandbox"})


class ContractError(Exception):
    """A contract file cannot be read or resolved."""


@dataclass(frozen=True)
class Target:
    api: str
    part: Part
    schema: Mapping[str, Any] = field(repr=False, compare=False)
    operation: str | None = None  # operationId; None for a component schema
    status: str | None = None  # response status code, for part == "response"
    schema_name: str | None = None  # the component the schema is, when it is one
    deprecated: bool = False

    @property
    def label(self) -> str:
        if self.part == "schema":
            return f"{self.api} schema {self.schema_name}"
        what = {"request": "request body", "query": "query parameters"}.get(
            self.part, f"{self.status} response"
        )
        named = f" (schema {self.schema_name})" if self.schema_name else ""
        return f"{self.api} {self.operation} {what}{named}"


@dataclass
class Contract:
    name: str  # the API's short name: its path prefix without the slash (`wimpel`, `eduv`)
    stem: str  # the file name without `.yaml` (`eduv-employees`), also accepted as the API's name
    path: Path
    title: str
    raw: Mapping[str, Any] = field(repr=False)
    targets: list[Target] = field(default_factory=list, repr=False)
    _resolved: dict[str, Any] = field(default_factory=dict, repr=False)

    def resolve(self, node: Any) -> Any:
        """`node` with every local `$ref` replaced by the object it names (one shared object per ref)."""
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, Mapping):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            return self.ref(ref)
        return {key: self.resolve(value) for key, value in node.items()}

    def ref(self, ref: str) -> Any:
        if ref in self._resolved:
            return self._resolved[ref]
        if not ref.startswith("#/"):
            raise ContractError(f"{self.path.name}: only local references are supported, not {ref}")
        target: Any = self.raw
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, Mapping) or part not in target:
                raise ContractError(f"{self.path.name}: {ref} points at nothing")
            target = target[part]
        if isinstance(target, Mapping) and "$ref" not in target:
            resolved: dict[str, Any] = {}
            self._resolved[ref] = resolved  # registered first, so a schema that refers to itself terminates
            resolved.update({key: self.resolve(value) for key, value in target.items()})
            return resolved
        self._resolved[ref] = self.resolve(target)
        return self._resolved[ref]

    def matches(self, api: str) -> bool:
        return api.strip("/").lower() in {self.name.lower(), self.stem.lower()}


def load(paths: Iterable[Path] | None = None) -> list[Contract]:
    """Every contract: the given OpenAPI files (or folders of them), by default those koppelbox ships."""
    files: list[Path] = []
    for path in paths if paths is not None else [openapi_dir()]:
        files += (
            sorted([*path.glob("*.yaml"), *path.glob("*.yml"), *path.glob("*.json")])
            if path.is_dir()
            else [path]
        )
    return [_load_one(path) for path in files]


def _load_one(path: Path) -> Contract:
    try:
        parsed = document(path)  # shared with the server and the conformance runner: never changed here
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ContractError(f"cannot read contract {path}: {exc}") from exc
    if not isinstance(parsed, Mapping) or "paths" not in parsed:
        raise ContractError(f"{path} is not an OpenAPI document")
    servers = parsed.get("servers") or [{"url": "/" + path.stem}]
    name = str(servers[0].get("url", path.stem)).rstrip("/").rsplit("/", 1)[-1] or path.stem
    contract = Contract(name, path.stem, path, str(parsed.get("info", {}).get("title", path.stem)), parsed)
    contract.targets = _targets(contract)
    return contract


def _is_json(media_type: str) -> bool:
    base = media_type.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _targets(contract: Contract) -> list[Target]:
    names = {
        id(contract.ref(f"#/components/schemas/{name}")): name
        for name in contract.raw.get("components", {}).get("schemas", {})
    }
    targets: list[Target] = []

    def add(part: Part, schema: Any, **where: Any) -> None:
        if isinstance(schema, Mapping):
            targets.append(Target(contract.name, part, schema, schema_name=names.get(id(schema)), **where))

    for path_item in contract.raw.get("paths", {}).values():
        path_item = contract.resolve(path_item)
        for method in OPERATION_METHODS:
            operation = path_item.get(method)
            if not isinstance(operation, Mapping) or "operationId" not in operation:
                continue
            where = {"operation": operation["operationId"], "deprecated": bool(operation.get("deprecated"))}
            for media_type, content in (operation.get("requestBody") or {}).get("content", {}).items():
                if _is_json(media_type):
                    add("request", content.get("schema"), **where)
            query = _query_schema([*path_item.get("parameters", []), *operation.get("parameters", [])])
            if query is not None:
                add("query", query, **where)
            for status, response in (operation.get("responses") or {}).items():
                for media_type, content in (response.get("content") or {}).items():
                    if _is_json(media_type):
                        add("response", content.get("schema"), status=str(status), **where)
    for name in contract.raw.get("components", {}).get("schemas", {}):
        add("schema", contract.ref(f"#/components/schemas/{name}"))
    return targets


def _query_schema(parameters: list[Any]) -> dict[str, Any] | None:
    """The query parameters as one object schema; unknown names are refused, as the server does."""
    # A later (operation-level) parameter overrides a path-level one of the same name.
    query = {p["name"]: p for p in parameters if isinstance(p, Mapping) and p.get("in") == "query"}
    if not query:
        return None
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: p.get("schema", {}) for name, p in query.items()},
    }
    required = sorted(name for name, p in query.items() if p.get("required"))
    if required:  # Draft 4 (OpenAPI 3.0) does not allow an empty `required`
        schema["required"] = required
    return schema
