"""What `koppelbox proxy` adds to an exchange's latency (issue 21: the goal is under 2 ms at the median).

    .venv/bin/python bench/proxy_latency.py [--requests 500] [--guard] [--profile]

Serves a minimal upstream (a plain ASGI app under uvicorn that answers a Wimpel create with a 1 KB
JSON body) and `koppelbox proxy --api wimpel` in front of it, each in its own process, on loopback. Then
one keep-alive client sends the same valid 1 KB `POST /v1/organisations` alternately straight to the
upstream and through the proxy, and prints the median and p90 of both and their difference. The proxy's
work is all in it: the operation found, the body checked (schema and Dutch rules), the response checked,
the exchange journalled. Alternating the two keeps a busy machine's noise in both columns alike. It also
prints the proxy's start-up time: from launching the command until `/sandbox/health` answers.

`--profile` runs the proxy in this process instead, under cProfile, and prints where its time goes per
exchange (the functions of the proxy, its client to the upstream, the checks and uvicorn), cumulative.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

BODY = json.dumps(
    {
        "id": "16SK07",
        "name": "Liemers College SGM voor LYC HAVO MAVO VBO LWOO",
        "sourceId": "s" * 120,
        "organisationIds": [
            {"type": "vestigingserkenning", "organisationId": f"16SK{n:02d}"} for n in range(14)
        ],
    }
).encode()
ANSWER = json.dumps(
    {
        "id": "16SK07",
        "name": "Liemers College SGM",
        "boards": [],
        "locations": [],
        "sourceId": "s" * 120,
        "organisationIds": [
            {"type": "vestigingserkenning", "organisationId": f"16SK{n:02d}"} for n in range(12)
        ],
        "status": "active",
        "dateCreated": "2026-01-05T10:00:00Z",
        "dateLastModified": "2026-01-05T10:00:00Z",
    }
).encode()


async def upstream(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]
    await send({"type": "http.response.start", "status": 201, "headers": headers})
    await send({"type": "http.response.body", "body": ANSWER})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(port: int, deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def started_in(port: int, since: float, deadline: float = 120.0) -> float:
    """Seconds from `since` until the proxy answers `GET /sandbox/health`: what a user waits at start."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/sandbox/health")
            if connection.getresponse().status == 200:
                return time.monotonic() - since
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"the proxy on {port} did not answer its health check")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(connection: http.client.HTTPConnection, path: str) -> float:
    headers = {"Authorization": "Bearer kbx-noordstar", "Content-Type": "application/json"}
    start = time.perf_counter()
    connection.request("POST", path, body=BODY, headers=headers)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    if response.status != 201:
        raise SystemExit(f"{path} answered {response.status}")
    return elapsed * 1000


def profile(up: int, requests: int, guard: bool) -> None:
    """The proxy served in this process under cProfile (only the server's thread is profiled)."""
    import cProfile
    import pstats
    import threading

    import uvicorn

    from koppelbox.proxy.app import ProxyApp, ProxySettings

    px = free_port()
    settings = ProxySettings("wimpel", f"http://127.0.0.1:{up}", guard=guard, journal_size=requests + 100)
    config = uvicorn.Config(
        ProxyApp(settings), port=px, log_level="warning", access_log=False, server_header=False
    )
    server = uvicorn.Server(config)

    def client() -> None:
        wait_for(px)
        proxied = http.client.HTTPConnection("127.0.0.1", px)
        for _ in range(requests + 100):  # 100 to warm up, counted in the profile too
            timed(proxied, "/wimpel/v1/organisations")
        server.should_exit = True

    threading.Thread(target=client, daemon=True).start()
    profiler = cProfile.Profile()
    profiler.enable()
    server.run()
    profiler.disable()
    print(f"{requests + 100} exchanges; seconds in all, cumulative (divide by the exchanges for one)")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(r"koppelbox|h11|uvicorn/protocols|jsonschema|json/", 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--guard", action="store_true")
    parser.add_argument("--profile", action="store_true", help="profile the proxy in this process")
    parser.add_argument("--serve-upstream", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        import uvicorn

        uvicorn.run(upstream, host="127.0.0.1", port=args.serve_upstream, log_level="error", access_log=False)
        return
    up, px = free_port(), free_port()
    here = os.path.abspath(__file__)
    upstream_process = subprocess.Popen([sys.executable, here, "--serve-upstream", str(up)])
    command = [sys.executable, "-m", "koppelbox", "proxy", "--api", "wimpel", "--port", str(px)]
    command += ["--upstream", f"http://127.0.0.1:{up}", "--journal-size", "100000"]
    if args.profile:
        try:
            wait_for(up)
            profile(up, args.requests, args.guard)
        finally:
            upstream_process.terminate()
            upstream_process.wait()
        return
    launched = time.monotonic()
    proxy_process = subprocess.Popen(command + (["--guard"] if args.guard else []), stderr=subprocess.DEVNULL)
    try:
        startup = started_in(px, launched)
        wait_for(up)
        direct = http.client.HTTPConnection("127.0.0.1", up)
        proxied = http.client.HTTPConnection("127.0.0.1", px)
        for _ in range(50):  # warm up: connections, caches, compiled schemas
            timed(direct, "/v1/organisations")
            timed(proxied, "/wimpel/v1/organisations")
        plain: list[float] = []
        through: list[float] = []
        cpu_before = cpu_seconds(proxy_process.pid), cpu_seconds(upstream_process.pid)
        for _ in range(args.requests):
            plain.append(timed(direct, "/v1/organisations"))
            through.append(timed(proxied, "/wimpel/v1/organisations"))
        cpu_after = cpu_seconds(proxy_process.pid), cpu_seconds(upstream_process.pid)
    finally:
        proxy_process.terminate()
        upstream_process.terminate()
        proxy_process.wait()
        upstream_process.wait()

    def p90(values: list[float]) -> float:
        return statistics.quantiles(values, n=10)[-1]

    print(f"{args.requests} POSTs of {len(BODY)} bytes each way, answers of {len(ANSWER)} bytes, loopback")
    print(f"{'':12} {'median ms':>10} {'p90 ms':>10}")
    print(f"{'direct':12} {statistics.median(plain):10.3f} {p90(plain):10.3f}")
    print(f"{'via proxy':12} {statistics.median(through):10.3f} {p90(through):10.3f}")
    added = statistics.median(through) - statistics.median(plain)
    print(f"{'added':12} {added:10.3f} {p90(through) - p90(plain):10.3f}   (goal: median under 2 ms)")
    print(f"ratio of medians: {statistics.median(through) / statistics.median(plain):.2f}")
    # CPU time is what the proxy costs whatever else runs on the machine; wall-clock latency on a
    # loaded machine is mostly waiting for a core (each hop is one more process to wake).
    proxy_cpu = (cpu_after[0] - cpu_before[0]) / args.requests * 1000
    upstream_cpu = (cpu_after[1] - cpu_before[1]) / (2 * args.requests) * 1000
    print(f"CPU per exchange: proxy {proxy_cpu:.3f} ms, upstream {upstream_cpu:.3f} ms")
    print(f"start-up: {startup:.2f} s from launch until /sandbox/health answered")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
