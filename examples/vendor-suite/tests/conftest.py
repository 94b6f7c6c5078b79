"""The vendor's own test configuration. The `koppelbox` fixture comes from the koppelbox pytest plugin,
registered when koppelbox is installed: nothing to configure here but the credentials the connector uses
(the sandbox's seeded clients, as `koppelbox tokens` prints them)."""

PORTAL = ("partner-inschrijfwijzer", "inschrijfwijzer-secret")  # Aanmeld-API partner 101
STAFF_SYNC = ("consumer-sleutelbos", "sleutelbos-secret")  # Edu-V consumer
