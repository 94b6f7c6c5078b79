"""Payload checks shared by the sandbox server and the `koppelbox validate` CLI, so the two never disagree."""
