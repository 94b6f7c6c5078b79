"""The scenario catalogue: which answers a vendor can provoke on demand, and how (see catalogue.yaml)."""

from koppelbox.scenarios.catalogue import (
    Catalogue,
    Example,
    HeaderScenario,
    ReservedValue,
    Scenario,
    load_catalogue,
)
from koppelbox.scenarios.prefer import PreferError, ScenarioRequest, parse_prefer

__all__ = [
    "Catalogue",
    "Example",
    "HeaderScenario",
    "PreferError",
    "ReservedValue",
    "Scenario",
    "ScenarioRequest",
    "load_catalogue",
    "parse_prefer",
]
