"""The koppelbox pytest plugin, registered on install (`pytest11` entry point): a fresh sandbox per test.

    def test_lists_organisations(koppelbox):
        token = koppelbox.token("partner-noordstar")
        ...

One sandbox server per session (per pytest-xdist worker: each its own, on a free port), reset to the seed
and with an empty journal before every test. `--koppelbox-fixtures` (or the `koppelbox_fixtures` ini
option) names the fixtures folder; the shipped seed by default. A front end of the public API alone
(`koppelbox.Sandbox`, docs/python.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from koppelbox.sandbox import Sandbox

OPTION = "koppelbox_fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("koppelbox", "koppelbox sandbox")
    group.addoption(
        "--koppelbox-fixtures",
        dest=OPTION,
        default=None,
        metavar="DIR",
        help="fixtures folder of the `koppelbox` fixture's sandbox (default: the seed koppelbox ships)",
    )
    parser.addini(OPTION, "fixtures folder of the `koppelbox` fixture's sandbox (default: the shipped seed)")


def _fixtures_folder(config: pytest.Config) -> Path | None:
    given = config.getoption(OPTION)
    if given:
        return Path(given)
    configured = str(config.getini(OPTION) or "")
    if not configured:
        return None
    # A relative path in an ini file is relative to that file, as pytest's own path options are.
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return base / configured


@pytest.fixture(scope="session")
def _koppelbox_session(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """The session's sandbox server (one per pytest-xdist worker, each on a free port), started when the
    first test asks for it and stopped at the end of the session. Internal: tests use `koppelbox`, which
    resets it first."""
    from koppelbox import Sandbox

    with Sandbox(_fixtures_folder(request.config)) as sandbox:
        yield sandbox


@pytest.fixture
def koppelbox(_koppelbox_session: Sandbox) -> Sandbox:
    """A `koppelbox.Sandbox` serving every API, in the seeded state: store back to the seed, issued tokens
    gone and the journal empty, before each test. `koppelbox.base_url` for real HTTP, `koppelbox.asgi_app`
    for in-process clients, `koppelbox.token(client_id)`, `koppelbox.journal()`, `koppelbox.certify(api,
    client)`; docs/python.md has the rest."""
    _koppelbox_session.reset()
    return _koppelbox_session
