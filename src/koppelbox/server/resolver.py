"""operationId → handler: `listOrganisations` in the spec served under `/wimpel` is
`koppelbox.server.handlers.wimpel.list_organisations`. A missing handler stops the app at start-up."""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from connexion.exceptions import ResolverError
from connexion.resolver import Resolver

_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def handler_name(operation_id: str) -> str:
    return _BOUNDARY.sub("_", operation_id).lower()


class HandlerResolver(Resolver):  # type: ignore[misc]
    def __init__(self, module: ModuleType) -> None:
        super().__init__(function_resolver=self._function)
        self._module = module

    def _function(self, operation_id: str) -> Any:
        name = handler_name(operation_id)
        function = getattr(self._module, name, None)
        if not callable(function):
            raise ResolverError(f"operationId {operation_id}: no handler {self._module.__name__}.{name}")
        return function
