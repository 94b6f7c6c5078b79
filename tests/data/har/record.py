"""Records the HAR fixtures of tests/test_har.py with two real producers (see README.md beside this file).

    .venv/bin/python tests/data/har/record.py --mitmdump /path/to/mitmdump

Serves a koppelbox sandbox, then sends one short session of a connector (Wimpel and Edu-V requests, some
wrong on purpose, and one request that is no API call) twice: through `mitmdump` as a reverse proxy with
its HAR export (`--set hardump=...`), and from Chromium (Debian's /usr/bin/chromium, driven by Playwright
with `record_har_path`), as `fetch()` calls of a page. Not run by the tests: the files it writes are.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from koppelbox import Sandbox

HERE = Path(__file__).resolve().parent
WIMPEL = "Bearer kbx-noordstar"
EDUV = "Bearer kbx-sleutelbos"
# (method, path, authorization, JSON body or None)
SESSION: list[tuple[str, str, str, object]] = [
    ("GET", "/sandbox/health", "", None),  # no API call: left out
    ("GET", "/wimpel/v1/organisations?limit=2", WIMPEL, None),
    (
        "POST",
        "/wimpel/v1/organisations",
        WIMPEL,
        {"id": "16SK07", "name": "Liemers College SGM", "sourceId": "har-1"},
    ),
    ("POST", "/wimpel/v1/organisations", WIMPEL, {"id": "16SK08", "name": 5}),  # wrong on purpose
    ("GET", "/wimpel/v1/organisations/16SK", WIMPEL, None),
    ("GET", "/wimpel/v1/organisations/99ZZ", WIMPEL, None),  # 404
    ("GET", "/wimpel/v1/organisations", "Bearer kbx-noordstar-expired", None),  # 401
    ("GET", "/eduv/v1/employees/school?orgId=16SK", EDUV, None),  # orgIdType missing: a finding
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mitmdump(executable: str, sandbox: Sandbox) -> None:
    port = free_port()
    out = HERE / "mitmdump.har"
    command = [executable, "--mode", f"reverse:{sandbox.base_url}", "--listen-host", "127.0.0.1"]
    command += ["--listen-port", str(port), "--set", f"hardump={out}", "-q"]
    process = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for method, path, authorization, body in SESSION:
                headers = {"Authorization": authorization} if authorization else {}
                client.request(method, path, headers=headers, json=body)
    finally:
        process.send_signal(signal.SIGINT)  # mitmdump writes the HAR when it stops
        process.wait(30)
    print(f"wrote {out}")


def chromium(sandbox: Sandbox) -> None:
    from playwright.sync_api import sync_playwright

    out = HERE / "chromium.har"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        context = browser.new_context(record_har_path=str(out), record_har_content="embed")
        page = context.new_page()
        page.goto(f"{sandbox.base_url}/sandbox/health")
        for method, path, authorization, body in SESSION[1:]:
            page.evaluate(
                """async ([method, path, authorization, body]) => {
                    const headers = authorization ? {Authorization: authorization} : {};
                    if (body !== null) headers["Content-Type"] = "application/json";
                    const sent = body === null ? undefined : JSON.stringify(body);
                    const answer = await fetch(path, {method, headers, body: sent});
                    return answer.status;
                }""",
                [method, path, authorization, body],
            )
        context.close()  # the HAR is written when the context closes
        browser.close()
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mitmdump", help="the mitmdump executable (pip install mitmproxy in a venv)")
    args = parser.parse_args()
    with Sandbox() as sandbox:
        if args.mitmdump:
            mitmdump(args.mitmdump, sandbox)
            sandbox.reset()
        chromium(sandbox)
    for name in ("mitmdump.har", "chromium.har"):
        path = HERE / name
        if path.exists():
            entries = json.loads(path.read_text())["log"]["entries"]
            print(f"{name}: {len(entries)} entries")


if __name__ == "__main__":
    main()
