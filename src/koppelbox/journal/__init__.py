"""The request journal: what every request to the sandbox looked like, and what it got back.

Pure (no web framework): `ring` holds the bounded buffer, `entry` the recorded value type, `masking` the
rules that keep secrets out of it. The ASGI side lives in `koppelbox.server.journal`.
"""

from koppelbox.journal.entry import JournalEntry, JournalFilter
from koppelbox.journal.ring import DEFAULT_CAPACITY, Journal

__all__ = ["DEFAULT_CAPACITY", "Journal", "JournalEntry", "JournalFilter"]
