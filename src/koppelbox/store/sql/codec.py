"""The rules' dataclasses as JSON documents in a row and back (a set becomes a sorted list, a related school
a mapping); the match keys as one indexed string."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from koppelbox.rules.aanmeld.matching import ParentKey, PupilKey
from koppelbox.rules.aanmeld.origin import RelatedSchool
from koppelbox.rules.aanmeld.records import Document, Enrolment, Parent, Pupil, SchoolConfig

Json = dict[str, Any]


def config_json(config: SchoolConfig) -> Json:
    return {
        **dataclasses.asdict(config),
        "partners": sorted(config.partners),
        "relatiescholen": {k: dataclasses.asdict(v) for k, v in config.relatiescholen.items()},
    }


def config_of(data: Json) -> SchoolConfig:
    return SchoolConfig(
        **{
            **data,
            "partners": set(data["partners"]),
            "relatiescholen": {k: RelatedSchool(**v) for k, v in data["relatiescholen"].items()},
        }
    )


def pupil_json(pupil: Pupil) -> Json:
    return dataclasses.asdict(pupil)


def pupil_of(data: Json) -> Pupil:
    return Pupil(**data)


def parent_json(parent: Parent) -> Json:
    return {"gegevens": parent.gegevens, "bron": parent.bron, "aangemaakt": parent.aangemaakt}


def parent_of(parent_id: int, data: Json) -> Parent:
    return Parent(parent_id, **data)


def enrolment_json(enrolment: Enrolment) -> Json:
    return dataclasses.asdict(enrolment)


def enrolment_of(data: Json) -> Enrolment:
    return Enrolment(**data)


def document_json(document: Document) -> Json:
    return {k: v for k, v in dataclasses.asdict(document).items() if k != "inhoud"}


def document_of(data: Json, inhoud: bytes) -> Document:
    return Document(**data, inhoud=bytes(inhoud))


def key_text(key: PupilKey | ParentKey) -> str:
    """One string per key, equal exactly when the keys are equal (JSON of the fields, in order)."""
    return json.dumps(dataclasses.astuple(key), ensure_ascii=False, separators=(",", ":"))
