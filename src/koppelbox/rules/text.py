"""Control characters in text a partner sends: one rule for every text field of every API.

Ids, codes and names hold none at all; free text (a memo, extra data) may keep line breaks and tabs, never
NUL or another control character. "Control character" is Unicode's category Cc: U+0000–U+001F, U+007F and
U+0080–U+009F. The contracts state the rule as patterns (`NAME_PATTERN`, `FREE_TEXT_PATTERN` below, written
into `openapi/`); this module words the refusal and checks the text no schema can reach (the keys of a
free-form object, a multipart part's own file name).
"""

from __future__ import annotations

import re

# The patterns as the contracts write them (ECMA-262; Python's `re` reads them the same way).
NAME_PATTERN = "^[^\\x00-\\x1F\\x7F-\\x9F]*$"
FREE_TEXT_PATTERN = "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$"

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
LINE_BREAKS_AND_TABS = frozenset("\t\n\r")


def control_characters(text: str, *, limit: int = 3) -> list[str]:
    """The distinct control characters in `text`, in order of appearance (at most `limit`)."""
    found: list[str] = []
    for match in _CONTROL.finditer(text):
        if match.group() not in found:
            found.append(match.group())
            if len(found) == limit:
                break
    return found


def code_points(characters: list[str]) -> str:
    """`U+0000, U+0008`: how a refusal names characters that cannot be shown as they are."""
    return ", ".join(f"U+{ord(c):04X}" for c in characters)


def control_message(characters: list[str], *, line_breaks_allowed: bool = False) -> str:
    other = " other than line breaks and tabs" if line_breaks_allowed else ""
    return f"must not contain control characters{other} (found {code_points(characters)})"


def name_problem(text: str) -> str | None:
    """Why `text` cannot be an id, code or name, or None: it holds a control character."""
    found = control_characters(text)
    return control_message(found) if found else None
