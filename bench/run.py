"""Load the sandbox, a raw Starlette app doing the same Wimpel work, and Stoplight Prism mocking the same
Wimpel contract, side by side, and print the ratios sandbox/Prism and sandbox/raw.

    make bench    # or: .venv/bin/python bench/run.py [--duration 4] [--rounds 5] [--starts 3] [--no-prism]

One server core, one load core: each server is pinned to CPU 0 and wrk to CPU 1 (when the machine has
two), 32 connections over loopback. Absolute numbers drift on a shared machine; the ratios are the figures.
Each server is started `--starts` times (default 3) for its time to first 200 (the median is reported) and
idle RSS (the largest); the last start keeps running. The loads are then interleaved: in each of `--rounds`
rounds (default 5), each load runs on every server that has it, one right after the other, in an order
rotated from round to round. This VM's speed drifts by tens of percent over tens of seconds, so the runs a
ratio compares must be seconds apart, not a round apart; the best throughput of each load is kept. Prints
req/s, p50/p99, time to first 200 and idle RSS of each server; the sandbox also with response validation
on, and alone on one Aanmeld enrolment POST and one Edu-V employees query (Prism and the raw app keep no
state, so they have no equivalent).

Prism comes from the npm registry: installed once into bench/.prism (gitignored) with `npm install`.
wrk comes from Debian's packages when it is missing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PRISM_DIR = HERE / ".prism"
PRISM_PACKAGE = "@stoplight/prism-cli@5"
TOKEN = "kbx-noordstar"

# Servers keep running across rounds, so every wrk run gets its own number `{run}` (per load) and every
# request of every run stays new.

# One new organisation per request (a conflict would measure the 409 path instead): ~1 KB with 13
# properties' worth of nested ids, boards and locations, as the issue's anchor figures were taken with.
# Ids are "B<run>-<counter>" (the contract allows letters, digits, `.`, `_`, `-`, at most 64).
WIMPEL_POST = """
counter = 0
local run = {run}
local template = '{"id":"IDX","name":"Benchmark Scholengemeenschap IDX voor VWO HAVO MAVO VBO LWOO",'
  .. '"organisationIds":[{"organisationId":"IDX00","type":"vestigingserkenning"},'
  .. '{"organisationId":"IDX01","type":"vestigingserkenning"},'
  .. '{"organisationId":"IDX02","type":"vestigingserkenning"}],'
  .. '"boards":[{"id":41001,"name":"Stichting Benchmark Onderwijs Oost-Nederland"},'
  .. '{"id":41002,"name":"Vereniging Benchmark Christelijk Voortgezet Onderwijs"}],'
  .. '"locations":[{"id":"IDX00","name":"Benchmark Scholengemeenschap hoofdlocatie aan de Stationsweg",'
  .. '"type":"hoofdlocatie"},'
  .. '{"id":"IDX01","name":"Benchmark Scholengemeenschap locatie Julianastraat","type":"locatie"},'
  .. '{"id":"IDX02","name":"Benchmark Scholengemeenschap locatie Beatrixpark","type":"locatie"},'
  .. '{"id":"IDX03","name":"Benchmark Scholengemeenschap locatie Industrieweg","type":"locatie"}],'
  .. '"sourceId":"bench-IDX"}'
request = function()
  counter = counter + 1
  local body = string.gsub(template, "IDX", "B" .. run .. "-" .. counter)
  return wrk.format("POST", "{path}", nil, body)
end
"""

# One enrolment of a new pupil per request: a fresh BSN (eleven-proof) each time, two parents, ~1 KB.
# Run r draws its BSNs from the 8-digit prefixes 30,000,000 + r * 1,000,000 onwards (a million per run,
# far more than a run sends; MAX_RUNS runs fit below 100,000,000), and names its pupil and parents
# "Bench<run>-<counter>" so no parent of an earlier run is matched either.
AANMELD_POST = """
counter = 0
local run = {run}
local function bsn(n)
  while true do
    local prefix = tostring(30000000 + run * 1000000 + n)
    local sum = 0
    for i = 1, 8 do sum = sum + tonumber(prefix:sub(i, i)) * (10 - i) end
    local check = sum % 11
    if check < 10 then return prefix .. check, n end
    n = n + 1
  end
