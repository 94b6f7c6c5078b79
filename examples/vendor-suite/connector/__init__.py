"""A tiny connector of the kind a vendor writes: an enrolment portal that delivers enrolments to a school's
Magister (Aanmeld-API), and a staff sync that reads a school's employees (Edu-V Employees API).

It knows nothing of koppelbox: it talks HTTP to whatever base URL it is given, as it would in production.
"""
