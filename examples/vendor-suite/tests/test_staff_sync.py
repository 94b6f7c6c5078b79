"""The staff sync against the sandbox: scopes decide what the school shares."""

from __future__ import annotations

from connector.staff import StaffSync

from conftest import STAFF_SYNC


def test_the_school_s_staff_is_synced_without_contact_details_on_the_basic_scope(koppelbox) -> None:
    with StaffSync(koppelbox.base_url, *STAFF_SYNC) as sync:
        staff = sync.staff_of("16SK")
    assert staff
    assert all(member.name for member in staff)
    assert {member.email for member in staff} == {None}


def test_with_the_communication_scope_the_email_addresses_come_along(koppelbox) -> None:
    scope = "eduv.employee.basic eduv.employee.communication"
    with StaffSync(koppelbox.base_url, *STAFF_SYNC, scope=scope) as sync:
        staff = sync.staff_of("16SK")
    assert any(member.email for member in staff)