end
request = function()
  local pgn
  pgn, counter = bsn(counter + 1)
  local tag = run .. "-" .. counter
  local parent = function(initial, gender, relation, number)
    return '{"achternaam":"Bench' .. tag .. '","voorletters":"' .. initial .. '","roepnaam":"Ouder",' ..
      '"geslacht":"' .. gender .. '","relatie":"' .. relation .. '","email":"ouder' .. tag ..
      '@example.nl","mobiel":"0612345678","adres":{"straat":"Kerkpad","huisnummer":' .. number ..
      ',"postcode":"8861 AB","woonplaats":"Harlingen"}}'
  end
  local body = '{"brin":"16SK","codeExternePartij":"bench-' .. tag .. '",' ..
    '"leerling":{"pgn":"' .. pgn .. '","achternaam":"Bench' .. tag .. '","voornamen":"Bench Leerling",' ..
    '"roepnaam":"Bench","geslacht":"onbekend","geboortedatum":"2014-02-11","geboorteplaats":"Harlingen",' ..
    '"adres":{"straat":"Kerkpad","huisnummer":7,"postcode":"8861 AB","woonplaats":"Harlingen"}},' ..
    '"ouders":[' .. parent("A.", "vrouw", "moeder", 7) .. ',' .. parent("B.", "man", "vader", 7) .. ']}'
  return wrk.format("POST", "{path}", nil, body)
end
"""
MAX_RUNS = 70  # of one load: 30,000,000 + 69 * 1,000,000 + a run's counter stays 8 digits


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


@dataclass(frozen=True)
class Load:
    label: str  # column title
    path: str  # under the server's prefix for this contract
    token: str = TOKEN
    script: str | None = None  # a wrk Lua script with `{path}` for the full path and `{run}` for the run


WIMPEL_GET = Load("Wimpel GET one", "/v1/organisations/16SK")
WIMPEL_CREATE = Load("Wimpel POST", "/v1/organisations", script=WIMPEL_POST)
AANMELD_ENROL = Load("Aanmeld POST", "/v1/aanmeldingen", token="kbx-inschrijfwijzer", script=AANMELD_POST)
EDUV_QUERY = Load("Edu-V GET", "/v1/employees/school?orgMasterId=100X016", token="kbx-sleutelbos")


@dataclass
class Server:
    name: str
    command: list[str]
    loads: list[Load]
    # Where each contract is served: the sandbox mounts Wimpel under /wimpel, Prism at the root.
    prefix: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None

    def url(self, base: str, load: Load) -> str:
        api = {"Aanmeld": "/aanmeld", "Edu-V": "/eduv"}.get(load.label.split()[0], "/wimpel")
        return base + self.prefix.get(api, api) + load.path


@dataclass
class Figures:
    first_200_s: float
    idle_rss_mib: float
    results: dict[str, Result]


@dataclass
class Running:
    """A started server: its process, where it listens, and its stderr (a file, so it never blocks)."""

    server: Server
    process: subprocess.Popen[bytes]
    base: str
    log: IO[bytes]

    def log_tail(self, chars: int = 2000) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-chars:]


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


def ensure_prism() -> Path:
    """Prism's CLI from the npm registry, installed once into bench/.prism."""
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if not npm:
        raise SystemExit("bench: npm is needed to install Prism (apt-get install npm), or pass --no-prism")
    print(f"installing {PRISM_PACKAGE} into {PRISM_DIR} (npm install)...", file=sys.stderr)
    PRISM_DIR.mkdir(exist_ok=True)
    subprocess.run(
        [npm, "install", "--prefix", str(PRISM_DIR), "--no-audit", "--no-fund", PRISM_PACKAGE],
        check=True,
        capture_output=True,
    )
    return binary


