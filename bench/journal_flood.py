"""Resident memory of a served sandbox under a flood of maximal-size requests (issue 15, item 3).

    .venv/bin/python bench/journal_flood.py [--journal-size 1000] [--rounds 4] [--seconds 300]
                                            [--max-body-bytes 1048576] [--threads 2]

Serves the sandbox in a subprocess (`python -m koppelbox serve`), then streams over loopback, round after
round, `journal-size` requests each, rotating through the worst cases for the journal: 2 MB of headers
(one 1 MiB value and a hundred 10 KiB ones), a JSON body at the size cap, a 900-deep JSON body, a
32 KiB query string with secrets in it, and an unparseable body at the cap. After each round it reads the
journal (which builds the pending entries) and prints the server's VmRSS from /proc/<pid>/status. Flat
figures once the ring is full (after round 1) are the pass mark. Bounded by `--rounds` and `--seconds`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ADMIN = {"Authorization": "Bearer kbx-admin-local"}
PARTNER = {"Authorization": "Bearer kbx-noordstar"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


Request = tuple[str, str, dict[str, str], bytes]


def kinds(cap: int) -> list[Request]:
    big_headers = {**PARTNER, "X-Big": "a" * (1024 * 1024)}
    big_headers.update({f"X-Many-{i}": "b" * 10 * 1024 for i in range(100)})
    filler = cap - 64
    big_json = json.dumps({"name": "x" * filler, "client_secret": "s3cret"}).encode()[: cap - 8]
    if not big_json.endswith(b"}"):
        big_json = json.dumps({"name": "x" * (filler - 64)}).encode()
    json_type = {"Content-Type": "application/json"}
    return [
        ("GET", "/wimpel/v1/organisations", big_headers, b""),
        ("POST", "/wimpel/v1/organisations", {**PARTNER, **json_type}, big_json),
        ("POST", "/wimpel/v1/organisations", json_type, b"[" * 900 + b"]" * 900),
        ("GET", "/wimpel/v1/organisations?client_secret=s3cret&q=" + "q" * 32 * 1024, PARTNER, b""),
        ("POST", "/aanmeld/v1/aanmeldingen", json_type, b"{" * (cap - 8)),
    ]


def send(port: int, request: Request) -> int:
    method, path, headers, body = request
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status
    except OSError:
        return 0
    finally:
        connection.close()


def journal_page(port: int) -> dict[str, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", "/sandbox/journal?limit=1", headers=ADMIN)
    page: dict[str, object] = json.loads(connection.getresponse().read())
    connection.close()
    return page


def flood(port: int, requests: list[Request], count: int, threads: int, deadline: float) -> dict[int, int]:
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(count))

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            status = send(port, requests[i % len(requests)])
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return statuses


def wait_for(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("the sandbox exited")
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/sandbox/health")
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("the sandbox did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--journal-size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--max-body-bytes", type=int, default=1024 * 1024)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    port = free_port()
    command = [sys.executable, "-m", "koppelbox", "serve", "--port", str(port)]
    command += ["--journal-size", str(args.journal_size), "--max-body-bytes", str(args.max_body_bytes)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    report: Callable[[str], None] = print
    try:
        wait_for(port, process)
        deadline = time.monotonic() + args.seconds
        report(
            f"journal size {args.journal_size}, body cap {args.max_body_bytes} bytes, "
            f"{args.journal_size} requests per round, {args.threads} threads"
        )
        header = f"{'round':>5} {'requests':>9} {'journal':>8} {'dropped':>8} {'RSS MiB':>8} {'s':>6}"
        report(f"{header}  statuses")
        report(f"{'start':>5} {0:>9} {0:>8} {0:>8} {rss_mib(process.pid):>8.1f} {0:>6}")
        requests = kinds(args.max_body_bytes)
        sent = 0
        for r in range(1, args.rounds + 1):
            if time.monotonic() >= deadline:
                report("time is up")
                break
            started = time.perf_counter()
            statuses = flood(port, requests, args.journal_size, args.threads, deadline)
            sent += sum(statuses.values())
            page = journal_page(port)
            report(
                f"{r:>5} {sent:>9} {page['size']:>8} {page['dropped']:>8} {rss_mib(process.pid):>8.1f} "
                f"{time.perf_counter() - started:>6.1f}  {dict(sorted(statuses.items()))}"
            )
        time.sleep(1)
        report(f"{'after':>5} {sent:>9} {'':>8} {'':>8} {rss_mib(process.pid):>8.1f}")
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
