"""`koppelbox proxy`: one API served at the sandbox's paths and forwarded to the real one, each exchange
judged on the way (validator/exchange.py) and kept in a journal like the sandbox's, served at the control
plane's own journal endpoints; and HAR files read into (and written from) the same journal entries.

`app.py` is the ASGI app (plain ASGI: nothing between the client's bytes and the upstream's),
`upstream.py` its lean HTTP/1.1 client to the real API (h11 over asyncio streams), `recording.py` turns
an exchange into a journal entry, `har.py` converts HAR 1.2 both ways. Nothing is imported here, so that
reading a HAR file does not load the web stack.
"""
