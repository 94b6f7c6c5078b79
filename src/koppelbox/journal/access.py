"""The access log: one line per request while `koppelbox serve` runs (README.md, "The `koppelbox` command").

The journal middleware knows every fact of a line (who, which scenario, how many findings) when it
records the exchange, so it hands an `AccessRecord` to a sink rather than a second middleware working
them out again. A sink is any callable; `koppelbox serve` writes each record as text or as one JSON
object a line, `--quiet` passes none.

Method, path and client are what a partner sent: a line is data, never terminal control. Text lines
escape every character that is not printable (ESC, CR, LF, bidi overrides, ...) and the backslash and
space, so a field never runs into the next and a path cannot move the cursor or fake a second line;
JSON lines escape all but printable ASCII. Only the path is logged, never the query string or a header
(where tokens and `client_secret` travel).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

PATH_LIMIT = 2048  # characters of a path a line keeps; a longer one is cut and its length noted
METHOD_LIMIT = 32


@dataclass(frozen=True, slots=True)
class AccessRecord:
    at: float  # when the request arrived (seconds since the epoch)
    method: str
    path: str
    status: int
    ms: float  # from the request's arrival to the end of the answer
    client: str | None  # as the journal attributes the request: the token's owner, or None
    scenario: str | None  # the catalogue scenario that shaped the answer, if any
    findings: int  # validation findings the answer carried (the journal's `findings`)

    def fields(self) -> dict[str, object]:
        path = self.path
        if len(path) > PATH_LIMIT:
            path = f"{path[:PATH_LIMIT]}... ({len(self.path)} characters, cut)"
        return {
            "time": timestamp(self.at),
            "method": self.method[:METHOD_LIMIT],
            "path": path,
            "status": self.status,
            "ms": round(self.ms, 1),
            "client": self.client,
            "scenario": self.scenario,
            "findings": self.findings,
        }


AccessSink = Callable[[AccessRecord], None]
# The formatted second of the latest line: formatting a time is the dearest part of a line, and the
# requests of one second share it. One tuple, replaced whole, so a thread never reads half of it.
_second: tuple[int, str] = (-1, "")


def timestamp(at: float) -> str:
    """RFC 3339 in UTC with milliseconds: `2026-12-03T10:47:23.111Z`."""
    global _second
    second = int(at)
    cached = _second
    if cached[0] != second:
        cached = _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{cached[1]}.{int(at * 1000) % 1000:03d}Z"


def printable(text: str) -> str:
    """`text` with every character a terminal could act on, and the backslash and space, escaped as in
    Python (`\\x1b`, `\\u202e`, `\\x20`): the line shows what was sent and does nothing else."""
    if text.isprintable() and "\\" not in text and " " not in text:
        return text  # the usual path, untouched
    out = []
    for char in text:
        if char.isprintable() and char not in "\\ ":
            out.append(char)
        elif ord(char) < 0x100:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)


def text_line(record: AccessRecord, style: Callable[[int, str], str] | None = None) -> str:
    """`TIME METHOD PATH STATUS MSms client=ID scenario=ID findings=N`, `-` for no client or scenario.
    `style` may colour the status (it is given the status and its text; only escaped text reaches it)."""
    f = record.fields()
    status = style(record.status, str(record.status)) if style else str(record.status)
    return (
        f"{f['time']} {printable(str(f['method']))} {printable(str(f['path']))} {status} {f['ms']}ms"
        f" client={printable(record.client or '-')} scenario={printable(record.scenario or '-')}"
        f" findings={f['findings']}"
    )


def json_line(record: AccessRecord) -> str:
    """One JSON object: `time, method, path, status, ms, client, scenario, findings` (null for none).
    ASCII only, so a lone surrogate or a control character a client sent is a JSON escape."""
    return json.dumps(record.fields(), ensure_ascii=True, separators=(",", ":"))
