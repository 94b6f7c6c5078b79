"""The one home of the contracts in `openapi/`: which APIs there are, their documents, and which API a
path belongs to. Everything else (server, validator, conformance, CLI) takes its contracts from here.

The bottom layer: it imports nothing of koppelbox but `resources`, and no web framework.
"""

from koppelbox.contracts.catalogue import (
    ApiSpec,
    api_names,
    api_of_path,
    discover,
    longest_prefix,
    spec_for,
)
from koppelbox.contracts.documents import OPERATION_METHODS, document, operations, private_copy

__all__ = [
    "OPERATION_METHODS",
    "ApiSpec",
    "api_names",
    "api_of_path",
    "discover",
    "document",
    "longest_prefix",
    "operations",
    "private_copy",
    "spec_for",
]
