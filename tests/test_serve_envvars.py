"""Every `koppelbox serve` option can come from a KOPPELBOX_* environment variable (as in the image)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from koppelbox.cli.serve import serve

ENVVARS = {
    "host": "KOPPELBOX_HOST",
    "port": "KOPPELBOX_PORT",
    "seed": "KOPPELBOX_SEED",
    "fixtures": "KOPPELBOX_FIXTURES",
    "max_body_bytes": "KOPPELBOX_MAX_BODY_BYTES",
    "validate_responses": "KOPPELBOX_VALIDATE_RESPONSES",
    "journal_size": "KOPPELBOX_JOURNAL_SIZE",
    "quiet": "KOPPELBOX_QUIET",
    "log_format": "KOPPELBOX_LOG_FORMAT",
    "color": "KOPPELBOX_COLOR",
    "state": "KOPPELBOX_STATE",
    "workers": "KOPPELBOX_WORKERS",
    "tenant_fixtures": "KOPPELBOX_TENANT_FIXTURES",
}


def test_every_serve_option_has_an_envvar_named_in_help() -> None:
    options = {param.name: param for param in serve.params if param.name != "help"}
    assert set(options) == set(ENVVARS)
    assert {name: getattr(param, "envvar", None) for name, param in options.items()} == ENVVARS
    result = CliRunner().invoke(serve, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    for envvar in ENVVARS.values():
        assert envvar in result.output


def test_envvars_set_the_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    values = {
        "KOPPELBOX_HOST": "0.0.0.0",
        "KOPPELBOX_PORT": "9123",
        "KOPPELBOX_SEED": "7",
        "KOPPELBOX_FIXTURES": str(tmp_path),
        "KOPPELBOX_MAX_BODY_BYTES": "1234",
        "KOPPELBOX_VALIDATE_RESPONSES": "1",
        "KOPPELBOX_JOURNAL_SIZE": "55",
        "KOPPELBOX_QUIET": "true",
        "KOPPELBOX_LOG_FORMAT": "json",
        "KOPPELBOX_COLOR": "never",
        "KOPPELBOX_STATE": "sqlite:///state.db",
        "KOPPELBOX_WORKERS": "3",
        "KOPPELBOX_TENANT_FIXTURES": str(tmp_path),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with serve.make_context("serve", []) as context:
        assert context.params == {
            "host": "0.0.0.0",
            "port": 9123,
            "seed": 7,
            "fixtures": tmp_path,
            "max_body_bytes": 1234,
            "validate_responses": True,
            "journal_size": 55,
            "quiet": True,
            "log_format": "json",
            "color": "never",
            "state": "sqlite:///state.db",
            "workers": 3,
            "tenant_fixtures": tmp_path,
        }
    monkeypatch.setenv("KOPPELBOX_PORT", "99999")
    with pytest.raises(click.BadParameter, match="99999"):
        serve.make_context("serve", [])
