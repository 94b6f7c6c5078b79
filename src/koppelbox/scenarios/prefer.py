"""The `Prefer` request header (RFC 7240) as the sandbox reads it: `kbx-scenario=<id>` picks a scenario
from the catalogue, `kbx-delay=<seconds>` tunes the slow one. Other preferences are ignored, as the RFC
asks; an unknown scenario id is refused, because a typo silently ignored would waste a vendor's day."""

from __future__ import annotations

from dataclasses import dataclass

MAX_DELAY_SECONDS = 30.0


class PreferError(ValueError):
    """The header asks for something the catalogue does not have."""


@dataclass(frozen=True)
class ScenarioRequest:
    scenario: str
    delay: float | None = None


def parse_prefer(values: list[str], known: set[str]) -> ScenarioRequest | None:
    preferences: dict[str, str] = {}
    for value in values:
        for item in value.split(","):
            token, _, rest = item.strip().partition("=")
            # A preference may carry parameters after ';'; the sandbox's own take none.
            preferences[token.strip().lower()] = rest.split(";")[0].strip().strip('"')
    scenario = preferences.get("kbx-scenario")
    if scenario is None:
        return None
    if scenario not in known:
        raise PreferError(f"unknown kbx-scenario {scenario!r}; known: {', '.join(sorted(known))}")
    delay = None
    if "kbx-delay" in preferences:
        try:
            delay = float(preferences["kbx-delay"])
        except ValueError:
            raise PreferError("kbx-delay must be a number of seconds") from None
        if not 0 <= delay <= MAX_DELAY_SECONDS:
            raise PreferError(f"kbx-delay must be between 0 and {MAX_DELAY_SECONDS:g} seconds")
    return ScenarioRequest(scenario, delay)
