"""The container image (Containerfile at the root), built and run with podman.

Needs a working podman: `../shared/containers/prepare-podman.sh` (as root) makes one on a machine with no
registry; `.ci/run` runs it first and sets KOPPELBOX_REQUIRE_PODMAN=1, so in CI a missing podman fails this
module instead of skipping it. The image is built once for the module (the build is most of the time).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "koppelbox-test"
RENAMED = "Containerlyceum Uit Een Gemount Volume"

pytestmark = pytest.mark.slow

if shutil.which("podman") is None:
    if os.environ.get("KOPPELBOX_REQUIRE_PODMAN"):
        raise RuntimeError("KOPPELBOX_REQUIRE_PODMAN is set but podman is not installed")
    pytest.skip(
        "podman is not installed; run ../shared/containers/prepare-podman.sh (as root) to test the image",
        allow_module_level=True,
    )


def podman(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, check=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def get(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def image() -> str:
    # --format docker keeps HEALTHCHECK (the OCI format has no field for it).
    built = podman("build", "--format", "docker", "-t", IMAGE, str(ROOT), timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return IMAGE


class Container:
    def __init__(self, image: str, *args: str) -> None:
        self.port = free_port()
        started = podman(
            "run", "-d", "--health-interval", "disable", "-e", f"KOPPELBOX_PORT={self.port}", *args, image
        )
        assert started.returncode == 0, started.stderr
        self.id = started.stdout.strip()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if get(self.port, "/sandbox/health")[0] == 200:
                    return
            except OSError:
                pass
            if podman("inspect", "--format", "{{.State.Running}}", self.id).stdout.strip() != "true":
                break
            time.sleep(0.2)
        raise AssertionError(f"container not ready on port {self.port}:\n{podman('logs', self.id).stderr}")

    def state(self) -> dict[str, object]:
        inspected = json.loads(podman("inspect", self.id).stdout)
        state: dict[str, object] = inspected[0]["State"]
        return state

    def remove(self) -> None:
        podman("rm", "--force", "--time", "0", self.id)


@pytest.fixture(scope="module")
def served(image: str) -> Iterator[Container]:
    container = Container(image)
    try:
        container.wait_ready()
        yield container
    finally:
        container.remove()


def test_apis_answer(served: Container) -> None:
    assert get(served.port, "/sandbox/health")[0] == 200
    assert get(served.port, "/health")[0] == 200  # what the image's HEALTHCHECK asks
    status, body = get(served.port, "/wimpel/v1/organisations", token="kbx-noordstar")
    assert status == 200
    assert "99XA" in [organisation["id"] for organisation in json.loads(body)]


def test_process_is_not_root(served: Container) -> None:
    uid = podman("exec", served.id, "id", "-u")
    assert uid.returncode == 0, uid.stderr
    assert uid.stdout.strip() != "0"


def test_healthcheck_passes(served: Container) -> None:
    healthcheck = json.loads(
        podman("image", "inspect", "--format", "{{json .Config.Healthcheck}}", IMAGE).stdout
    )
    assert "/health" in " ".join(healthcheck["Test"])
    checked = podman("healthcheck", "run", served.id)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_mounted_fixtures_are_what_is_served(image: str, tmp_path: Path) -> None:
    fixtures = tmp_path / "myfixtures"
    shutil.copytree(ROOT / "fixtures", fixtures)
    schools = fixtures / "schools.yaml"
    text = schools.read_text(encoding="utf-8")
    assert text.count("name: Stedelijk Lyceum De Wadden\n") == 1
    schools.write_text(text.replace("name: Stedelijk Lyceum De Wadden\n", f"name: {RENAMED}\n"), "utf-8")
    fixtures.chmod(0o755)  # readable by the image's non-root user
    container = Container(image, "-v", f"{fixtures}:/fixtures:ro", "-e", "KOPPELBOX_FIXTURES=/fixtures")
    try:
        container.wait_ready()
        status, body = get(container.port, "/wimpel/v1/organisations/99XA", token="kbx-noordstar")
        assert status == 200
        assert json.loads(body)["name"] == RENAMED
    finally:
        container.remove()


def test_sigterm_ends_it_with_exit_code_0(image: str) -> None:
    container = Container(image)
    try:
        container.wait_ready()
        assert get(container.port, "/wimpel/v1/organisations", token="kbx-noordstar")[0] == 200
        began = time.monotonic()
        stopped = podman("stop", "--time", "5", container.id)  # SIGTERM (the image's STOPSIGNAL), then 5 s
        took = time.monotonic() - began
        assert stopped.returncode == 0, stopped.stderr
        state = container.state()
        assert state["Status"] == "exited"
        assert state["ExitCode"] == 0
        assert took < 3, f"podman stop took {took:.1f}s: SIGTERM did not end the server promptly"
    finally:
        container.remove()
