"""The Aanmeld-API contract's own examples: each validates against its schema, and the request examples
are accepted by the sandbox exactly as written (a vendor may copy them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from koppelbox.validator.schema import check
from tests import aanmeld_support as s
from tests.support import ADMIN

ROOT = Path(__file__).resolve().parent.parent
SPEC = yaml.safe_load((ROOT / "openapi" / "aanmeld.yaml").read_text(encoding="utf-8"))
COMPONENTS = SPEC["components"]


def resolve(node: dict[str, Any], kind: str) -> dict[str, Any]:
    return COMPONENTS[kind][node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node


def examples() -> list[Any]:
    found = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for media in operation.get("requestBody", {}).get("content", {}).values():
                for name, example in media.get("examples", {}).items():
                    value = resolve(example, "examples")["value"]
                    found.append(pytest.param(media["schema"], value, id=f"{method} {path} request {name}"))
            for status, response in operation["responses"].items():
                for media in resolve(response, "responses").get("content", {}).values():
                    if "example" in media:
                        found.append(
                            pytest.param(media["schema"], media["example"], id=f"{method} {path} {status}")
                        )
    return found


@pytest.mark.parametrize(("schema", "example"), examples())
def test_every_example_matches_its_schema(schema: dict[str, Any], example: Any) -> None:
    assert check({**schema, "components": COMPONENTS}, example) == []


@pytest.mark.parametrize("name", sorted(COMPONENTS["examples"]))
def test_request_examples_are_accepted_as_written(client: TestClient, name: str) -> None:
    body = COMPONENTS["examples"][name]["value"]
    before = {p["stamnummer"] for p in client.get(f"{s.school_path()}/leerlingen", headers=ADMIN).json()}
    response = client.post(s.ENROL, json=body, headers=s.INSCHRIJFWIJZER)
    assert response.status_code == 201, response.text
    # Stored as written: a new pupil with exactly the sent pupil and parents, and the enrolment on its card.
    (new,) = [
        p
        for p in client.get(f"{s.school_path()}/leerlingen", headers=ADMIN).json()
        if p["stamnummer"] not in before
    ]
    assert new["codeExternePartij"] == body["codeExternePartij"]
    card = client.get(f"{s.school_path()}/leerlingen/{new['stamnummer']}", headers=ADMIN).json()
    assert card["gegevens"] == body["leerling"]
    assert [{k: v for k, v in o.items() if k not in {"id", "bron"}} for o in card["ouders"]] == body.get(
        "ouders", []
    )
    assert [e["id"] for e in card["aanmeldingen"]] == [response.json()["aanmeldingId"]]
    sent_documents = [
        {"bestandsnaam": d["bestandsnaam"], "type": d["type"]} for d in body.get("documenten", [])
    ]
    assert [
        {"bestandsnaam": d["bestandsnaam"], "type": d["type"]} for d in card["aanmeldingsdocumenten"]
    ] == sent_documents
    # What was sent is kept as sent, except each document's contents (stored once, as the file).
    assert card["aanmeldingen"][0]["verzonden"] == (
        {**body, "documenten": sent_documents} if "documenten" in body else body
    )
