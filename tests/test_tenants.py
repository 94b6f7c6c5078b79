"""Tenants: isolated worlds at `/tenants/<id>/`, created and removed by the operator (control plane).

Each tenant has its own clients' credentials, data, journal, scenario state and reset; nothing of one is
visible to or changeable by another, at every API, the control plane, the journal and certify. Without
tenants the sandbox is exactly what it was: one world at `/`.
"""

from __future__ import annotations

import json
import shutil
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

import koppelbox.store.sql.tenants as sql_tenants
from koppelbox.cli import main
from koppelbox.cli.options import open_state
from koppelbox.cli.serve import WORKER_SETTINGS, WorkerSettings, worker_app
from koppelbox.conformance.local import serving
from koppelbox.resources import fixtures_dir
from koppelbox.server.app import create_app
from koppelbox.store import Store
from koppelbox.store.interfaces import DEFAULT_TENANT
from koppelbox.store.tenants import MemoryTenants, TenantExists, tenant_fixtures
from tests.aanmeld_support import enrolment
from tests.lane_support import Handoffs, with_and_without_lane
from tests.support import ADMIN, FakeClock, bearer

ORGS = "/wimpel/v1/organisations"
EDUV = "/eduv/v1/employees/school?orgMasterId=100X016"
ENROL = "/aanmeld/v1/aanmeldingen"
TENANTS = "/sandbox/tenants"
# One seeded client per API, as `fixtures/clients.yaml` names them, and its first static token there.
SEEDED = {"wimpel": "partner-kompas", "eduv": "consumer-sleutelbos", "aanmeld": "partner-inschrijfwijzer"}
DEFAULT_TOKENS = {"wimpel": "kbx-kompas", "eduv": "kbx-sleutelbos", "aanmeld": "kbx-inschrijfwijzer"}


@pytest.fixture(scope="module")
def fixtures_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The operator's tenant fixtures directory, with one folder: a copy of the seed."""
    root = tmp_path_factory.mktemp("tenant-fixtures")
    shutil.copytree(fixtures_dir(), root / "school-a")
    return root


@pytest.fixture(scope="module")
def app(fixtures_root: Path) -> Any:
    return create_app(Store.from_directory(), validate_responses=True, tenant_fixtures=fixtures_root)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """The module's app with no tenant but the default, at its seed, its journal empty."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
        for tenant in test_client.get(TENANTS, headers=ADMIN).json():
            if tenant["id"] != DEFAULT_TENANT:
                test_client.delete(f"{TENANTS}/{tenant['id']}", headers=ADMIN)
    app.sandbox.store.reset()
    app.sandbox.journal.clear()


def create(client: TestClient, tenant_id: str, **body: Any) -> dict[str, Any]:
    response = client.post(TENANTS, json={"id": tenant_id, **body}, headers=ADMIN)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def token_of(tenant: dict[str, Any], client_id: str) -> str:
    """The client's first static token in the tenant (as the operator hands it to the vendor)."""
    (found,) = [c for c in tenant["clients"] if c["id"] == client_id]
    token: str = found["tokens"][0]["token"]
    return token


def api_call(client: TestClient, api: str, base: str, token: str) -> Any:
    """One authenticated call of each API: a read (Wimpel, Edu-V) or an enrolment (Aanmeld)."""
    if api == "aanmeld":
        return client.post(base + ENROL, json=enrolment(), headers=bearer(token))
    return client.get(base + (ORGS if api == "wimpel" else EDUV), headers=bearer(token))