def wait_ready(url: str, timeout: float = 30.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
            with urllib.request.urlopen(request, timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.01)
    raise RuntimeError(f"{url} did not answer 200 within {timeout}s")


def rss_mib(pid: int) -> float:
    # The server may be a child of taskset's exec (same pid) — read the process's own status.
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def parse_wrk(output: str) -> Result:
    def duration_ms(text: str) -> float:
        found = re.match(r"([\d.]+)(us|ms|s|m)$", text)
        if not found:  # wrk prints "-nan" when no request completed
            return float("nan")
        value, unit = found.groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]

    if "Requests/sec" not in output:
        raise RuntimeError(f"wrk gave no figures:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = duration_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = duration_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    non_2xx_match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if errors or rps == 0:
        print(
            f"wrk reported trouble ({errors.group(1) if errors else 'no requests'}):\n{output}",
            file=sys.stderr,
        )
    return Result(rps, p50, p99, int(non_2xx_match.group(1)) if non_2xx_match else 0)


def load(
    wrk: str,
    url: str,
    args: argparse.Namespace,
    script: str | None = None,
    token: str = TOKEN,
    run: int = 0,
) -> Result:
    """One wrk run; `run` numbers it among the runs of the same script, so its requests differ from theirs."""
    command = [wrk, "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    command += ["-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/json"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        path = "/" + url.split("/", 3)[3]
        lua.write((script or "").replace("{path}", path).replace("{run}", str(run)))
    if script:
        command += ["-s", lua.name]
    try:
        output = subprocess.run(pinned([*command, url], 1), check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(lua.name)
    return parse_wrk(output)


def start(server: Server, started: list[Running]) -> tuple[Running, float, float]:
    """Start one server and wait for its first 200 on the Wimpel GET; returns it with that time and its
    idle RSS half a second later. The process is added to `started` at once, so it is always stopped."""
    port = free_port()
    command = [arg.replace("{port}", str(port)) for arg in server.command]
    log = tempfile.TemporaryFile()  # noqa: SIM115 -- lives as long as the server; stop() closes it
    began = time.perf_counter()
    process = subprocess.Popen(pinned(command, 0), stdout=subprocess.DEVNULL, stderr=log, cwd=server.cwd)
    running = Running(server, process, f"http://127.0.0.1:{port}", log)
    started.append(running)
    try:
        wait_ready(server.url(running.base, WIMPEL_GET))
    except RuntimeError as error:
        raise RuntimeError(f"{server.name}: {error}\n{running.log_tail()}") from None
    first_200 = time.perf_counter() - began
    time.sleep(0.5)
    return running, first_200, rss_mib(process.pid)


def stop(running: Running) -> None:
    if running.process.poll() is None:
        running.process.terminate()
        try:
            running.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            running.process.kill()
            running.process.wait()
    running.log.close()


def bench(wrk: str, args: argparse.Namespace, started: list[Running]) -> dict[str, Figures]:
    chosen = servers(args)
    first_200: dict[str, list[float]] = {server.name: [] for server in chosen}
    idle_rss: dict[str, list[float]] = {server.name: [] for server in chosen}
    running: list[Running] = []
    for attempt in range(args.starts):  # the last start of each server keeps running for the loads
        for server in chosen:
            one, first, idle = start(server, started)
            first_200[server.name].append(first)
            idle_rss[server.name].append(idle)
            if attempt < args.starts - 1:
                stop(one)
            else:
                running.append(one)
    for one in running:  # warm-up
        load(wrk, one.server.url(one.base, WIMPEL_GET), argparse.Namespace(duration=1, connections=4))
    best: dict[str, dict[str, Result]] = {server.name: {} for server in chosen}
    runs: Counter[str] = Counter()  # wrk runs so far per load, numbering the next one
    non_2xx: Counter[tuple[str, str]] = Counter()
    for round_ in range(args.rounds):
        for item in (WIMPEL_GET, WIMPEL_CREATE, AANMELD_ENROL, EDUV_QUERY):
            holders = [one for one in running if item in one.server.loads]
            if not holders:
                continue
            shift = round_ % len(holders)  # none is always first
            for one in holders[shift:] + holders[:shift]:
                if one.process.poll() is not None:
                    code = one.process.returncode
                    raise RuntimeError(f"{one.server.name} exited ({code}):\n{one.log_tail()}")
                result = load(
                    wrk, one.server.url(one.base, item), args, item.script, item.token, runs[item.label]
                )
                runs[item.label] += 1
                non_2xx[one.server.name, item.label] += result.non_2xx
                kept = best[one.server.name].get(item.label)
                if kept is None or result.requests_per_second > kept.requests_per_second:
                    best[one.server.name][item.label] = result
    for name, results in best.items():  # the kept run's figures, but the non-2xx answers of every run
        for label, result in results.items():
            results[label] = dataclasses.replace(result, non_2xx=non_2xx[name, label])
    return {
        server.name: Figures(
            statistics.median(first_200[server.name]), max(idle_rss[server.name]), best[server.name]
        )
        for server in chosen
    }


def servers(args: argparse.Namespace) -> list[Server]:
    python = sys.executable
    wimpel = [WIMPEL_GET, WIMPEL_CREATE]
    found = [
        Server(
            SANDBOX,
            [python, "-m", "koppelbox", "serve", "--port", "{port}"],
            [*wimpel, AANMELD_ENROL, EDUV_QUERY],
        ),
        Server(
            CHECKED,
            [python, "-m", "koppelbox", "serve", "--port", "{port}", "--validate-responses"],
            wimpel,
        ),
        Server(RAW, [python, str(HERE / "raw_app.py"), "{port}"], wimpel),
    ]
    if not args.no_prism:
        prism = ensure_prism()
        # Static mock, request validation on, warnings only in the log (the reference set-up).
        command = [str(prism), "mock", "-h", "127.0.0.1", "-p", "{port}", "-v", "warn"]
        found.append(
            Server(PRISM, [*command, str(ROOT / "openapi" / "wimpel.yaml")], wimpel, prefix={"/wimpel": ""})
        )
    return found


SANDBOX = "koppelbox sandbox"
CHECKED = "  + response validation"  # the same sandbox checking every answer against the contract
RAW = "raw Starlette (same dict work)"
PRISM = "Prism 5 static mock"


def report(results: dict[str, Figures], args: argparse.Namespace) -> None:
    print(
        f"\n{args.connections} connections, {args.duration}s per run, best of {args.rounds} interleaved "
        f"round(s), server on CPU 0, wrk on CPU 1; first 200: median of {args.starts} start(s); "
        "idle RSS: largest\n"
    )
    labels = [WIMPEL_GET.label, WIMPEL_CREATE.label, AANMELD_ENROL.label, EDUV_QUERY.label]
    header = f"{'server':31} {'load':15} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
    print(header + f" {'first 200':>10} {'idle RSS':>9}")
    print("-" * (len(header) + 21))
    for name, figures in results.items():
        startup = f" {figures.first_200_s:>9.2f}s {figures.idle_rss_mib:>7.1f}Mi"
        for label in labels:
            if label not in figures.results:
                continue
            result = figures.results[label]
            print(
                f"{name:31} {label:15} {result.requests_per_second:>8.0f} {result.p50_ms:>8.2f} "
                f"{result.p99_ms:>8.2f}{startup}"
            )
            startup = ""
            name = ""
    print()
    for name, figures in results.items():
        for label, result in figures.results.items():
            if result.non_2xx:
                print(f"warning: {result.non_2xx} non-2xx answers during {label} on {name}")
    sandbox = results[SANDBOX]
    for other, target in ((PRISM, 2.0), (RAW, 0.5)):
        if other not in results:
            continue
        for label in (WIMPEL_GET.label, WIMPEL_CREATE.label):
            theirs = results[other].results[label].requests_per_second
            if not theirs:
                print(f"ratio sandbox/{other.split()[0]} {label:15}   n/a  ({other} completed no request)")
                continue
            ratio = sandbox.results[label].requests_per_second / theirs
            verdict = "meets" if ratio >= target else "misses"
            print(
                f"ratio sandbox/{other.split()[0]} {label:15} {ratio:5.2f}  ({verdict} the target {target})"
            )
    checked = results[CHECKED]
    for label in (WIMPEL_GET.label, WIMPEL_CREATE.label):
        share = checked.results[label].requests_per_second / sandbox.results[label].requests_per_second
        print(f"with response validation, {label:15} {share:5.2f} of the sandbox's throughput")
    print(f"sandbox first 200: {sandbox.first_200_s:.2f} s (target 1 s)")
    print(f"sandbox idle RSS:  {sandbox.idle_rss_mib:.1f} MiB (target 80 MiB)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=4, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-prism", action="store_true", help="skip Prism (no npm on this machine)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="interleaved rounds, each running every load on every server back to back; best throughput kept",
    )
    parser.add_argument(
        "--starts", type=int, default=3, help="starts per server; median first 200 and largest idle RSS kept"
    )
    args = parser.parse_args()
    if not 1 <= args.rounds <= MAX_RUNS or args.starts < 1:
        parser.error(f"--rounds must be 1 to {MAX_RUNS} and --starts at least 1")
    wrk = ensure_wrk()
    started: list[Running] = []
    try:
        results = bench(wrk, args, started)
    finally:  # also on an error or Ctrl-C: no server outlives the bench
        for running in started:
            stop(running)
    report(results, args)


if __name__ == "__main__":
    main()
