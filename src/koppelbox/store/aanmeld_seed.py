"""The seeded Aanmeld schools, read from `aanmeld.yaml` and `schools.yaml`: each school's configuration, and
its pupils and parents written into any `SchoolRecords` (so that every backend seeds alike)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from koppelbox.rules.aanmeld import config as school_config
from koppelbox.rules.aanmeld.records import SCHOOL, Pupil, SchoolConfig, SchoolRecords
from koppelbox.store.fixtures import FixtureError

SEEDED_AT = "2026-01-05T08:00:00.000Z"  # fixed, so the seed is deterministic


def configuration(school: Mapping[str, Any], entry: Mapping[str, Any]) -> SchoolConfig:
    """`school` is its entry in schools.yaml, `entry` its entry under `schools` in aanmeld.yaml."""
    brin = str(school["id"])
    bereik = entry.get("stamnummer_range") or {}
    table, problems = school_config.related_schools(entry.get("related_schools"))
    if problems:
        raise FixtureError(f"aanmeld: school {brin}: {problems[0].field} {problems[0].message}")
    return SchoolConfig(
        brin=brin,
        naam=str(school["name"]),
        sector=str(entry.get("sector", school.get("sector", "VO"))),
        laagste=int(bereik.get("lowest", 1)),
        hoogste=int(bereik.get("highest", 999999)),
        partners={int(p) for p in entry.get("partners") or []},
        relatiescholen=table,
        locaties=[{"code": str(loc["id"]), "naam": str(loc["name"])} for loc in school.get("locations", [])],
    )


def seed(records: SchoolRecords, entry: Mapping[str, Any]) -> None:
    """The pupils and parents the school entered itself, into its (empty) records."""
    brin = records.config.brin
    for pupil in entry.get("pupils") or []:
        records.add_pupil(
            Pupil(
                stamnummer=int(pupil["stamnummer"]),
                gegevens=dict(pupil["data"]),
                bron=SCHOOL,
                aangemaakt=SEEDED_AT,
                aanmeldingsgroep=pupil.get("enrolment_group"),
            )
        )
    for parent in entry.get("parents") or []:
        created = records.add_parent(dict(parent["data"]), SCHOOL, SEEDED_AT)
        for stamnummer in parent.get("children") or []:
            if int(stamnummer) not in records.pupils:
                raise FixtureError(f"aanmeld: school {brin}: parent of unknown pupil {stamnummer}")
            records.link(created.id, int(stamnummer))