def journal(client: TestClient, base: str, admin: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(base + "/sandbox/journal", headers=admin)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


# --- without configuration -------------------------------------------------------------------------------


def test_without_configuration_there_is_one_tenant_served_at_the_root(client: TestClient) -> None:
    tenants = client.get(TENANTS, headers=ADMIN).json()
    assert [(t["id"], t["baseUrl"]) for t in tenants] == [("default", "/")]
    assert client.get(ORGS, headers=bearer("kbx-kompas")).status_code == 200


def test_the_tenant_registry_is_the_operators_alone(client: TestClient) -> None:
    assert client.get(TENANTS).status_code == 401
    assert client.get(TENANTS, headers=bearer("kbx-kompas")).status_code == 401  # a client is no admin
    acme = create(client, "acme")
    inside = bearer(acme["adminToken"])
    refused = client.post(f"/tenants/acme{TENANTS}", json={"id": "other"}, headers=inside)
    assert refused.status_code == 403
    assert refused.json()["code"] == "operator_only"
    assert client.get(f"/tenants/acme{TENANTS}/acme", headers=inside).status_code == 403
    assert client.get(TENANTS, headers=inside).status_code == 401  # the tenant's admin token is not root's


# --- creation and removal --------------------------------------------------------------------------------


def test_a_created_tenant_is_described_with_credentials_of_its_own(client: TestClient) -> None:
    response = client.post(TENANTS, json={"id": "acme"}, headers=ADMIN)
    assert response.status_code == 201
    assert response.headers["location"] == "/sandbox/tenants/acme"
    acme = response.json()
    assert acme["baseUrl"] == "/tenants/acme"
    assert acme["source"] == "sandbox fixtures, seed 0"
    assert acme["adminToken"] != "kbx-admin-local"
    default_tokens = {
        t["token"] for c in client.get("/sandbox/clients", headers=ADMIN).json() for t in c["tokens"]
    }
    acme_tokens = {t["token"] for c in acme["clients"] for t in c["tokens"]}
    assert len(acme_tokens) == len(default_tokens)
    assert not acme_tokens & default_tokens
    assert acme["secrets"]["partner-kompas"] != "kompas-secret"
    assert token_of(acme, "partner-kompas").startswith("kbx-kompas.acme.")  # recognisable, not guessable
    assert client.get(f"{TENANTS}/acme", headers=ADMIN).json() == acme
    listed = client.get(TENANTS, headers=ADMIN).json()
    assert [t["id"] for t in listed] == ["default", "acme"]
    assert "adminToken" not in listed[1]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"id": "acme"}, 409, "tenant_exists"),
        ({"id": "default"}, 409, "tenant_default"),
        ({"id": "Acme"}, 400, "invalid_request"),
        ({"id": "a/b"}, 400, "invalid_request"),
        ({"id": "b", "fixtures": "../school-a"}, 400, "invalid_request"),
        ({"id": "b", "fixtures": "/etc"}, 400, "invalid_request"),
        ({"id": "b", "fixtures": "no-such-folder"}, 400, "invalid_request"),
        ({"id": "b", "seed": -1}, 400, "invalid_request"),
    ],
)
def test_a_tenant_that_cannot_be_created_is_a_clear_4xx(
    client: TestClient, body: dict[str, Any], status: int, code: str
) -> None:
    create(client, "acme")
    response = client.post(TENANTS, json=body, headers=ADMIN)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert [t["id"] for t in client.get(TENANTS, headers=ADMIN).json()] == ["default", "acme"]


def test_a_removed_tenant_is_gone_with_its_tokens_and_journal(client: TestClient) -> None:
    acme = create(client, "acme")
    token = token_of(acme, "partner-kompas")
    assert client.get(f"/tenants/acme{ORGS}", headers=bearer(token)).status_code == 200

    assert client.delete(f"{TENANTS}/acme", headers=ADMIN).status_code == 204

    gone = client.get(f"/tenants/acme{ORGS}", headers=bearer(token))
    assert gone.status_code == 404
    assert gone.json() == {
        "status": 404,
        "code": "tenant_unknown",
        "message": "No tenant is served at this URL; the operator lists them at GET /sandbox/tenants.",
        "errors": [],
    }
    assert client.get(f"{TENANTS}/acme", headers=ADMIN).status_code == 404
    assert client.delete(f"{TENANTS}/acme", headers=ADMIN).json()["code"] == "tenant_unknown"
    assert client.get(ORGS, headers=bearer(token)).status_code == 401  # nor is it valid at the root
    # Created again, it is a new world: new credentials, an empty journal.
    again = create(client, "acme")
    assert token_of(again, "partner-kompas") != token
    assert journal(client, "/tenants/acme", bearer(again["adminToken"])) == []


