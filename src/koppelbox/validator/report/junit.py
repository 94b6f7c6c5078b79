"""JUnit XML for CI: one test case per file, one failure per finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from koppelbox.validator.results import FileResult, Summary, position


def render(results: Sequence[FileResult], suite: str = "koppelbox validate") -> str:
    summary = Summary.of(results)
    failures = summary.errors + summary.warnings
    root = ET.Element("testsuites", name=suite, tests=str(summary.files), failures=str(failures))
    testsuite = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(summary.files),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for result in results:
        case = ET.SubElement(testsuite, "testcase", name=result.file, classname=result.target or "unknown")
        for f in result.findings:
            where = position(f)
            message = f"`{f.field}` {f.message}{where}"
            failure = ET.SubElement(case, "failure", message=message, type=f"{f.rule} ({f.severity})")
            failure.text = f"{f.severity} {f.rule} at {f.pointer or '/'}: {message}"
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
