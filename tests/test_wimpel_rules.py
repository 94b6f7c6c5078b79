"""Wimpel organisations (koppelbox.rules.wimpel) without HTTP: what a new organisation looks like, that
only `sourceId` may change (and the refusal names each other field), when `dateLastModified` moves, and
how a list is filtered on `active`, ordered and paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from koppelbox.rules.errors import FieldError, Invalid
from koppelbox.rules.wimpel import Page, apply_update, check_update, new_organisation, select_page

CREATED = datetime(2025, 4, 18, 10, 2, 28, 123456, tzinfo=UTC)
LATER = CREATED + timedelta(days=1, milliseconds=5)


def minimal() -> dict[str, object]:
    return {"id": "org-1", "name": "Stichting Kompas", "sourceId": "src-1"}


# --- a new organisation ---


def test_a_new_organisation_gets_defaults_and_both_stamps() -> None:
    assert new_organisation(minimal(), CREATED) == {
        "id": "org-1",
        "organisationIds": [],
        "name": "Stichting Kompas",
        "boards": [],
        "locations": [],
        "sourceId": "src-1",
        "status": "active",
        "dateCreated": "2025-04-18T10:02:28.123Z",
        "dateLastModified": "2025-04-18T10:02:28.123Z",
    }


def test_a_new_organisation_keeps_what_was_sent_in_copies() -> None:
    ids = [{"type": "brin", "value": "12AB"}]
    boards, locations = ["board-1"], ["loc-1", "loc-2"]
    body = minimal() | {
        "organisationIds": ids,
        "boards": boards,
        "locations": locations,
        "status": "inactive",
    }
    organisation = new_organisation(body, CREATED)
    assert organisation["organisationIds"] == ids
    assert organisation["boards"] == ["board-1"]
    assert organisation["locations"] == ["loc-1", "loc-2"]
    assert organisation["status"] == "inactive"
    # Changing the request body afterwards does not change the stored organisation.
    boards.append("board-2")
    ids.append({"type": "kvk", "value": "1"})
    locations.clear()
    assert organisation["boards"] == ["board-1"]
    assert len(organisation["organisationIds"]) == 1
    assert organisation["locations"] == ["loc-1", "loc-2"]


@pytest.mark.parametrize("missing", ["id", "name", "sourceId"])
def test_a_new_organisation_needs_id_name_and_source_id(missing: str) -> None:
    body = minimal()
    del body[missing]
    with pytest.raises(KeyError):
        new_organisation(body, CREATED)


# --- updates: only sourceId ---


def test_check_update_accepts_source_id_alone_and_nothing() -> None:
    check_update({"sourceId": "src-2"})
    check_update({})


def test_check_update_refuses_every_other_field_by_name_in_order() -> None:
    with pytest.raises(Invalid) as refused:
        check_update({"sourceId": "x", "status": "inactive", "name": "Other"})
    error = refused.value
    assert (error.status, error.code) == (400, "invalid_request")
    assert error.message == "Only sourceId can be changed on an organisation."
    assert error.errors == [
        FieldError("name", "cannot be changed; only sourceId can"),
        FieldError("status", "cannot be changed; only sourceId can"),
    ]


def test_a_new_source_id_is_applied_and_stamped() -> None:
    organisation = new_organisation(minimal(), CREATED)
    updated = apply_update(organisation, {"sourceId": "src-2"}, LATER)
    assert updated["sourceId"] == "src-2"
    assert updated["dateLastModified"] == "2025-04-19T10:02:28.128Z"
    assert updated["dateCreated"] == "2025-04-18T10:02:28.123Z"
    # The stored organisation is not changed in place.
    assert organisation["sourceId"] == "src-1"
    assert organisation["dateLastModified"] == "2025-04-18T10:02:28.123Z"


@pytest.mark.parametrize("changes", [{"sourceId": "src-1"}, {}])
def test_an_update_that_changes_nothing_keeps_the_stamp(changes: dict[str, object]) -> None:
    organisation = new_organisation(minimal(), CREATED)
    assert apply_update(organisation, changes, LATER) == organisation


def test_an_update_of_another_field_changes_nothing() -> None:
    organisation = new_organisation(minimal(), CREATED)
    with pytest.raises(Invalid) as refused:
        apply_update(organisation, {"sourceId": "src-2", "name": "Other"}, LATER)
    assert refused.value.errors == [FieldError("name", "cannot be changed; only sourceId can")]
    assert organisation["sourceId"] == "src-1"


# --- lists ---


def org(ident: str, status: str = "active") -> dict[str, object]:
    return {"id": ident, "status": status}


ORGS = [org("c"), org("a", "inactive"), org("d"), org("b"), org("e", "inactive")]


def ids(page: Page) -> list[object]:
    return [o["id"] for o in page.items]


def test_a_list_is_ordered_by_id_and_unfiltered_without_active() -> None:
    page = select_page(ORGS, active=None, limit=10, offset=0)
    assert ids(page) == ["a", "b", "c", "d", "e"]
    assert (page.total, page.next_offset) == (5, None)


def test_active_true_keeps_the_active_ones_and_false_the_others() -> None:
    active = select_page(ORGS, active=True, limit=10, offset=0)
    assert (ids(active), active.total) == (["b", "c", "d"], 3)
    inactive = select_page(ORGS, active=False, limit=10, offset=0)
    assert (ids(inactive), inactive.total) == (["a", "e"], 2)


def test_pages_follow_each_other_without_gaps_or_overlap() -> None:
    first = select_page(ORGS, active=None, limit=2, offset=0)
    assert (ids(first), first.total, first.next_offset) == (["a", "b"], 5, 2)
    second = select_page(ORGS, active=None, limit=2, offset=2)
    assert (ids(second), second.next_offset) == (["c", "d"], 4)
    last = select_page(ORGS, active=None, limit=2, offset=4)
    assert (ids(last), last.total, last.next_offset) == (["e"], 5, None)


def test_a_page_that_ends_exactly_at_the_last_item_has_no_next_offset() -> None:
    page = select_page(ORGS, active=None, limit=5, offset=0)
    assert (len(page.items), page.next_offset) == (5, None)
    page = select_page(ORGS, active=None, limit=4, offset=0)
    assert (ids(page), page.next_offset) == (["a", "b", "c", "d"], 4)


def test_an_offset_past_the_end_gives_an_empty_page_with_the_total() -> None:
    page = select_page(ORGS, active=True, limit=2, offset=7)
    assert page == Page([], 3, None)
