"""The plumbing the reference clients (aanmeld.py, eduv.py, wimpel.py) share: one OAuth2 token and the
error handling every koppelbox API asks for (docs/conformance.md).

Not a script: each API's script imports from here (the script's folder is on `sys.path` when it is run
as `python examples/clients/<api>.py`). It subclasses `SandboxClient` to add that API's calls, and takes
the scenarios its walk provokes (`SCENARIOS`), the options every script has (`command_line`) and the exit
code (`exit_code`) from here as well.

`careless=True` switches on the first three of the four deliberate faults, each marked `FAULT (n)` below;
the fourth, a non-conformant payload, is in each API's script, since only the API knows what is wrong.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

TOKEN_PATH = "/sandbox/oauth2/token"
TIMEOUT = 30.0  # longer than any delay the sandbox's "slow" scenario plays (at most 30 s)
FIRST_BACKOFF = 0.5  # seconds before the first retry after a 5xx; doubles per failure
RETRIES_AFTER_5XX = 2
CARELESS_REPEATS = 3

# The scenarios a walk asks the sandbox to play (`Prefer: kbx-scenario=...`, docs/scenarios.md): the
# Prefer value and how the walk's step names it.
SCENARIOS = (
    ("401", "token expired first"),  # the sandbox expires the token: a fresh one must be fetched
    ("429", "rate limited first"),
    ("503", "unavailable first"),
    ("500", "server failure first"),
    ("slow, kbx-delay=1", "slow answer"),
)


class SandboxClient:
    """A connector's OAuth2 token (client credentials) and error handling; subclasses add the API's calls.

    `scope` is what the token is asked for: each API's client sets its own, and one instance may ask for
    less (a read-only token, say).
    """

    scope = ""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        careless: bool = False,
    ) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=TIMEOUT)
        self.client_id = client_id
        self.client_secret = client_secret
        if scope is not None:
            self.scope = scope
        self.token: str | None = None  # fetched on first use, again after a 401
        self.careless = careless
        self.not_before = 0.0  # time.monotonic() before which this API must not be called again
        self.backoff = FIRST_BACKOFF

    def fetch_token(self) -> str:
        response = self.http.post(
            TOKEN_PATH,
            data={"grant_type": "client_credentials", "scope": self.scope},
            auth=(self.client_id, self.client_secret),
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    def call(
        self, method: str, url: str, *, scenario: str | None = None, deliberate: bool = False, **kwargs: Any
    ) -> httpx.Response:
        """One logical call: renews the token once after 401, waits out 429/503, backs off after 5xx.

        `scenario` asks the sandbox to play a scenario (docs/scenarios.md) on the first attempt only, so a
        retry is the plain request. `deliberate` marks a request that is wrong on purpose (a test).
        """
        marks = ["kbx-deliberate"] if deliberate else []
        prefer = [*marks, f"kbx-scenario={scenario}"] if scenario else marks
        renewed = throttled = False
        failures = 0
        while True:
            response = self.send(method, url, prefer, kwargs)
            prefer = marks
            status = response.status_code
            if status == 401 and not renewed:  # once: a fresh token that is refused too is not the token
                renewed = True
                self.renew_token(method, url, prefer, kwargs)
                continue
            if status in (429, 503):
                self.throttled(response)
                if not throttled:  # retry once; refused again, the caller keeps the work queued
                    throttled = True
                    continue
                return response
            if status >= 500:  # a fault on the server's side: retry a few times, each wait twice as long
                self.pause(self.backoff, f"{status}: backing off {self.backoff:g} s")
                self.backoff *= 2
                if failures < RETRIES_AFTER_5XX:
                    failures += 1
                    continue
                return response
            self.backoff = FIRST_BACKOFF
            if status == 400 and self.careless:
                # FAULT (1): "maybe it was a glitch": resends the refused request unchanged, again and again.
                for _ in range(CARELESS_REPEATS):
                    response = self.send(method, url, prefer, kwargs)
            return response

    def renew_token(self, method: str, url: str, prefer: list[str], kwargs: dict[str, Any]) -> None:
        print("     401: token rejected, fetching a new one")
        if self.careless:
            # FAULT (2): tries the token the server just rejected once more before fetching a new one.
            self.send(method, url, prefer, kwargs)
        self.token = None  # forgotten for good: the next request fetches a fresh one

    def throttled(self, response: httpx.Response) -> None:
        if self.careless:
            # FAULT (3): ignores Retry-After and sends the next request at once.
            print(f"     {response.status_code}: retrying at once")
            return
        wait = retry_after(response)
        self.pause(wait, f"{response.status_code}: waiting Retry-After {wait:g} s")

    def pause(self, seconds: float, why: str) -> None:
        """No request to this API before `seconds` from now (the wait happens before the next send)."""
        print(f"     {why}")
        self.not_before = max(self.not_before, time.monotonic() + seconds)

    def send(self, method: str, url: str, prefer: list[str], kwargs: dict[str, Any]) -> httpx.Response:
        time.sleep(max(0.0, self.not_before - time.monotonic()))
        if self.token is None:
            self.token = self.fetch_token()
        headers = {**kwargs.get("headers", {}), "Authorization": f"Bearer {self.token}"}
        if prefer:
            headers["Prefer"] = ", ".join(prefer)
        return self.http.request(method, url, **{**kwargs, "headers": headers})


def retry_after(response: httpx.Response) -> float:
    """Retry-After in seconds (the sandbox sends delta-seconds); 1 s when it is missing or unreadable."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def explain(response: httpx.Response) -> str:
    """An error as a person must see it: the message and every field error ("" for a success).

    The error body of Aanmeld and Wimpel (`code`, `message`, `errors[]`); Edu-V has its own (eduv.py).
    """
    if response.is_success:
        return ""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in body.get("errors") or [])
    return f"{body.get('code')}: {body.get('message')}" + (f" [{fields}]" if fields else "")


@dataclass(frozen=True)
class Options:
    base_url: str
    client_id: str
    client_secret: str
    careless: bool

    @property
    def credentials(self) -> tuple[str, str, str]:
        """What a `SandboxClient` is made with: the sandbox root, the client id and its secret."""
        return self.base_url, self.client_id, self.client_secret


def command_line(
    title: str,
    doc: str,
    clients: tuple[str, str],
    sandbox_secrets: Mapping[str, str],
    argv: list[str] | None,
) -> Options:
    """The options every client takes, and its heading line. `clients`: the default (careful, careless)
    client ids; their secrets come from `sandbox_secrets` unless `--client-secret` is given."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the sandbox root, e.g. http://127.0.0.1:8080")
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument("--careless", action="store_true", help="make the four deliberate faults")
    args = parser.parse_args(argv)
    careful_client, careless_client = clients
    client_id = args.client_id or (careless_client if args.careless else careful_client)
    secret = args.client_secret or sandbox_secrets.get(client_id)
    if secret is None:
        parser.error(f"--client-secret is needed for {client_id}")
    print(f"{title} reference client as {client_id}{' (careless)' if args.careless else ''}")
    return Options(args.base_url, client_id, secret, args.careless)


def exit_code(walk: Callable[[], int]) -> int:
    """Runs a walk that returns how many answers were unexpected: 0 when none was, 1 otherwise, 2 when it
    could not go on (no sandbox, credentials refused)."""
    try:
        surprises = walk()
    except httpx.HTTPError as error:  # the sandbox is not there, or refused our client credentials
        print(f"stopped: {error}")
        return 2
    print("done" if not surprises else f"done, {surprises} unexpected answer(s)")
    return 1 if surprises else 0
