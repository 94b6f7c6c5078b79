"""Back to the seed without a restart: over HTTP and from Python."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from koppelbox.resources import fixtures_dir
from koppelbox.server.app import create_app
from koppelbox.store import Store
from koppelbox.store.reload import FixturesInvalid
from tests.backends import every_backend  # noqa: F401  (this module runs on every store backend)
from tests.support import ADMIN, bearer

KOMPAS = bearer("kbx-kompas")
ORGS = "/wimpel/v1/organisations"


def test_reset_endpoint_restores_data_and_drops_issued_tokens(client: TestClient) -> None:
    client.post(ORGS, json={"id": "12AB", "name": "Nieuw", "sourceId": "s"}, headers=KOMPAS)
    client.delete(f"{ORGS}/96WD", headers=KOMPAS)
    issued = client.post(
        "/sandbox/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "partner-kompas",
            "client_secret": "kompas-secret",
        },
    ).json()["access_token"]

    response = client.post("/sandbox/reset", headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["status"] == "reset"

    assert [o["id"] for o in client.get(ORGS, headers=KOMPAS).json()] == ["96WD"]
    assert client.get(ORGS, headers=bearer(issued)).status_code == 401
    assert client.get(ORGS, headers=KOMPAS).status_code == 200  # static tokens survive


def test_reset_needs_the_admin_token(client: TestClient) -> None:
    client.delete(f"{ORGS}/96WD", headers=KOMPAS)
    refused = client.post("/sandbox/reset", headers=KOMPAS)
    assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized")
    assert client.get(ORGS, headers=KOMPAS).json() == []  # the deletion was not undone


def test_reset_from_python(store: Store) -> None:
    store.wimpel.delete("partner-kompas", "96WD")
    assert store.wimpel.page("partner-kompas", active=None, limit=10, offset=0).total == 0
    store.reset()
    assert [o["id"] for o in store.wimpel.page("partner-kompas", active=None, limit=10, offset=0).items] == [
        "96WD"
    ]


# Reset reads fixtures edited on disk again (fixtures/README.md), and survives fixtures that stopped loading.

MOZAIEK = "Christelijke Basisschool Het Mozaïek"


@pytest.fixture
def on_disk(tmp_path: Path) -> tuple[Path, TestClient]:
    """A sandbox over a copy of the shipped fixtures, which the test may edit."""
    directory = tmp_path / "fixtures"
    shutil.copytree(fixtures_dir(), directory)
    app = create_app(Store.from_directory(directory), validate_responses=True)
    return directory, TestClient(app)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _name_of_96wd(client: TestClient) -> str:
    organisations = client.get(ORGS, headers=KOMPAS).json()
    return str(next(o["name"] for o in organisations if o["id"] == "96WD"))


def test_reset_reads_fixtures_edited_on_disk(on_disk: tuple[Path, TestClient]) -> None:
    directory, client = on_disk
    assert _name_of_96wd(client) == MOZAIEK
    _edit(directory / "schools.yaml", MOZAIEK, "CBS Het Nieuwe Mozaïek")
    assert _name_of_96wd(client) == MOZAIEK  # not before the reset

    assert client.post("/sandbox/reset", headers=ADMIN).status_code == 200
    assert _name_of_96wd(client) == "CBS Het Nieuwe Mozaïek"


def test_a_broken_fixtures_file_keeps_the_data_and_names_the_file(on_disk: tuple[Path, TestClient]) -> None:
    directory, client = on_disk
    client.post(ORGS, json={"id": "12AB", "name": "Nieuw", "sourceId": "s"}, headers=KOMPAS)
    _edit(directory / "schools.yaml", "schools:", "schools: [")

    response = client.post("/sandbox/reset", headers=ADMIN)
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "fixtures_invalid"
    assert "schools.yaml" in problem["message"]
    assert problem["errors"][0]["field"] == "schools.yaml"
    # Nothing was reset: the data and the partner's own change are as they were.
    assert {o["id"] for o in client.get(ORGS, headers=KOMPAS).json()} == {"96WD", "12AB"}
    assert client.post("/sandbox/reset", headers=ADMIN).status_code == 409  # until the file is fixed

    _edit(directory / "schools.yaml", "schools: [", "schools:")
    assert client.post("/sandbox/reset", headers=ADMIN).status_code == 200
    assert [o["id"] for o in client.get(ORGS, headers=KOMPAS).json()] == ["96WD"]


def test_fixtures_of_the_wrong_shape_keep_the_data(tmp_path: Path) -> None:
    directory = tmp_path / "fixtures"
    shutil.copytree(fixtures_dir(), directory)
    store = Store.from_directory(directory)
    aanmeld = store.aanmeld
    _edit(directory / "aanmeld.yaml", "children: [26001]", "children: [26999]")
    with pytest.raises(FixturesInvalid) as raised:
        store.reset()
    assert "26999" in raised.value.errors[0].message
    assert store.aanmeld is aanmeld  # still the old, loaded data


def test_unchanged_fixtures_are_not_read_again(store: Store) -> None:
    fixtures = store.fixtures
    store.reset()
    assert store.fixtures is fixtures
