"""The request journal: what every request to the sandbox looked like, and what it got back.

Pure (no web framework): `backend` is the seam the server reads and writes through (`JournalBackend`), `ring`
the bounded buffer in memory, `entry` the recorded value type, `masking` the rules that keep secrets out
of it. The ASGI side lives in `koppelbox.server.journal`.
"""

from koppelbox.journal.backend import JournalBackend
from koppelbox.journal.entry import JournalEntry, JournalFilter
from koppelbox.journal.ring import DEFAULT_CAPACITY, Journal

__all__ = ["DEFAULT_CAPACITY", "Journal", "JournalBackend", "JournalEntry", "JournalFilter"]
