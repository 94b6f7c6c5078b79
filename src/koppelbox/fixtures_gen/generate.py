"""Running the sections, writing the files, and merging generated data into shipped fixtures."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from koppelbox.fixtures_gen.sections import SECTIONS, SectionRandom
from koppelbox.fixtures_gen.world import build_world

ADMIN_TOKEN = "kbx-admin-local"
EMPLOYEES_PER_SCHOOL = 100
SERVE_SCHOOLS = 20  # schools `serve --seed N` adds to the shipped ones
# Large documents go to JSON, which loads some fifty times faster than YAML; the rest stays readable YAML.
JSON_DOCUMENTS = frozenset({"eduv"})


def generate(
    seed: int,
    schools: int,
    employees: int | None = None,
    *,
    reserved: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Every document of a fixtures directory, keyed by file stem. `reserved`: identifiers the
    generated data must not use (those of fixtures it will be merged into)."""
    total = EMPLOYEES_PER_SCHOOL * schools if employees is None else employees
    world = build_world(seed, schools, total, reserved)
    documents: dict[str, Any] = {}
    clients: list[dict[str, Any]] = []
    for section in SECTIONS:
        output = section.build(world, SectionRandom.for_section(seed, section.name))
        documents.update(output.documents)
        clients.extend(output.clients)
    documents["clients"] = {"admin_token": ADMIN_TOKEN, "token_lifetime_seconds": 3600, "clients": clients}
    return dict(sorted(documents.items()))


def write(documents: Mapping[str, Any], out: Path, *, header: str = "") -> list[Path]:
    """One file per document; the same documents always give the same bytes."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, document in documents.items():
        if stem in JSON_DOCUMENTS:
            path = out / f"{stem}.json"
            text = "".join(_json_lines(document))
        else:
            path = out / f"{stem}.yaml"
            body = yaml.dump(
                document, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=120
            )
            text = (f"# {header}\n" if header else "") + body
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _json_lines(document: Mapping[str, Any]) -> Iterator[str]:
    """JSON with one list item a line: diffable, and far smaller than indented JSON."""
    yield "{\n"
    items = list(document.items())
    for n, (key, value) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        if isinstance(value, list):
            yield f"{json.dumps(key)}: [\n"
            for i, item in enumerate(value):
                yield json.dumps(item, ensure_ascii=False) + (",\n" if i < len(value) - 1 else "\n")
            yield f"]{comma}\n"
        elif isinstance(value, Mapping):
            yield f"{json.dumps(key)}: {{\n"
            entries = list(value.items())
            for i, (k, v) in enumerate(entries):
                line = f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                yield line + (",\n" if i < len(entries) - 1 else "\n")
            yield f"}}{comma}\n"
        else:
            yield f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}\n"
    yield "}\n"


def reserved_identifiers(documents: Mapping[str, Any]) -> frozenset[str]:
    """Every text in the shipped schools and Edu-V documents: generated data avoids them all."""
    return frozenset(_strings(documents.get("schools")) | _strings(documents.get("eduv")))


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, Mapping):
        return {str(k) for k in value} | {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return set()


def extend(documents: Mapping[str, Any], seed: int, schools: int = SERVE_SCHOOLS) -> dict[str, Any]:
    """The fixture documents (by file stem) plus `schools` generated schools (with their employees,
    consumers and grants). Plain documents in and out: the store, which loads fixtures, sits above."""
    generated = generate(seed, schools, reserved=reserved_identifiers(documents))
    generated["clients"] = {"clients": generated["clients"]["clients"]}  # the shipped admin token stays
    merged = dict(documents)
    for stem, document in generated.items():
        merged[stem] = _merge(merged.get(stem), document)
    return merged


def _merge(base: Any, extra: Any) -> Any:
    """Lists are joined, mappings merged key by key; where both hold a plain value, the base wins. A plain
    value both lists hold (an advice value both Aanmeld documents know) is kept once."""
    if base is None:
        return extra
    if isinstance(base, list) and isinstance(extra, list):
        return [*base, *(v for v in extra if isinstance(v, dict | list) or v not in base)]
    if isinstance(base, Mapping) and isinstance(extra, Mapping):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _merge(base.get(key), value)
        return merged
    return base
