"""Connexion's routing, with an integer path convertor that cannot fail.

Connexion registers Starlette's `int` convertor for `type: integer` path parameters when its routing
middleware is made, and Starlette converts a matched segment with `int()` while it routes, before any
error handling of the API's own. Python refuses to convert an integer literal of more than a few thousand
digits (`sys.get_int_max_str_digits`), so a long run of digits in a path made routing raise (a 500). Here
such a segment stays the string it was: parameter validation then refuses it as not a whole number in
range (a 400 in the API's own format), on the full stack and in the lane alike, which both match with the
convertors compiled into the routes.
"""

from __future__ import annotations

from typing import Any

import starlette.convertors
from connexion.frameworks.starlette import IntegerConverter
from connexion.middleware.routing import RoutingMiddleware


class BoundedIntegerConverter(IntegerConverter):  # type: ignore[misc]
    """An integer path segment as an int, or as the string it was when Python will not convert it."""

    def convert(self, value: str) -> Any:
        try:
            return int(value)
        except ValueError:  # more digits than Python converts: left for parameter validation to refuse
            return value


class BoundedRoutingMiddleware(RoutingMiddleware):  # type: ignore[misc]
    """Connexion's routing middleware; its contracts' routes are compiled (in `add_api`, after this)
    with the bounded integer convertor that Connexion's own registration would otherwise replace."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        starlette.convertors.register_url_convertor("int", BoundedIntegerConverter())
