"""Proving integrations right: judge a vendor's client from the journal (`certify`), test a vendor's
server against our contract (`provider`), and fuzz the sandbox itself (`fuzz`)."""
