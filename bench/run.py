"""Load the sandbox and a raw Starlette app with the same Wimpel work, side by side, and print the ratio.

    make bench            # or: .venv/bin/python bench/run.py [--duration 10] [--connections 32]

One server core, one load core: each server is pinned to CPU 0 and wrk to CPU 1 (when the machine has
two), 32 connections over loopback. Absolute numbers drift on a shared machine; the ratio is the figure.
Also prints time to first 200 and idle RSS of each server.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOKEN = "kbx-noordstar"

POST_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local id = "B" .. counter
  local body = '{"id":"' .. id .. '","name":"Benchmark School ' .. id .. '","sourceId":"bench-' .. id .. '"}'
  return wrk.format("POST", "/wimpel/v1/organisations", nil, body)
end
"""


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


@dataclass
class Figures:
    first_200_s: float
    idle_rss_mib: float
    get: Result
    post: Result


@dataclass
class Server:
    name: str
    command: list[str]
    ready_path: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pinned(command: list[str], cpu: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(cpu), *command]
    return command


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found; installing it from Debian's packages (apt-get install wrk)...", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench: wrk is needed (apt-get install wrk)")
    return found


def wait_ready(url: str, timeout: float = 20.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer 200 within {timeout}s")


def rss_mib(pid: int) -> float:
    # The server may be a child of taskset's exec (same pid) — read the process's own status.
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def parse_wrk(output: str) -> Result:
    def duration_ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = duration_ms(re.search(r"50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = duration_ms(re.search(r"99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    non_2xx_match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Result(rps, p50, p99, int(non_2xx_match.group(1)) if non_2xx_match else 0)


def load(wrk: str, url: str, args: argparse.Namespace, script: str | None = None) -> Result:
    command = [wrk, "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    command += ["-H", f"Authorization: Bearer {TOKEN}", "-H", "Content-Type: application/json"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script or "")
    if script:
        command += ["-s", lua.name]
    try:
        output = subprocess.run(pinned([*command, url], 1), check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(lua.name)
    return parse_wrk(output)


def measure(server: Server, wrk: str, args: argparse.Namespace) -> Figures:
    port = free_port()
    command = [arg.replace("{port}", str(port)) for arg in server.command]
    started = time.perf_counter()
    process = subprocess.Popen(
        pinned(command, 0), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base + server.ready_path)
        first_200 = time.perf_counter() - started
        time.sleep(0.5)
        idle = rss_mib(process.pid)
        load(
            wrk, base + "/wimpel/v1/organisations/16SK", argparse.Namespace(duration=1, connections=4)
        )  # warm-up
        get = load(wrk, base + "/wimpel/v1/organisations/16SK", args)
        post = load(wrk, base + "/wimpel/v1/organisations", args, POST_SCRIPT)
        return Figures(first_200, idle, get, post)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=8, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    wrk = ensure_wrk()
    python = sys.executable
    servers = [
        Server(
            "koppelbox sandbox",
            [python, "-m", "koppelbox", "serve", "--port", "{port}"],
            "/wimpel/v1/organisations/16SK",
        ),
        Server(
            "raw Starlette (same dict work)",
            [python, str(HERE / "raw_app.py"), "{port}"],
            "/wimpel/v1/organisations/16SK",
        ),
    ]
    results = {server.name: measure(server, wrk, args) for server in servers}

    print(
        f"\nWimpel, {args.connections} connections, {args.duration}s per run, server on CPU 0, wrk on CPU 1\n"
    )
    columns = [("server", 34), ("GET req/s", 10), ("p50 ms", 8), ("p99 ms", 8), ("POST req/s", 11)]
    columns += [("p50 ms", 8), ("p99 ms", 8), ("first 200", 10), ("idle RSS", 9)]
    header = " ".join(
        f"{title:{'<' if index == 0 else '>'}{width}}" for index, (title, width) in enumerate(columns)
    )
    print(header)
    print("-" * len(header))
    for name, figures in results.items():
        get, post = figures.get, figures.post
        print(
            f"{name:34} {get.requests_per_second:>10.0f} {get.p50_ms:>8.2f} {get.p99_ms:>8.2f} "
            f"{post.requests_per_second:>11.0f} {post.p50_ms:>8.2f} {post.p99_ms:>8.2f} "
            f"{figures.first_200_s:>9.2f}s {figures.idle_rss_mib:>7.1f}Mi"
        )
        for label, result in (("GET", get), ("POST", post)):
            if result.non_2xx:
                print(f"  warning: {result.non_2xx} non-2xx answers during {label} on {name}")
    sandbox, raw = results["koppelbox sandbox"], results["raw Starlette (same dict work)"]
    print(f"ratio sandbox/raw, GET one: {sandbox.get.requests_per_second / raw.get.requests_per_second:.2f}")
    print(
        f"ratio sandbox/raw, POST 1 KB: {sandbox.post.requests_per_second / raw.post.requests_per_second:.2f}"
    )


if __name__ == "__main__":
    main()
