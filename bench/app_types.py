"""Why the sandbox runs on Connexion's AsyncApp: stock AsyncApp vs stock FlaskApp on the same tiny contract.

    .venv/bin/python bench/app_types.py [--duration 5]

Both apps serve one GET with a path parameter and one JSON POST, with stock validation and no auth, so the
difference is the framework alone. It also sends an encoded newline in the path parameter to each.
Needs Flask (`pip install 'connexion[flask]'`), which koppelbox itself does not depend on.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

from run import Result, ensure_wrk, free_port, parse_wrk, pinned

SPEC = """
openapi: 3.0.3
info: {title: app type probe, version: "1"}
paths:
  /items/{id}:
    get:
      operationId: probe.get_item
      parameters: [{name: id, in: path, required: true, schema: {type: string, pattern: "^[A-Za-z0-9]+$"}}]
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
  /items:
    post:
      operationId: probe.create_item
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [id, name]
              properties: {id: {type: string}, name: {type: string}, sourceId: {type: string}}
      responses: {"201": {description: created, content: {application/json: {schema: {type: object}}}}}
"""

PROBE = """
ITEMS = {"16SK": {"id": "16SK", "name": "Liemers College", "sourceId": "xgQQXg3hrtjh7AvZ"}}

def get_item(id):
    return ITEMS.get(id, {}), 200

def create_item(body):
    ITEMS[body["id"]] = body
    return body, 201
"""

MAIN = """
import sys, connexion, uvicorn
kind = sys.argv[1]
app = (connexion.AsyncApp if kind == "async" else connexion.FlaskApp)(__name__, specification_dir=".")
app.add_api("spec.yaml")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""

POST_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("POST", "/items", {["Content-Type"] = "application/json"},
    '{"id":"B' .. counter .. '","name":"Benchmark School","sourceId":"bench"}')
end
"""


def run(kind: str, directory: Path, wrk: str, duration: int) -> tuple[Result, Result, int]:
    port = free_port()
    process = subprocess.Popen(pinned([sys.executable, "main.py", kind, str(port)], 0), cwd=directory)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                urllib.request.urlopen(base + "/items/16SK", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        try:
            newline = urllib.request.urlopen(base + "/items/16SK%0A", timeout=5).status
        except urllib.error.HTTPError as error:
            newline = error.code
        (directory / "post.lua").write_text(POST_SCRIPT)
        common = [wrk, "-t1", "-c32", f"-d{duration}s", "--latency"]
        get = subprocess.run(
            pinned([*common, base + "/items/16SK"], 1), capture_output=True, text=True
        ).stdout
        post = subprocess.run(
            pinned([*common, "-s", str(directory / "post.lua"), base + "/items"], 1),
            capture_output=True,
            text=True,
        ).stdout
        return parse_wrk(get), parse_wrk(post), newline
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5)
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "spec.yaml").write_text(SPEC)
        (directory / "probe.py").write_text(textwrap.dedent(PROBE))
        (directory / "main.py").write_text(textwrap.dedent(MAIN))
        results = {kind: run(kind, directory, wrk, args.duration) for kind in ("async", "flask")}
    print(f"{'app':10} {'GET req/s':>10} {'p99 ms':>8} {'POST req/s':>11} {'p99 ms':>8} {'GET %0A path':>14}")
    for kind, (get, post, newline) in results.items():
        print(
            f"{kind:10} {get.requests_per_second:>10.0f} {get.p99_ms:>8.2f} "
            f"{post.requests_per_second:>11.0f} {post.p99_ms:>8.2f} {newline:>14}"
        )
    ratio = results["async"][0].requests_per_second / results["flask"][0].requests_per_second
    print(f"AsyncApp/FlaskApp GET: {ratio:.2f}x")


if __name__ == "__main__":
    main()
