"""The harness both lane differential tests share: one sequence of requests, run once through an app
with the fast lane and once through one without, with the store's randomness made repeatable and the
lane's hand-offs to the stack counted."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import TypeVar

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

import koppelbox.store.aanmeld as aanmeld_store
import koppelbox.store.identity as identity_store
import koppelbox.store.tenants as tenants_store
from koppelbox.server.lane import FastLane

R = TypeVar("R")


class Handoffs:
    """Stands between the lane and the stack behind it, and counts the requests the lane hands on.

    Relies on one lane detail only: the lane is built as `FastLane(app)` and hands on to that `app` (its
    `_build` finds the layers behind it through `.app`, hence the attribute). If that moves, adapt this
    class and `with_and_without_lane`, nothing else."""

    count = 0

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            Handoffs.count += 1
        await self.app(scope, receive, send)


class Deterministic:
    """Stands in for the randomness in the store (enrolment and document ids, issued tokens), restarted
    before each app's run so that both apps hand out the same values in the same order."""

    def __init__(self) -> None:
        self.count = 0

    def restart(self) -> None:
        self.count = 0

    def _next(self) -> int:
        self.count += 1
        return self.count

    def new_id(self) -> str:
        return f"00000000-0000-4000-8000-{self._next():012d}"

    def token_urlsafe(self, _nbytes: int) -> str:
        return f"lane-token-{self._next()}"

    def token_hex(self, nbytes: int) -> str:
        return "0" * (2 * nbytes)


def with_and_without_lane(run: Callable[[bool], R]) -> tuple[R, R]:
    """`run(fast_lane)` once with the lane and once without, each from the same repeatable randomness."""
    lanes: list[FastLane] = []
    original_init = FastLane.__init__

    def init_with_handoffs(lane: FastLane, app: ASGIApp) -> None:
        original_init(lane, Handoffs(app))
        lanes.append(lane)

    fake = Deterministic()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FastLane, "__init__", init_with_handoffs)
        patch.setattr(aanmeld_store, "_new_id", fake.new_id)
        secrets = SimpleNamespace(token_urlsafe=fake.token_urlsafe, token_hex=fake.token_hex)
        patch.setattr(identity_store, "secrets", secrets)
        patch.setattr(tenants_store, "secrets", secrets)  # a tenant's credentials
        with_lane = run(True)
        assert len(lanes) == 1, "the app with the lane did not build exactly one lane"
        fake.restart()
        without_lane = run(False)
        assert len(lanes) == 1, "the app without the lane built one"
    return with_lane, without_lane
