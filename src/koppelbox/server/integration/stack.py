"""Swapping Connexion's stock middlewares for the fast-path subclasses in an app's middleware list."""

from __future__ import annotations

from typing import Any

from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware

from koppelbox.server.fastpath.docs_routes import DocsOnlySwaggerUIMiddleware
from koppelbox.server.fastpath.lane import FastLane
from koppelbox.server.fastpath.validation import PreparedRequestValidationMiddleware

REPLACEMENTS = {
    SwaggerUIMiddleware: DocsOnlySwaggerUIMiddleware,
    RequestValidationMiddleware: PreparedRequestValidationMiddleware,
}


def use_fast_middlewares(middlewares: list[Any], *, lane: bool = True) -> None:
    """Replace each stock middleware class by its fast-path subclass, in place, and (with `lane`) put the
    fast lane just inside the exception middleware. Call it after the last `add_middleware`:
    `MiddlewarePosition` finds its anchor among the stock classes by identity."""
    for index, middleware in enumerate(middlewares):
        replacement = REPLACEMENTS.get(middleware)
        if replacement is not None:
            middlewares[index] = replacement
    if lane:
        middlewares.insert(middlewares.index(ExceptionMiddleware) + 1, FastLane)
