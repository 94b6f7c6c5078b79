"""A file koppelbox reads at run time that is missing is an error naming it, never a silent default
(issue 19): a broken install, or an override that points nowhere, says where it looked."""

from __future__ import annotations

from pathlib import Path

import pytest

from koppelbox import resources


def test_a_missing_directory_names_where_it_was_looked_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path / "site-packages" / "koppelbox")
    with pytest.raises(FileNotFoundError, match="openapi/ directory") as raised:
        resources.openapi_dir()
    assert str(tmp_path / "site-packages" / "koppelbox" / "_data" / "openapi") in str(raised.value)


def test_an_override_that_points_nowhere_is_an_error_not_the_shipped_copy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KOPPELBOX_FIXTURES_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=r"KOPPELBOX_FIXTURES_DIR names .*nowhere"):
        resources.fixtures_dir()


def test_missing_schemathesis_settings_are_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "openapi").mkdir()
    monkeypatch.setenv("KOPPELBOX_OPENAPI_DIR", str(tmp_path / "openapi"))
    with pytest.raises(FileNotFoundError, match=r"schemathesis\.toml"):
        resources.schemathesis_settings()
