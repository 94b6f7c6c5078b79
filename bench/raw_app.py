"""The Python ceiling for the benchmark: plain Starlette on uvicorn doing the same dict work as the sandbox's
Wimpel handlers (look up / insert a JSON organisation), with no contract, validation or auth."""

from __future__ import annotations

import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from koppelbox.store import Store

_store = Store.from_directory()
_organisations = {
    o["id"]: o for o in _store.wimpel.page("partner-noordstar", active=None, limit=100, offset=0).items
}


async def get_one(request: Request) -> Response:
    found = _organisations.get(request.path_params["id"])
    return JSONResponse(found) if found else JSONResponse({"status": 404}, status_code=404)


async def create(request: Request) -> Response:
    body = json.loads(await request.body())
    if body["id"] in _organisations:
        return JSONResponse({"status": 409}, status_code=409)
    _organisations[body["id"]] = body
    return JSONResponse(body, status_code=201)


app = Starlette(
    routes=[
        Route("/wimpel/v1/organisations/{id}", get_one),
        Route("/wimpel/v1/organisations", create, methods=["POST"]),
    ]
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
