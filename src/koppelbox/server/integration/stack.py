"""Swapping Connexion's stock middlewares for the prepared subclasses in an app's middleware list."""

from __future__ import annotations

from typing import Any

from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware

from koppelbox.server.integration.docs_routes import DocsOnlySwaggerUIMiddleware
from koppelbox.server.integration.routing import BoundedRoutingMiddleware
from koppelbox.server.integration.validation import PreparedRequestValidationMiddleware

REPLACEMENTS = {
    SwaggerUIMiddleware: DocsOnlySwaggerUIMiddleware,
    RequestValidationMiddleware: PreparedRequestValidationMiddleware,
    RoutingMiddleware: BoundedRoutingMiddleware,
}


def use_prepared_middlewares(middlewares: list[Any]) -> None:
    """Replace each stock middleware class by its prepared subclass, in place. Call it after the last
    `add_middleware`: `MiddlewarePosition` finds its anchor among the stock classes by identity."""
    for index, middleware in enumerate(middlewares):
        replacement = REPLACEMENTS.get(middleware)
        if replacement is not None:
            middlewares[index] = replacement
