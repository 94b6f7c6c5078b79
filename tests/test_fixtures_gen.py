"""The fixture generator: reproducible to the byte, loadable, realistic, and valid against the contracts."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

from koppelbox.cli import main
from koppelbox.fixtures_gen import SERVE_SCHOOLS, generate, write
from koppelbox.fixtures_gen.world.names import ascii_slug, split_surname
from koppelbox.resources import openapi_dir
from koppelbox.rules import dutch
from koppelbox.server.app import create_app
from koppelbox.store import Store
from koppelbox.validator.schema import check
from tests import aanmeld_support
from tests.support import ADMIN, bearer

SCHOOLS = 12


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    write(generate(11, SCHOOLS), out)
    return out


@pytest.fixture(scope="module")
def store(generated: Path) -> Store:
    return Store.from_directory(generated)


def _schema(spec: str, name: str) -> dict[str, Any]:
    document = yaml.safe_load((openapi_dir() / spec).read_text(encoding="utf-8"))
    return {"$ref": f"#/components/schemas/{name}", "components": document["components"]}


def test_same_seed_gives_byte_identical_files(tmp_path: Path, generated: Path) -> None:
    write(generate(11, SCHOOLS), tmp_path)
    names = sorted(p.name for p in generated.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert all((generated / n).read_bytes() == (tmp_path / n).read_bytes() for n in names)


def test_another_seed_gives_other_data() -> None:
    first, second = generate(11, 3), generate(12, 3)
    assert [s["id"] for s in first["schools"]["schools"]] != [s["id"] for s in second["schools"]["schools"]]


def test_generation_leaves_global_random_state_alone() -> None:
    before = random.getstate()
    generate(5, 2)
    assert random.getstate() == before


def test_every_served_employee_validates_against_the_contract(store: Store) -> None:
    schema = _schema("eduv-employees.yaml", "Employee")
    findings = [(e.document.get("familyName"), check(schema, dict(e.document))) for e in store.eduv.employees]
    assert [f for f in findings if f[1]] == []
    assert len(findings) == 100 * SCHOOLS


def test_every_wimpel_organisation_validates_against_the_contract(store: Store) -> None:
    schema = _schema("wimpel.yaml", "Organisation")
    # The Wimpel partners; the Aanmeld partners are partners too, of another API.
    clients = [c for c in store.identity.clients.values() if "wimpel.organisations.read" in c.scopes]
    assert clients
    for client in clients:
        page = store.wimpel.page(client.id, active=None, limit=1000, offset=0)
        assert page.items
        assert all(check(schema, organisation) == [] for organisation in page.items)


def test_schools_look_dutch(generated: Path) -> None:
    schools = yaml.safe_load((generated / "schools.yaml").read_text(encoding="utf-8"))["schools"]
    assert {s["sector"] for s in schools} == {"PO", "VO"}
    for school in schools:
        assert dutch.brin_problem(school["id"]) is None
        assert school["boards"]
        assert next(loc["type"] for loc in school["locations"]) == "hoofdlocatie"
        assert all(dutch.brin6_problem(loc["id"]) is None for loc in school["locations"])


def test_every_identifier_type_occurs(store: Store) -> None:
    org_types = {
        i["organisationIdType"]
        for school in store.eduv.schools.values()
        for ids in school.units.values()
        for i in ids
    }
    assert org_types == {"OIE_CODE", "BP_ID", "DD_ID", "AS_ID", "V_ID"}
    user_types = {u["userIdType"] for e in store.eduv.employees for u in e.document["userIds"]}
    assert user_types == {"NEPPI", "BPI", "eduID", "NEPRI", "ASI", "eckId"}


def test_employees_look_like_school_staff(store: Store) -> None:
    documents = [e.document for e in store.eduv.employees]
    for document in documents:
        eck = next(u["userId"] for u in document["userIds"] if u["userIdType"] == "eckId")
        assert dutch.eck_id_problem(eck) is None
        if "email" in document:
            assert re.fullmatch(r"[a-z0-9.]+@[a-z0-9]+\.example", document["email"])
    prefixes = Counter(d.get("familyNamePrefix") for d in documents)
    assert prefixes["van"]
    assert prefixes["de"]
    assert not any(d["familyName"].split()[0] in {"van", "de", "der"} for d in documents)
    assert Counter(d["status"] for d in documents)["tobedeleted"] > 0
    assert any("endDate" in r for d in documents for r in d["organisationRoles"])
    assert any("preferredFirstName" in d for d in documents)


def test_namesakes_within_a_school_get_distinct_aliases(store: Store) -> None:
    by_name: dict[tuple[str, str, str, str], list[Any]] = {}
    for e in store.eduv.employees:
        d = e.document
        by_name.setdefault(
            (e.school_id, d["givenName"], d.get("familyNamePrefix", ""), d["familyName"]), []
        ).append(d)
    namesakes = [group for group in by_name.values() if len(group) > 1]
    assert namesakes
    for group in namesakes:
        assert len({d["alias"] for d in group}) == len(group)


def test_the_last_school_consented_to_no_one(store: Store) -> None:
    schools = list(store.eduv.schools)
    assert all(schools[-1] not in consented for consented in store.eduv.consents.by_consumer.values())


def test_exact_employee_count_when_asked() -> None:
    assert len(generate(3, 4, 77)["eduv"]["employees"]) == 77


@pytest.mark.parametrize(
    ("surname", "split"),
    [
        ("de Vries", ("de", "Vries")),
        ("van der Meer", ("van der", "Meer")),
        ("Jansen", ("", "Jansen")),
        ("Bourgondië, van", None),
        ("Aelftrud van Wessex", None),
        ("Le Grand", None),
    ],
)
def test_surnames_are_split_as_registers_keep_them(surname: str, split: tuple[str, str] | None) -> None:
    assert split_surname(surname) == split


def test_mail_slugs_are_plain_ascii() -> None:
    assert ascii_slug("van der Meer") == "vandermeer"
    assert ascii_slug("Yılmaz") == "yilmaz"
    assert ascii_slug("Zoë") == "zoe"


def test_seed_zero_serves_the_shipped_fixtures_only() -> None:
    assert set(Store.from_directory().eduv.schools) == {"16SK", "99XA", "98YB", "97ZC", "96WD"}


def test_another_seed_adds_generated_schools_to_the_shipped_ones() -> None:
    seeded = Store.from_directory(seed=7)
    assert {"16SK", "97ZC"} <= set(seeded.eduv.schools)
    assert len(seeded.eduv.schools) == 5 + SERVE_SCHOOLS
    assert seeded.identity.admin_token == "kbx-admin-local"
    again = Store.from_directory(seed=7)
    assert [e.document for e in again.eduv.employees] == [e.document for e in seeded.eduv.employees]


def test_a_generated_consumer_can_call_the_api() -> None:
    store = Store.from_directory(seed=7)
    school_id = next(iter(store.eduv.consents.by_consumer["gen-identiteit"]))
    master = store.eduv.schools[school_id].master_id
    with TestClient(create_app(store, validate_responses=True)) as client:
        response = client.get(
            "/eduv/v1/employees/school", params={"orgMasterId": master}, headers=bearer("kbx-gen7-identiteit")
        )
    assert response.status_code == 200, response.text
    assert response.json()


def test_cli_writes_a_directory_serve_can_load(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["fixtures", "generate", "--seed", "4", "--schools", "3", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {
        "clients.yaml",
        "schools.yaml",
        "wimpel.yaml",
        "eduv.json",
        "aanmeld.yaml",
    }
    assert len(Store.from_directory(tmp_path).eduv.schools) == 3


# Aanmeld: a generated world serves all three APIs.


def _aanmeld(generated: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((generated / "aanmeld.yaml").read_text(encoding="utf-8")))


def test_aanmeld_schools_partners_and_pupils_look_right(generated: Path, store: Store) -> None:
    document = _aanmeld(generated)
    assert document["schools"]
    assert next(iter(document["schools"])) == next(iter(store.eduv.schools))  # the first school takes part
    partners = {p.aanmeld_api_id: p.client_id for p in store.aanmeld.partners.values()}
    assert partners == {901: "gen-aanmeldportaal", 902: "gen-inschrijfhulp"}
    for client_id in partners.values():
        client = store.identity.clients[client_id]
        assert client.kind == "partner"
        assert "aanmeld.aanmeldingen.write" in client.scopes
    schools = list(document["schools"].values())
    assert schools[-1]["partners"] == []  # the last one switched no one on: a 403 to try
    pupils = [p for school in schools for p in school["pupils"]]
    assert pupils
    for pupil in pupils:
        if "pgn" in pupil["data"]:
            assert dutch.pgn_problem(pupil["data"]["pgn"]) is None
        assert dutch.postcode_problem(pupil["data"]["adres"]["postcode"]) is None
    children = {c for school in schools for parent in school["parents"] for c in parent["children"]}
    assert children == {p["stamnummer"] for p in pupils}


def test_a_generated_partner_enrols_a_pupil(generated: Path) -> None:
    document = _aanmeld(generated)
    brin, school = next(
        (b, s) for b, s in document["schools"].items() if s["partners"] and s["related_schools"]
    )
    slug = {901: "aanmeldportaal", 902: "inschrijfhulp"}[school["partners"][0]]
    origin = school["related_schools"][0]
    body = aanmeld_support.enrolment(
        brin=brin,
        gewensteLocatie="Brugklas",
        vooropleiding={"brin": origin["brin"], "naam": origin["naam"], "advies": "havo"},
    )
    with TestClient(create_app(Store.from_directory(generated), validate_responses=True)) as client:
        before = client.get(f"/sandbox/aanmeld/scholen/{brin}/leerlingen", headers=ADMIN).json()
        response = client.post(aanmeld_support.ENROL, json=body, headers=bearer(f"kbx-gen11-{slug}"))
        assert response.status_code == 201, response.text
        after = client.get(f"/sandbox/aanmeld/scholen/{brin}/leerlingen", headers=ADMIN).json()
    assert len(before) == len(school["pupils"])
    assert len(after) == len(before) + 1
    assert "Dijkstra" in {p["achternaam"] for p in after}


def test_serve_with_a_seed_adds_aanmeld_schools() -> None:
    shipped = set(Store.from_directory().aanmeld.records.brins())
    seeded = Store.from_directory(seed=7)
    brins = set(seeded.aanmeld.records.brins())
    assert shipped < brins
    assert {"gen-aanmeldportaal", "partner-inschrijfwijzer"} <= set(seeded.aanmeld.partners)
    assert len(seeded.aanmeld.known_advice) == len(set(seeded.aanmeld.known_advice))
