"""A report three ways: JUnit XML for CI, a JSON evidence pack for the record, HTML for people.

The HTML is one self-contained page (inline CSS, `<details>` for the evidence, no script) that a vendor
can mail to a school. Titles and details are written in Markdown (backticks for field names); the page
renders them with markdown-it, raw HTML off, so that what a partner sent (quoted in a detail) stays text.
Every form names the koppelbox version, the contract (title, version, SHA-256) and the seed.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from html import escape
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from koppelbox.conformance.verdicts import Outcome, Report, Status, Verdict

# "js-default": CommonMark without raw HTML. Links and images are off too: a detail can quote a path or
# field a partner sent, and a report handed to a school must not carry a link a partner chose.
_MARKDOWN = MarkdownIt("js-default").disable(["link", "image", "autolink"])

FILES = {"junit": "junit.xml", "json": "evidence.json", "html": "report.html"}


def write_reports(report: Report, directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {kind: directory / name for kind, name in FILES.items()}
    paths["junit"].write_text(junit_xml(report), encoding="utf-8")
    paths["json"].write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
    paths["html"].write_text(html_page(report), encoding="utf-8")
    return paths


def _by_category(report: Report) -> dict[str, list[Verdict]]:
    grouped: dict[str, list[Verdict]] = defaultdict(list)
    for verdict in report.verdicts:
        grouped[verdict.category].append(verdict)
    return grouped


def junit_xml(report: Report) -> str:
    root = ET.Element("testsuites", name=f"koppelbox {report.kind}: {report.api} / {report.subject}")
    properties = _provenance(report)
    for category, verdicts in _by_category(report).items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{report.api} {category}",
            tests=str(len(verdicts)),
            failures=str(sum(v.outcome is Outcome.FAIL for v in verdicts)),
            skipped=str(sum(v.outcome in (Outcome.SKIP, Outcome.NOT_EXERCISED) for v in verdicts)),
        )
        listed = ET.SubElement(suite, "properties")
        for name, value in properties.items():
            ET.SubElement(listed, "property", name=name, value=value)
        for verdict in verdicts:
            case = ET.SubElement(suite, "testcase", classname=f"{report.api}.{category}", name=verdict.title)
            if verdict.outcome is Outcome.FAIL:
                ET.SubElement(case, "failure", message=verdict.detail).text = verdict.detail
            elif verdict.outcome in (Outcome.SKIP, Outcome.NOT_EXERCISED):
                ET.SubElement(case, "skipped", message=verdict.detail)
            else:
                ET.SubElement(case, "system-out").text = verdict.detail
    if report.status is Status.INCOMPLETE:
        # CI must not read a run on partial evidence as green: one failing case says what is missing.
        suite = ET.SubElement(root, "testsuite", name=f"{report.api} evidence", tests="1", failures="1")
        case = ET.SubElement(suite, "testcase", classname=f"{report.api}.evidence", name="Evidence is whole")
        missing = " ".join(report.incomplete_reasons)
        ET.SubElement(case, "failure", message=f"INCOMPLETE: {missing}").text = missing
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
th, td { border: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.pass { color: #0a6b2b; font-weight: bold; } .fail { color: #b00020; font-weight: bold; }
.skip { color: #6b6b6b; }
pre { white-space: pre-wrap; font-size: .8rem; background: #f7f7f7; padding: .5rem; }
.banner { padding: .75rem 1rem; border-radius: .3rem; font-size: 1.2rem; margin: 1rem 0; }
.banner.pass { background: #e3f4e8; } .banner.fail { background: #fbe4e7; }
.banner.incomplete { background: #fff4d6; } .not-exercised, .incomplete { color: #8a5a00; font-weight: bold; }
code { background: #f2f2f2; padding: 0 .2rem; border-radius: .2rem; }
td p { margin: 0; }
"""


def _provenance(report: Report) -> dict[str, str]:
    """What a reader needs to reproduce the report: tool version, contract, seed (and the journal)."""
    meta = report.meta
    contract: dict[str, Any] = meta.get("contract") or {}
    found = {
        "koppelbox version": str(meta.get("tool_version", "")),
        "contract": f"{contract.get('title', '')} {contract.get('version', '')} ({contract.get('file', '')})",
        "contract sha256": str(contract.get("sha256", "")),
        "seed": str(meta.get("seed", "")),
        "generated at": str(meta.get("generated_at", "")),
    }
    if meta.get("source"):
        found["journal"] = str(meta["source"])
    coverage = report.coverage_text()
    if coverage:
        found["coverage"] = coverage
    return found


def _markdown(text: str) -> str:
    rendered: str = _MARKDOWN.renderInline(text)
    return rendered


def html_page(report: Report) -> str:
    status = report.status
    css_class = {Status.PASSED: "pass", Status.FAILED: "fail", Status.INCOMPLETE: "incomplete"}[status]
    counts = report.counts()
    provenance = "".join(
        f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>"
        for name, value in _provenance(report).items()
    )
    details = "".join(
        f"<tr><th>{escape(str(k))}</th><td>{escape(_text(v))}</td></tr>"
        for k, v in report.meta.items()
        if k not in {"tool", "tool_version", "contract", "seed", "generated_at", "source"}
    )
    missing = "".join(f"<li>{_markdown(reason)}</li>" for reason in report.incomplete_reasons)
    coverage = report.coverage_text()
    sections = []
    for category, verdicts in _by_category(report).items():
        rows = "".join(_row(v) for v in verdicts)
        sections.append(
            f"<h2>{escape(category)}</h2><table><tr><th>check</th><th>result</th><th>detail</th></tr>"
            f"{rows}</table>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>koppelbox {escape(report.kind)}: {escape(report.api)} / {escape(report.subject)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>koppelbox {escape(report.kind)}</h1>"
        f'<div class="banner {css_class}">{escape(report.api)} / {escape(report.subject)}: '
        f"<strong>{status}</strong> ({counts['pass']} passed, {counts['fail']} failed, "
        f"{counts['not-exercised']} not exercised, {counts['skip']} not applicable)</div>"
        + (f"<p><strong>Coverage:</strong> {escape(coverage)}</p>" if coverage else "")
        + (
            f"<h2>What is missing</h2><p>No verdict is claimed on part of the evidence:</p><ul>{missing}</ul>"
            if missing
            else ""
        )
        + f"<table>{provenance}{details}</table>{''.join(sections)}"
        "<p>Generated by koppelbox; the JSON evidence pack next to this page holds every request and "
        "answer behind each result.</p></body></html>\n"
    )


def _text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def _row(verdict: Verdict) -> str:
    outcome = str(verdict.outcome)
    evidence = ""
    if verdict.evidence:
        shown = json.dumps(verdict.evidence[:3], indent=2, ensure_ascii=False)
        more = f" (first 3 of {len(verdict.evidence)})" if len(verdict.evidence) > 3 else ""
        evidence = f"<details><summary>evidence{more}</summary><pre>{escape(shown)}</pre></details>"
    word = outcome.replace("-", " ").upper()
    return (
        f'<tr><td>{_markdown(verdict.title)}</td><td class="{outcome}">{word}</td>'
        f"<td>{_markdown(verdict.detail)}{evidence}</td></tr>"
    )
