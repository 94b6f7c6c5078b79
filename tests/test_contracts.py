"""The contracts in openapi/ are valid OpenAPI 3.0, every operation has a handler, and every example
validates against its own schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema_path import SchemaPath
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from koppelbox.contracts import discover as discover_specs
from koppelbox.resources import openapi_dir
from koppelbox.server.resolver import handler_name
from koppelbox.validator.schema import check

SPECS = sorted(openapi_dir().glob("*.yaml"))
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_spec_is_valid_openapi_30(path: Path) -> None:
    document, base_uri = read_from_filename(str(path))
    assert str(document["openapi"]).startswith("3.0.")
    validate(document, base_uri=base_uri)


def test_every_api_has_its_own_prefix() -> None:
    prefixes = [spec.prefix for spec in discover_specs()]
    assert len(prefixes) == len(set(prefixes))
    assert {"/wimpel", "/sandbox"} <= set(prefixes)


@pytest.mark.parametrize("spec", discover_specs(), ids=lambda s: s.name)
def test_every_operation_id_resolves_to_a_handler(spec: Any) -> None:
    import importlib

    module = importlib.import_module(f"koppelbox.server.handlers.{spec.name}")
    document = yaml.safe_load(spec.path.read_text(encoding="utf-8"))
    operation_ids = [
        operation["operationId"]
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    ]
    assert len(operation_ids) == len(set(operation_ids))
    missing = [op for op in operation_ids if not callable(getattr(module, handler_name(op), None))]
    assert not missing


def _examples(node: SchemaPath, where: str) -> Iterator[tuple[str, Any, Any]]:
    """(location, schema, example) for every example attached to a media type or a schema."""
    with node.resolve() as resolved:
        contents = resolved.contents
    if isinstance(contents, dict):
        if "schema" in contents and ("example" in contents or "examples" in contents):
            with (node / "schema").resolve() as schema:
                if "example" in contents:
                    yield where, schema.contents, contents["example"]
                for name in contents.get("examples", {}):
                    with (node / "examples" / name).resolve() as example:
                        yield f"{where}/examples/{name}", schema.contents, example.contents["value"]
        for key in contents:
            if key not in {"example", "examples", "enum", "default"}:
                yield from _examples(node / key, f"{where}/{key}")
    elif isinstance(contents, list):
        for index in range(len(contents)):
            yield from _examples(node / index, f"{where}/{index}")


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_examples_validate_against_their_schemas(path: Path) -> None:
    document, base_uri = read_from_filename(str(path))
    root = SchemaPath.from_dict(document, base_uri=base_uri)
    found = list(_examples(root / "paths", "paths"))
    problems = [
        f"{where}: {finding.field} {finding.message}"
        for where, schema, example in found
        for finding in check(_inline_refs(schema, document), example)
    ]
    assert not problems
    assert found or path.name == "sandbox.yaml" or not document.get("paths")


def _inline_refs(node: Any, document: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _inline_refs(target, document)
        return {k: _inline_refs(v, document) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, document) for v in node]
    return node


def test_health_lists_every_mounted_api(client: Any) -> None:
    response = client.get("/sandbox/health")
    assert response.status_code == 200
    assert response.json()["apis"] == [spec.prefix for spec in discover_specs()]
    assert {"/aanmeld", "/eduv", "/sandbox", "/wimpel"} <= set(response.json()["apis"])
