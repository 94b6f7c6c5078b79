"""Findings carry the line and column of their value, so an editor can jump there."""

from __future__ import annotations

import pytest

from koppelbox.validator.locate import locate

TEXT = """{
  "id": "16SK",
  "boards": [
    {"id": 1, "name": "Quadraam"},
    {"id": "two",
     "name": "B/C ~ D"}
  ],
  "a/b": {"~x": [10, [20, 30]]},
  "escaped \\"key\\"": true
}
"""


@pytest.mark.parametrize(
    ("pointer", "where"),
    [
        ("", (1, 1)),
        ("/id", (2, 9)),
        ("/boards", (3, 13)),
        ("/boards/0/name", (4, 23)),
        ("/boards/1/id", (5, 12)),
        ("/boards/1/name", (6, 14)),
        ("/a~1b/~0x/1/1", (8, 27)),
        ('/escaped "key"', (9, 22)),
        ("/boards/1/missing", (5, 5)),  # a missing field: the object it is missing from
        ("/boards/7", (3, 13)),
    ],
)
def test_a_pointer_is_found_in_the_text(pointer: str, where: tuple[int, int]) -> None:
    assert locate(TEXT, pointer) == where
