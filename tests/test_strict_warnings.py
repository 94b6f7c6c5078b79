"""koppelbox imports, builds its app and serves under `python -W error`: no warning of ours or of our
dependencies' import reaches a user who turns warnings into errors (Connexion's jsonschema deprecation is
silenced around its one import, in `server/integration/__init__.py`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import koppelbox
    import koppelbox.cli
    from starlette.testclient import TestClient
    from koppelbox.server.app import create_app

    with TestClient(create_app()) as client:
        assert client.get("/sandbox/health").status_code == 200
        answer = client.get("/wimpel/v1/organisations", headers={"Authorization": "Bearer kbx-kompas"})
        assert answer.status_code == 200, answer.text
    """
)


def test_import_build_and_serve_under_w_error() -> None:
    # A fresh interpreter: in this one Connexion is long imported and its warnings already spent.
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
