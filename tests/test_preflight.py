"""Bad input is refused before any work: one line, exit 2, no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from koppelbox.cli import main
from koppelbox.cli.preflight import check_sandbox_url
from koppelbox.conformance.local import free_port, serving
from koppelbox.server.app import create_app
from koppelbox.store import Store


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with serving(create_app(Store.from_directory())) as url:
        yield url


def conformance(tmp_path: Path, base_url: str, *extra: str) -> Any:
    arguments = ["conformance", "--api", "wimpel", "--base-url", base_url, "--token", "t", "--out"]
    return CliRunner().invoke(main, [*arguments, str(tmp_path / "out"), *extra])


def error_line(result: Any) -> str:
    [line] = [line for line in result.output.splitlines() if line.startswith("Error:")]
    return str(line)


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("http://127.0.0.1:8080/wimpel/v1", "drop the trailing /v1"),
        ("http://127.0.0.1:8080/wimpel/v1/v1/", "drop the trailing /v1"),
        ("http://127.0.0.1:70000/wimpel", "port is not a number in 1..65535"),
        ("ftp://127.0.0.1/wimpel", "must start with http:// or https://"),
        ("127.0.0.1:8080/wimpel", "must start with http:// or https://"),
        ("http:///wimpel", "names no host"),
    ],
)
def test_a_malformed_base_url_is_one_line_and_exit_2(tmp_path: Path, base_url: str, message: str) -> None:
    result = conformance(tmp_path, base_url)
    assert result.exit_code == 2, result.output
    assert message in error_line(result)
    assert not (tmp_path / "out").exists()


def test_a_server_that_is_not_there_is_one_line_and_exit_2(tmp_path: Path) -> None:
    port = free_port()  # nothing listens on it
    result = conformance(tmp_path, f"http://127.0.0.1:{port}/wimpel")
    assert result.exit_code == 2, result.output
    assert error_line(result) == f"Error: cannot reach http://127.0.0.1:{port} (connection refused)"
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("id: [unclosed", "is not YAML or JSON"),
        ("- just\n- a list\n", "must map names to one value each"),
    ],
)
def test_a_bad_ids_file_is_one_line_and_exit_2(
    tmp_path: Path, sandbox_url: str, content: str | None, message: str
) -> None:
    ids = tmp_path / "ids.yaml"
    if content is not None:
        ids.write_text(content)
    result = conformance(tmp_path, f"{sandbox_url}/wimpel", "--ids", str(ids))
    assert result.exit_code == 2, result.output
    assert message in error_line(result)


def test_an_id_name_the_contract_does_not_have_is_refused(tmp_path: Path, sandbox_url: str) -> None:
    result = conformance(tmp_path, f"{sandbox_url}/wimpel", "--id", "orgMasterId=100X016")
    assert result.exit_code == 2, result.output
    assert "no operation of the wimpel contract has a parameter orgMasterId" in error_line(result)
    result = conformance(tmp_path, f"{sandbox_url}/wimpel", "--id", "id")
    assert "is not NAME=VALUE" in error_line(result)


def test_a_sandbox_url_must_answer_like_a_koppelbox_sandbox(sandbox_url: str) -> None:
    assert check_sandbox_url(sandbox_url + "/") == sandbox_url

    async def not_koppelbox(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"not here"})

    with serving(not_koppelbox) as other, pytest.raises(click.UsageError, match="koppelbox sandbox"):
        check_sandbox_url(other)
