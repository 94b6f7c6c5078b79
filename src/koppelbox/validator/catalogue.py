"""Every rule the validator and the linter can report, for `docs/validator.md` and `--rules`.

Importing the modules that own rules registers them; the table is generated from that registry, so the
docs list exactly the ids the code emits (tests/test_validator_docs.py keeps the file current).
"""

from __future__ import annotations

from koppelbox.validator import exchange as _exchange  # noqa: F401  (imported for the rules it registers)
from koppelbox.validator import lint as _lint  # noqa: F401  (imported for the rules it registers)
from koppelbox.validator import payload as _payload  # noqa: F401  (likewise)
from koppelbox.validator.findings import RULES, Rule, catalogue_markdown

BEGIN = "<!-- rule catalogue: generated from koppelbox.validator.catalogue; do not edit by hand -->"
END = "<!-- end of rule catalogue -->"


def rules() -> list[Rule]:
    return list(RULES.values())


def markdown() -> str:
    return catalogue_markdown()


def replace_in(document: str) -> str:
    """`document` with the text between the markers replaced by the current catalogue."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n\n{markdown()}\n{END}{tail}"


if __name__ == "__main__":  # python -m koppelbox.validator.catalogue docs/validator.md  rewrites the table
    import sys
    from pathlib import Path

    target = Path(sys.argv[1])
    target.write_text(replace_in(target.read_text(encoding="utf-8")), encoding="utf-8")
