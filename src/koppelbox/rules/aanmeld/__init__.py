"""Magister Aanmeld-API: what happens to an enrolment on receipt (docs/aanmeld.md, "The rules").

`validation` checks the Dutch data, `documents` the attachments, `matching` finds pupils and parents,
`stamnummer` numbers new pupils, `origin` places the school of origin and the advice, `intake` applies
them all to one school's records (the `records.SchoolRecords` interface, which the store implements), and
`views` renders what the school sees. No web framework, no I/O, no storage.
"""
