"""The web inspector: what a school and a vendor's developer see of the sandbox, in a browser.

Served by `koppelbox serve` itself, on the sandbox's own port: the home page at `/`, everything else under
`/inspector/` (docs/inspector.md). Server-rendered Jinja2 templates with autoescaping, one small vendored
script (the live journal), no CDN: it works offline.

A front end like the CLI: it reaches the server only through `server/app.py` (`SandboxApp`, whose
`sandbox` holds the store, journal and mounted APIs) and the store through its Protocols
(`store/interfaces.py`); the rules it shows are the store's and the rules' own, never re-implemented here.
"""

from __future__ import annotations

from koppelbox.web.mount import mount
from koppelbox.web.pages import PREFIX

__all__ = ["PREFIX", "mount"]
