"""Dutch personal names from Faker `nl_NL`, split the way Dutch registers keep them.

Faker writes a surname with its tussenvoegsel ("van der Meer"); Edu-V wants them apart
(`familyNamePrefix` "van der", `familyName` "Meer"). Faker's list also holds a few historical names
("Aelftrud van Wessex", "Bourgondië, van") that no school employs; those are drawn again.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# The tussenvoegsels that occur in Faker's list (and the common ones besides), lowercase.
TUSSENVOEGSELS = frozenset(
    {"van", "de", "den", "der", "het", "'t", "ter", "ten", "te", "in", "op", "uit", "la", "le"}
)

# Formal given names with the name people use every day: the `preferredFirstName` case.
DIMINUTIVES_MALE = {
    "Johannes": "Hans",
    "Cornelis": "Kees",
    "Jacobus": "Koos",
    "Hendrik": "Henk",
    "Petrus": "Piet",
    "Gerardus": "Gerard",
    "Franciscus": "Frans",
    "Theodorus": "Theo",
    "Antonius": "Toon",
}
DIMINUTIVES_FEMALE = {
    "Wilhelmina": "Mien",
    "Catharina": "Toos",
    "Elisabeth": "Lies",
    "Johanna": "Anneke",
    "Margaretha": "Greet",
}


@dataclass(frozen=True)
class PersonName:
    given: str
    prefix: str  # "" when there is no tussenvoegsel
    family: str
    preferred: str = ""

    @property
    def display(self) -> str:
        return " ".join(part for part in (self.given, self.prefix, self.family) if part)


def split_surname(surname: str) -> tuple[str, str] | None:
    """("van der", "Meer") for "van der Meer"; None for a name no register would hold this way."""
    if "," in surname:
        return None
    words = surname.split()
    prefix: list[str] = []
    while len(words) > 1 and words[0] in TUSSENVOEGSELS:
        prefix.append(words.pop(0))
    if len(words) != 1 or not words[0][:1].isupper():
        return None  # "Aelftrud van Wessex", "Le Grand" and the like
    return " ".join(prefix), words[0]


def person_name(fake: Any, female: bool, formal: bool) -> PersonName:
    while True:
        split = split_surname(fake.last_name())
        if split is not None:
            break
    if formal:
        diminutives = DIMINUTIVES_FEMALE if female else DIMINUTIVES_MALE
        given = fake.random_element(sorted(diminutives))
        return PersonName(given, split[0], split[1], diminutives[given])
    given = fake.first_name_female() if female else fake.first_name_male()
    return PersonName(given, split[0], split[1])


@lru_cache(maxsize=65536)  # names repeat a lot over 100,000 employees
def ascii_slug(text: str) -> str:
    """`Yılmaz` → `yilmaz`, `van der Meer` → `vandermeer`: the part of an e-mail address a school makes."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ı", "i"))
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()
