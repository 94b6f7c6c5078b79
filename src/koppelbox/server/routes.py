"""Which methods each path of each contract documents, for an honest `Allow` header on 405.

Starlette builds `Allow` from the first route whose path matches, and Connexion registers one route per
operation, so its header names only one of the methods a path really has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from koppelbox.contracts import document as contract_document
from koppelbox.validator.contracts import OPERATION_METHODS

_TEMPLATE_PARAMETER = re.compile(r"\\\{[^/]+?\\\}")


@dataclass
class RouteTable:
    _routes: list[tuple[re.Pattern[str], list[str]]] = field(default_factory=list)

    def add_spec(self, prefix: str, spec_path: Path) -> None:
        document = contract_document(spec_path)
        for template, item in (document.get("paths") or {}).items():
            methods = [m.upper() for m in OPERATION_METHODS if m in item]
            pattern = _TEMPLATE_PARAMETER.sub("[^/]+", re.escape(prefix + template))
            self._routes.append((re.compile(f"^{pattern}/?$"), methods))

    def allowed(self, path: str) -> list[str]:
        for pattern, methods in self._routes:
            if pattern.match(path):
                return methods
        return []
