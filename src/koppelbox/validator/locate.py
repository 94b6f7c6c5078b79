"""Line and column of a JSON pointer in the text it was parsed from, so an editor can jump to a finding.

Python's JSON parser keeps no positions, so the text is walked again along the pointer only, letting the
(C-accelerated) decoder skip every value that is not on the way. Only files with findings pay for this.
"""

from __future__ import annotations

import json
from dataclasses import replace

from koppelbox.validator.findings import Finding

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _step(text: str, pos: int, part: str) -> int | None:
    """Position of the member `part` of the object or array starting at `pos`; None if absent."""
    opening = text[pos : pos + 1]
    if opening not in ("{", "["):
        return None
    pos = _skip(text, pos + 1)
    index = 0
    while pos < len(text) and text[pos] not in "}]":
        if opening == "{":
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, _skip(text, pos) + 1)  # past the colon
            if key == part:
                return pos
        elif str(index) == part:
            return pos
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos : pos + 1] == ",":
            pos = _skip(text, pos + 1)
        index += 1
    return None


def locate(text: str, pointer: str) -> tuple[int, int] | None:
    """(line, column), both from 1, of the value at `pointer`, or of the deepest part of it that exists
    (a missing field is reported at the object it is missing from). None if the walk hits broken JSON."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]] if pointer else []
    try:
        pos = _skip(text, 0)
        for part in parts:
            found = _step(text, pos, part)
            if found is None:
                break
            pos = found
    except (ValueError, IndexError):
        return None
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, column


def located(findings: list[Finding], text: str) -> list[Finding]:
    """The findings with the line and column of their value in `text` (of its object, when missing)."""
    found_at = []
    for found in findings:
        where = locate(text, found.pointer) if found.line is None and found.pointer else None
        found_at.append(replace(found, line=where[0], column=where[1]) if where else found)
    return found_at
