"""The public Python API: `koppelbox.Sandbox`, the whole sandbox served in a background thread of a test.

    with Sandbox() as sb:
        token = sb.token("partner-noordstar")
        httpx.get(f"{sb.base_url}/wimpel/v1/organisations", headers={"Authorization": f"Bearer {token}"})
        sb.certify("wimpel", "partner-noordstar").status

It is what the CLI's `serve`, `tokens`, `journal` and `certify` give on the command line, for a test: real
HTTP on a free loopback port (`base_url`) or in-process (`asgi_app`), tokens for the seeded clients, the
journal, a fast `reset()`, the scenario catalogue, the school's view of what a client created, and the
same certification verdict as `koppelbox certify`. The pytest plugin (`koppelbox.pytest_plugin`) is a thin
front end of this class. docs/python.md shows it in use.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from types import TracebackType
from typing import Any

from koppelbox.conformance.certify import UnknownClient
from koppelbox.conformance.certify import certify as judge
from koppelbox.conformance.local import ThreadedServer
from koppelbox.conformance.verdicts import Report
from koppelbox.contracts import api_names
from koppelbox.journal import Journal, JournalEntry, JournalFilter
from koppelbox.resources import fixtures_dir
from koppelbox.rules import oauth
from koppelbox.scenarios import Scenario, load_catalogue
from koppelbox.server.app import SandboxApp, create_app
from koppelbox.store import Store
from koppelbox.store.interfaces import StoreBackend

__all__ = ["Sandbox", "SandboxError", "ScopeError", "UnknownClientError"]

Json = dict[str, Any]


class SandboxError(Exception):
    """A call of the Python API that the sandbox cannot answer (a usage error, not an HTTP answer)."""


class UnknownClientError(SandboxError, LookupError):
    """No seeded client has this id."""


class ScopeError(SandboxError, ValueError):
    """The client may not have (one of) the scopes asked for, or the API or scenario is unknown."""


class Sandbox:
    """The sandbox (every API of `openapi/`, its store and journal), built from a fixtures folder.

    `fixtures`: a folder like the shipped `fixtures/` (None: the shipped seed); `seed`: 0 for the fixtures
    alone, N for the fixtures plus generated schools (docs/fixtures.md); `port`: 0 for a free port.
    `asgi_app` is ready at once; `base_url` once the server runs (`with Sandbox() as sb:` or `start()`).
    """

    def __init__(
        self,
        fixtures: str | os.PathLike[str] | None = None,
        port: int = 0,
        seed: int = 0,
        *,
        host: str = "127.0.0.1",
        validate_responses: bool = False,
    ) -> None:
        self.fixtures: Path = Path(fixtures) if fixtures is not None else fixtures_dir()
        self.seed = seed
        self._host = host
        self._port = port
        if not self.fixtures.is_dir():
            raise SandboxError(f"fixtures folder {str(self.fixtures)!r} is not a folder")
        # Typed by the storage seam: the API uses only what every backend offers (store/interfaces.py).
        self._store: StoreBackend = Store.from_directory(self.fixtures, seed=seed)
        self._app = create_app(self._store, validate_responses=validate_responses)
        self._server: ThreadedServer | None = None

    # -- serving ------------------------------------------------------------------------------------------

    @property
    def asgi_app(self) -> SandboxApp:
        """The ASGI app, for in-process clients (`httpx.ASGITransport`, Starlette's `TestClient`); it shares
        store and journal with the server behind `base_url`."""
        return self._app

    @property
    def base_url(self) -> str:
        """Where the server answers, e.g. `http://127.0.0.1:54321` (no trailing slash)."""
        if self._server is None:
            raise SandboxError("the sandbox is not serving: use `with Sandbox() as sb:` or call start()")
        return self._server.base_url

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self, timeout: float = 20.0) -> Sandbox:
        """Serve on `host:port` in a daemon thread (uvicorn); returns once the server accepts requests."""
        if self._server is None:
            try:
                self._server = ThreadedServer(self._app, self._host, self._port, timeout)
            except RuntimeError as exc:
                raise SandboxError(str(exc)) from None
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving (the store and journal stay readable)."""
        if self._server is not None:
            self._server.stop(timeout)
        self._server = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._server.base_url if self._server else "not serving"
        return f"<Sandbox {where} fixtures={str(self.fixtures)!r} seed={self.seed}>"

    # -- state --------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seed: data and issued tokens (as `POST /sandbox/reset`), and an empty journal with
        fresh per-client accounts (a certification after a reset judges only what came after it). Not
        isolated from requests in flight: reset between tests, not during one."""
        self._store.reset()
        self._app.sandbox.journal = Journal(self._app.sandbox.journal.capacity)

    def journal(self, client: str | None = None, *, api: str | None = None) -> list[JournalEntry]:
        """What the sandbox recorded since the last reset, oldest first: every client's, or `client`'s;
        `api` ("wimpel", "aanmeld", "eduv", "sandbox") narrows it to one API."""
        return self._app.sandbox.journal.entries(JournalFilter(client=client, api=api))

    # -- identity -----------------------------------------------------------------------------------------

    @property
    def admin_token(self) -> str:
        """The control plane's token (`/sandbox/journal`, `/sandbox/reset`, ...)."""
        return self._store.identity.admin_token

    def clients(self) -> list[Json]:
        """The seeded clients with their scopes and static tokens (as `GET /sandbox/clients`)."""
        return self._store.identity.summaries()

    def token(self, client_id: str, scopes: list[str] | tuple[str, ...] | str | None = None) -> str:
        """A fresh bearer token for a seeded client, issued as `POST /sandbox/oauth2/token` issues it: all
        the client's scopes, or exactly `scopes` (a list, or one space-separated string) when given. Valid
        for the fixtures' token lifetime or until the next `reset()`."""
        identity = self._store.identity
        client = identity.clients.get(client_id)
        if client is None:
            known = ", ".join(sorted(identity.clients))
            raise UnknownClientError(f"no seeded client {client_id!r}; clients: {known}")
        requested = scopes if scopes is None or isinstance(scopes, str) else " ".join(scopes)
        if requested is not None and not requested.strip():
            raise ScopeError("ask for at least one scope, or leave `scopes` out for all the client's")
        credentials = oauth.ClientCredentials(client.id, client.secret, "client_secret_post")
        try:
            return identity.issue(credentials, requested).token
        except oauth.OAuthError as exc:
            allowed = ", ".join(sorted(client.scopes)) or "none"
            raise ScopeError(f"{client_id}: {exc.description} Its scopes: {allowed}.") from exc

    # -- scenarios ----------------------------------------------------------------------------------------

    def scenarios(self, api: str) -> list[Scenario]:
        """The catalogue's scenarios for `api` (docs/scenarios.md): each with its `id`, `status`,
        `trigger` ("request", "header", "reserved"), `how` and, mostly, an `example` request."""
        if api not in api_names():
            raise ScopeError(f"no API {api!r}; APIs: {', '.join(api_names())}")
        return load_catalogue().for_api(api)

    def scenario_headers(self, scenario: str, *, delay: float | None = None) -> dict[str, str]:
        """The headers that provoke a header scenario: `{"Prefer": "kbx-scenario=429"}`. `scenario` is the
        header id ("401", "429", "500", "503", "slow") or a catalogue id such as "wimpel-header-429";
        `delay` sets the slow answer's seconds (`kbx-delay`)."""
        catalogue = load_catalogue()
        header_id = scenario
        if scenario not in catalogue.header:
            row = next((s for s in catalogue.scenarios if s.id == scenario), None)
            if row is None:
                raise ScopeError(f"no scenario {scenario!r} in the catalogue")
            if row.trigger != "header":
                raise ScopeError(
                    f"scenario {scenario!r} is not provoked by a header but by its request: {row.how}"
                )
            header_id = scenario.rpartition("-header-")[2]
        prefer = f"kbx-scenario={header_id}"
        if delay is not None:
            prefer += f", kbx-delay={delay:g}"
        return {"Prefer": prefer}

    # -- the school's view --------------------------------------------------------------------------------

    def aanmeld_pupils(self, brin: str, *, zonder_aanmelding: bool | None = None) -> list[Json]:
        """The pupils of school `brin` as Magister shows them (`GET /sandbox/aanmeld/scholen/{brin}/
        leerlingen`): the school's own and those an Aanmeld client created. Raises the store's domain error
        (status 404) for an unknown school."""
        return self._store.aanmeld.pupils(brin, zonder_aanmelding=zonder_aanmelding)

    def aanmeld_pupil(self, brin: str, stamnummer: int) -> Json:
        """One pupil with its parents, enrolments and documents (`GET .../leerlingen/{stamnummer}`)."""
        return self._store.aanmeld.pupil(brin, stamnummer, f"/sandbox/aanmeld/scholen/{brin}/documenten")

    def wimpel_organisations(self, client_id: str, *, active: bool | None = None) -> list[Json]:
        """A Wimpel client's list of organisations, as `GET /wimpel/v1/organisations` would page it."""
        found: list[Json] = []
        offset: int | None = 0
        while offset is not None:
            page = self._store.wimpel.page(client_id, active=active, limit=1000, offset=offset)
            found += [copy.deepcopy(organisation) for organisation in page.items]
            offset = page.next_offset
        return found

    def wimpel_history(self, client_id: str, organisation_id: str) -> list[Json]:
        """The changes a Wimpel client made to one organisation (`GET /sandbox/wimpel/...history`)."""
        return self._store.wimpel.history(client_id, organisation_id)

    # -- judging ------------------------------------------------------------------------------------------

    def certify(self, api: str, client: str | None = None, *, since: int = 0) -> Report:
        """Judge `client`'s use of `api` from this sandbox's journal, as `koppelbox certify` does: a
        `Report` whose `.status` is PASSED, FAILED or INCOMPLETE. `client` may be left out when one client
        alone used the API; `since` judges only exchanges after that journal `seq`."""
        if api not in api_names():
            raise ScopeError(f"no API {api!r}; APIs: {', '.join(api_names())}")
        journal = self._app.sandbox.journal
        try:
            return judge(
                journal.entries(),
                api,
                client,
                fixtures=self.fixtures,
                seed=self.seed,
                source=self._server.base_url if self._server else "koppelbox.Sandbox",
                accounts=journal.accounts(),
                since=since,
            )
        except UnknownClient as exc:
            raise UnknownClientError(str(exc).replace("--client", "`client`")) from exc