def test_the_default_tenant_cannot_be_removed(client: TestClient) -> None:
    response = client.delete(f"{TENANTS}/default", headers=ADMIN)
    assert response.status_code == 409
    assert response.json()["code"] == "tenant_default"
    assert client.get(ORGS, headers=bearer("kbx-kompas")).status_code == 200


def test_an_unknown_tenant_answers_404_and_is_journalled_nowhere(client: TestClient) -> None:
    response = client.get(f"/tenants/nobody{ORGS}", headers=bearer("kbx-kompas"))
    assert response.status_code == 404
    assert response.json()["code"] == "tenant_unknown"
    assert journal(client, "", ADMIN) == []


def test_a_tenant_from_a_fixtures_folder_serves_that_folder(client: TestClient, fixtures_root: Path) -> None:
    folder = fixtures_root / "school-a"
    clients = yaml.safe_load((folder / "clients.yaml").read_text(encoding="utf-8"))
    clients["clients"] = [c for c in clients["clients"] if c["id"] == "partner-kompas"]
    (folder / "clients.yaml").write_text(yaml.safe_dump(clients), encoding="utf-8")

    school_a = create(client, "school-a", fixtures="school-a")
    assert school_a["source"] == "folder school-a, seed 0"
    assert [c["id"] for c in school_a["clients"]] == ["partner-kompas"]
    assert len(client.get("/sandbox/clients", headers=ADMIN).json()) > 1  # the default is as it was


def test_a_fixtures_folder_that_does_not_load_makes_no_tenant(
    client: TestClient, fixtures_root: Path
) -> None:
    broken = fixtures_root / "broken"
    shutil.copytree(fixtures_dir(), broken)
    (broken / "wimpel.yaml").write_text("organisations: [unclosed\n", encoding="utf-8")
    response = client.post(TENANTS, json={"id": "broken", "fixtures": "broken"}, headers=ADMIN)
    assert response.status_code == 409
    assert response.json()["code"] == "fixtures_invalid"
    assert response.json()["errors"][0]["field"] == "wimpel.yaml"
    assert [t["id"] for t in client.get(TENANTS, headers=ADMIN).json()] == ["default"]


def test_a_tenant_of_another_seed_has_the_generated_schools(client: TestClient) -> None:
    seeded = create(client, "big", seed=1)
    assert seeded["source"] == "sandbox fixtures, seed 1"
    admin = bearer(seeded["adminToken"])
    schools = client.get("/tenants/big/sandbox/aanmeld/scholen", headers=admin).json()
    assert len(schools) > len(client.get("/sandbox/aanmeld/scholen", headers=ADMIN).json())


# --- isolation, API by API --------------------------------------------------------------------------------


@pytest.mark.parametrize("api", SEEDED)
def test_a_token_belongs_to_one_tenant_and_elsewhere_gets_the_apis_own_401(
    client: TestClient, api: str
) -> None:
    acme, beta = create(client, "acme"), create(client, "beta")
    acme_token, beta_token = token_of(acme, SEEDED[api]), token_of(beta, SEEDED[api])
    # Each works at home (the token of the first static entry: usable for the call).
    assert api_call(client, api, "/tenants/acme", acme_token).status_code in (200, 201)
    assert api_call(client, api, "", DEFAULT_TOKENS[api]).status_code in (200, 201)
    # ... and nowhere else, answered in that API's own 401.
    at_home = api_call(client, api, "", "no-such-token")
    for base, token in (
        ("", acme_token),
        ("/tenants/beta", acme_token),
        ("/tenants/acme", beta_token),
        ("/tenants/acme", DEFAULT_TOKENS[api]),
    ):
        refused = api_call(client, api, base, token)
        assert refused.status_code == 401, (base, refused.text)
        assert refused.json() == at_home.json()


