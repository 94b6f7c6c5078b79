"""Contract parsing (`specs.py`), kept at this path until it moves to its own bottom-layer module; the
rest of what was here is the server's Connexion integration (`server/integration/`) and the lane
(`server/lane.py`)."""
