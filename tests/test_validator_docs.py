"""docs/validator.md lists exactly the rules the code can report."""

from __future__ import annotations

import re
from pathlib import Path

from koppelbox.validator import catalogue

DOC = Path(__file__).resolve().parents[1] / "docs" / "validator.md"


def test_the_rule_catalogue_in_the_docs_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert catalogue.replace_in(text) == text, (
        "docs/validator.md is stale: run "
        "`.venv/bin/python -m koppelbox.validator.catalogue docs/validator.md`"
    )


def test_every_rule_id_in_the_docs_exists_and_every_rule_is_documented() -> None:
    documented = set(re.findall(r"`(KBX-[A-Z0-9-]+)`", DOC.read_text(encoding="utf-8")))
    assert documented == {r.id for r in catalogue.rules()}
