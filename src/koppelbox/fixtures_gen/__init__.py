"""Deterministic Dutch fixtures: `generate(seed, schools)` builds a whole fixtures directory's
documents (the same seed gives byte-identical files), `write` puts them on disk, and `extend` adds
generated schools to already loaded fixtures (what `koppelbox serve --seed N` does).

Built on Faker `nl_NL` (names, towns, streets) and `random.Random` streams seeded per section; no
global random state is touched.
"""

from __future__ import annotations

from koppelbox.fixtures_gen.generate import (
    ADMIN_TOKEN,
    SERVE_SCHOOLS,
    extend,
    generate,
    reserved_identifiers,
    write,
)

__all__ = ["ADMIN_TOKEN", "SERVE_SCHOOLS", "extend", "generate", "reserved_identifiers", "write"]