def test_wimpel_data_is_the_tenants_own(client: TestClient) -> None:
    acme, beta = create(client, "acme"), create(client, "beta")
    kompas_acme, kompas_beta = (
        bearer(token_of(acme, "partner-kompas")),
        bearer(token_of(beta, "partner-kompas")),
    )
    created = client.post(
        f"/tenants/acme{ORGS}",
        json={"id": "12AB", "name": "Alleen Acme", "sourceId": "s"},
        headers=kompas_acme,
    )
    assert created.status_code == 201
    assert created.headers["location"] == f"/tenants/acme{ORGS}/12AB"  # a URL the vendor can follow
    assert client.get(created.headers["location"], headers=kompas_acme).status_code == 200
    assert client.delete(f"{ORGS}/96WD", headers=bearer("kbx-kompas")).status_code == 204  # at the root

    def ids(base: str, token: dict[str, str]) -> list[str]:
        return sorted(o["id"] for o in client.get(base + ORGS, headers=token).json())

    assert ids("/tenants/acme", kompas_acme) == ["12AB", "96WD"]
    assert ids("/tenants/beta", kompas_beta) == ["96WD"]
    assert ids("", bearer("kbx-kompas")) == []
    history = "/sandbox/wimpel/partner-kompas/organisations/12AB/history"
    assert client.get(f"/tenants/acme{history}", headers=bearer(acme["adminToken"])).status_code == 200
    assert client.get(f"/tenants/beta{history}", headers=bearer(beta["adminToken"])).status_code == 404
    assert client.get(history, headers=ADMIN).status_code == 404


def test_aanmeld_pupils_and_numbers_are_the_tenants_own(client: TestClient) -> None:
    acme = create(client, "acme")
    admin = bearer(acme["adminToken"])
    pupils = "/sandbox/aanmeld/scholen/99XA/leerlingen"
    before = client.get(pupils, headers=ADMIN).json()

    sent = client.post(
        f"/tenants/acme{ENROL}", json=enrolment(), headers=bearer(token_of(acme, "partner-inschrijfwijzer"))
    )
    assert sent.status_code == 201, sent.text
    assert client.get(pupils, headers=ADMIN).json() == before  # the root's school did not change
    (new,) = [p for p in client.get(f"/tenants/acme{pupils}", headers=admin).json() if p not in before]
    # The same pupil sent at the root is new there too, and gets the same lowest free number.
    at_root = client.post(ENROL, json=enrolment(), headers=bearer("kbx-inschrijfwijzer"))
    assert at_root.status_code == 201
    (also_new,) = [p for p in client.get(pupils, headers=ADMIN).json() if p not in before]
    assert also_new["stamnummer"] == new["stamnummer"]

    pupil = client.get(f"/tenants/acme{pupils}/{new['stamnummer']}", headers=admin).json()
    for document in pupil["aanmeldingsdocumenten"]:  # download links lead into the tenant
        assert document["download"].startswith("/tenants/acme/sandbox/aanmeld/scholen/99XA/documenten/")
        assert client.get(document["download"], headers=admin).status_code == 200


def test_edu_v_answers_each_tenant_from_its_own_world(client: TestClient) -> None:
    acme = create(client, "acme")
    token = bearer(token_of(acme, "consumer-sleutelbos"))
    at_acme = client.get(f"/tenants/acme{EDUV}", headers=token)
    assert at_acme.status_code == 200
    assert at_acme.json() == client.get(EDUV, headers=bearer("kbx-sleutelbos")).json()  # the same seed


# --- the control plane, scenario state, the journal -------------------------------------------------------


def test_reset_applies_to_one_tenant(client: TestClient) -> None:
    acme = create(client, "acme")
    kompas_acme = bearer(token_of(acme, "partner-kompas"))
    client.delete(f"/tenants/acme{ORGS}/96WD", headers=kompas_acme)
    client.delete(f"{ORGS}/96WD", headers=bearer("kbx-kompas"))

    assert client.post("/tenants/acme/sandbox/reset", headers=bearer(acme["adminToken"])).status_code == 200

    assert [o["id"] for o in client.get(f"/tenants/acme{ORGS}", headers=kompas_acme).json()] == ["96WD"]
    assert client.get(ORGS, headers=bearer("kbx-kompas")).json() == []  # the root's delete stands
    assert client.get(f"/tenants/acme{ORGS}", headers=kompas_acme).status_code == 200  # its tokens survive


def test_each_control_plane_takes_its_own_admin_token_only(client: TestClient) -> None:
    acme, beta = create(client, "acme"), create(client, "beta")
    for base, admin in (
        ("/tenants/acme", beta["adminToken"]),
        ("/tenants/acme", "kbx-admin-local"),
        ("", acme["adminToken"]),
    ):
        assert client.post(f"{base}/sandbox/reset", headers=bearer(admin)).status_code == 401
        assert client.get(f"{base}/sandbox/journal", headers=bearer(admin)).status_code == 401
    listed = client.get("/tenants/acme/sandbox/clients", headers=bearer(acme["adminToken"])).json()
    assert {t["token"] for c in listed for t in c["tokens"]} == {
        t["token"] for c in acme["clients"] for t in c["tokens"]
    }


def test_token_endpoint_and_scenario_state_are_per_tenant(client: TestClient) -> None:
    acme = create(client, "acme")
    form = {"grant_type": "client_credentials", "client_id": "partner-kompas"}
    refused = client.post(
        "/tenants/acme/sandbox/oauth2/token", data={**form, "client_secret": "kompas-secret"}
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    issued = client.post(
        "/tenants/acme/sandbox/oauth2/token",
        data={**form, "client_secret": acme["secrets"]["partner-kompas"]},
    )
    assert issued.status_code == 200
    token = bearer(issued.json()["access_token"])
    assert client.get(ORGS, headers=token).status_code == 401  # an issued token is its tenant's too
    # The `401` scenario expires the token it came with, in its tenant: resent there, it is expired.
    played = client.get(f"/tenants/acme{ORGS}", headers={**token, "Prefer": "kbx-scenario=401"})
    assert played.status_code == 401
    resent = client.get(f"/tenants/acme{ORGS}", headers=token)
    assert resent.status_code == 401
    assert "expired" in resent.json()["message"]


def test_each_tenant_journals_its_own_exchanges(client: TestClient) -> None:
    acme, beta = create(client, "acme"), create(client, "beta")
    client.get(f"/tenants/acme{ORGS}", headers=bearer(token_of(acme, "partner-kompas")))
    client.get(f"/tenants/acme{ORGS}", headers=bearer("kbx-kompas"))  # a root token tried at acme
    client.get(ORGS, headers=bearer("kbx-noordstar"))

    at_acme = journal(client, "/tenants/acme", bearer(acme["adminToken"]))
    assert [(e["client"], e["status"], e["path"]) for e in at_acme] == [
        ("partner-kompas", 200, ORGS),
        (None, 401, ORGS),  # a token of another tenant names no client here
    ]
    root = journal(client, "", ADMIN)
    assert [(e["client"], e["path"]) for e in root if e["api"] == "wimpel"] == [("partner-noordstar", ORGS)]
    assert journal(client, "/tenants/beta", bearer(beta["adminToken"])) == []

    cleared = client.delete("/tenants/acme/sandbox/journal", headers=bearer(acme["adminToken"]))
    assert cleared.json() == {"cleared": 2}
    assert [e["client"] for e in journal(client, "", ADMIN) if e["api"] == "wimpel"] == ["partner-noordstar"]


def test_a_tenants_pages_and_links_stay_in_the_tenant(client: TestClient) -> None:
    create(client, "acme")
    redirect = client.get("/tenants/acme/sandbox", follow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "/tenants/acme/sandbox/ui/"
    # The tenant's Swagger UI loads the tenant's contract, whose server is the tenant: "Try it out" stays.
    ui = client.get("/tenants/acme/wimpel/ui/")
    assert ui.status_code == 200
    assert '"/tenants/acme/wimpel/openapi.json"' in ui.text
    contract = client.get("/tenants/acme/wimpel/openapi.json").json()
    assert contract["servers"][0]["url"] == "http://testserver/tenants/acme/wimpel"
    assert client.get("/wimpel/openapi.json").json()["servers"][0]["url"] == "http://testserver/wimpel"
    health = client.get("/tenants/acme/health")
    assert health.status_code == 200
    assert health.json() == client.get("/health").json()


# --- certify, over HTTP ----------------------------------------------------------------------------------


def http(url: str, method: str = "GET", token: str | None = None, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def test_certify_judges_a_tenant_from_its_base_url_alone(tmp_path: Path) -> None:
    with serving(create_app(Store.from_directory())) as url:
        status, acme = http(f"{url}{TENANTS}", "POST", "kbx-admin-local", {"id": "acme"})
        assert status == 201
        base = f"{url}/tenants/acme"
        for _ in range(3):
            assert http(base + ORGS, token=token_of(acme, "partner-kompas"))[0] == 200
        http(url + ORGS, token="kbx-noordstar")  # another vendor, at the root

        def certify(at: str, admin: str, client_id: str, out: str) -> Any:
            return CliRunner().invoke(
                main,
                [
                    "certify",
                    "--api",
                    "wimpel",
                    "--client",
                    client_id,
                    "--url",
                    at,
                    "--admin-token",
                    admin,
                    "--out",
                    str(tmp_path / out),
                ],
            )

        judged = certify(base, acme["adminToken"], "partner-kompas", "acme")
        assert judged.exit_code == 1, judged.output  # three reads are judged, and far from certified
        evidence = json.loads((tmp_path / "acme" / "evidence.json").read_text(encoding="utf-8"))
        assert evidence["status"] == "FAILED"
        assert evidence["source"] == f"{base}/sandbox/journal"
        # The root's journal holds nothing of acme's client, and acme's nothing of the root's.
        assert certify(url, "kbx-admin-local", "partner-kompas", "root").exit_code == 2
        assert certify(base, acme["adminToken"], "partner-noordstar", "other").exit_code == 2
        # A tenant's admin token does not read the root's journal.
        assert certify(url, acme["adminToken"], "partner-noordstar", "stolen").exit_code != 0
        read = CliRunner().invoke(
            main, ["journal", "--url", base, "--admin-token", acme["adminToken"], "--json"]
        )
        assert read.exit_code == 0, read.output
        assert {e["client"] for e in json.loads(read.output)["entries"]} == {"partner-kompas"}


# --- the registry, without HTTP ----------------------------------------------------------------------------


def test_concurrent_creates_of_one_id_make_one_tenant() -> None:
    default = Store.from_directory()
    tenants = MemoryTenants(default)
    start = threading.Barrier(8)
    made: list[Any] = []
    refused: list[TenantExists] = []

    def create_acme() -> None:
        fixtures = tenant_fixtures(default.fixtures, "acme")
        start.wait()
        try:
            made.append(tenants.create("acme", fixtures, "seed"))
        except TenantExists as exc:
            refused.append(exc)

    threads = [threading.Thread(target=create_acme) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert len(refused) == 7
    assert tenants.world("acme") is made[0]
    assert tenants.world(DEFAULT_TENANT) is default
    assert tenants.drop("acme")
    assert tenants.world("acme") is None
    assert not tenants.drop("acme")


def test_the_web_inspector_is_the_default_tenants_and_not_served_inside_a_tenant() -> None:
    from koppelbox.web import mount

    app = create_app(Store.from_directory())
    mount(app, host="127.0.0.1")
    with TestClient(app, base_url="http://127.0.0.1") as client:
        create(client, "acme")
        assert client.get("/inspector/journal").status_code == 200
        for path in ("/tenants/acme/", "/tenants/acme/inspector/journal"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.headers["content-type"] == "application/json"


# --- `koppelbox serve`, with the tenant registry in a database --------------------------------------------


def test_two_workers_of_serve_state_share_a_tenant_made_from_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `serve --state sqlite:///... --tenant-fixtures DIR --workers 2` gives each worker, built twice
    in this process as the workers build it (`worker_app`, from the settings the parent hands down): a
    tenant created through one worker is served by the other, from the folder the operator named."""
    folder = tmp_path / "tenant-fixtures" / "school-a"
    shutil.copytree(fixtures_dir(), folder)
    state = f"sqlite:///{tmp_path / 'state.db'}"
    settings = WorkerSettings(
        "127.0.0.1", None, 0, 1 << 20, False, 100, True, "text", "never", state, folder.parent
    )
    open_state(state, None, 0).close()  # the parent migrates and seeds before any worker starts
    # A worker checks a world it holds against the table at most once a second (store/sql/tenants.py):
    # always, here, so that a removal through one worker shows on the other at once.
    monkeypatch.setattr(sql_tenants, "RECHECK_SECONDS", 0.0)
    monkeypatch.setenv(WORKER_SETTINGS, settings.to_json())
    first, second = worker_app(), worker_app()
    with TestClient(first) as one, TestClient(second) as other:
        acme = create(one, "acme", fixtures="school-a")
        assert acme["source"] == "folder school-a, seed 0"
        token = bearer(token_of(acme, "partner-kompas"))
        assert other.get(f"/tenants/acme{ORGS}", headers=token).status_code == 200
        assert other.get(ORGS, headers=token).status_code == 401
        assert other.delete(f"{TENANTS}/acme", headers=ADMIN).status_code == 204
        assert one.get(f"/tenants/acme{ORGS}", headers=token).json()["code"] == "tenant_unknown"
    for app in (first, second):
        app.sandbox.store.close()


# --- the fast lane ---------------------------------------------------------------------------------------


def test_a_tenants_requests_take_the_lane_and_get_the_stacks_answers() -> None:
    """A tenant's ordinary requests are served by the fast lane (no slower than the root's), with the same
    answers and journal as the full stack (tests/test_lane.py holds the root to the same)."""

    def run(fast_lane: bool) -> tuple[list[Any], list[Any], list[bool]]:
        app = create_app(
            Store.from_directory(clock=FakeClock()), validate_responses=True, fast_lane=fast_lane
        )
        answers, handed_on = [], []
        with TestClient(app) as client:
            acme = create(client, "acme")
            kompas = bearer(token_of(acme, "partner-kompas"))
            portal = bearer(token_of(acme, "partner-inschrijfwijzer"))
            admin = bearer(acme["adminToken"])
            organisation = {"id": "12AB", "name": "Acme", "sourceId": "s"}
            for method, path, headers, body in [
                ("GET", ORGS, kompas, None),
                ("POST", ORGS, kompas, organisation),
                ("GET", f"{ORGS}/12AB", kompas, None),
                ("DELETE", f"{ORGS}/96WD", kompas, None),
                ("GET", ORGS, bearer("kbx-kompas"), None),  # the root's token: refused
                ("POST", ENROL, portal, enrolment()),
                ("GET", EDUV, bearer(token_of(acme, "consumer-sleutelbos")), None),
                ("GET", "/sandbox/aanmeld/scholen/99XA/leerlingen", admin, None),
            ]:
                before = Handoffs.count
                response = client.request(method, f"/tenants/acme{path}", headers=headers, json=body)
                handed_on.append(Handoffs.count > before)
                answers.append((response.status_code, sorted(response.headers.items()), response.content))
            entries = journal(client, "/tenants/acme", admin)
        volatile = {"at", "time", "elapsed_ms"}
        return answers, [{k: v for k, v in e.items() if k not in volatile} for e in entries], handed_on

    (lane_answers, lane_journal, handed_on), (stack_answers, stack_journal, _) = with_and_without_lane(run)
    assert lane_answers == stack_answers
    assert lane_journal == stack_journal
    assert [status for status, _, _ in lane_answers] == [200, 201, 200, 204, 401, 201, 200, 200]
    # All but the refused one were served by the lane itself (a refusal is always the stack's).
    assert handed_on == [False, False, False, False, True, False, False, False]
