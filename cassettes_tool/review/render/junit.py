"""The JUnit XML report: one ``<testsuite>`` per cassette, one ``<testcase>`` per interaction.

An interaction with drift at or above ``fail_on`` is a ``<failure>``, one that could not be
checked an ``<error>``, a skipped one ``<skipped>``; drift below ``fail_on`` and acknowledged
findings pass, listed in ``<system-out>``. An unreadable cassette is one ``<error>`` test case.
Built with :mod:`xml.etree`, so everything is escaped; characters XML 1.0 forbids are replaced.
Only the elements and attributes of the common schema (Jenkins' junit-10.xsd) are used.

``time`` is the wall time of an interaction's live calls (from the report; ``0`` for one that
was not sent), a suite's is their sum. ``classname`` is the cassette's path as a dotted name
without its suffix (``tests.cassettes.users.get_user``), which CI dashboards show as a package
and a class instead of a file name cut at ``.yaml``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from cassettes_tool.review.render.common import describe_counts, severity_counts, short_value
from cassettes_tool.review.report import CassetteResult, Finding, InteractionResult, Report, fails

# XML 1.0 allows tab, newline, carriage return and these ranges only.
_INVALID_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """Text that XML 1.0 can hold (forbidden characters become U+FFFD)."""
    return _INVALID_XML.sub("\ufffd", str(value))


def _finding_text(finding: Finding) -> str:
    ack = " (acknowledged)" if finding.acknowledged else ""
    where = finding.path or finding.location
    return (f"{finding.severity}{ack} {finding.kind} {where}: {finding.message} "
            f"[{short_value(finding.recorded)} -> {short_value(finding.live)}] fingerprint {finding.fingerprint}")


def _timestamp(value: str) -> str:
    """ISO-8601 in UTC without a zone designator, as junit-10.xsd's timestamp pattern wants."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return xml_text(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat()


def _seconds(report: Report) -> float:
    try:
        start = datetime.fromisoformat(report.started_at.replace("Z", "+00:00"))
        end = datetime.fromisoformat(report.finished_at.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    return max((end - start).total_seconds(), 0.0)


def classname(path: str) -> str:
    """A cassette path as a dotted class name: folders become packages, the suffix goes."""
    parts = [part for part in re.split(r"[\\/]+", path) if part not in ("", ".", "..")]
    if parts:
        stem, dot, suffix = parts[-1].rpartition(".")
        parts[-1] = stem if dot and stem and suffix.lower() in ("yaml", "yml", "json") else parts[-1]
    return ".".join(part.replace(".", "_") for part in parts) or "cassette"


def _time(seconds: float | None) -> str:
    return f"{max(seconds or 0.0, 0.0):.3f}"


def _testcase(suite: ET.Element, cassette: CassetteResult, item: InteractionResult, fail_on: str) -> str:
    """Add one test case; return its outcome (passed, failure, error, skipped)."""
    case = ET.SubElement(suite, "testcase", {
        "classname": xml_text(classname(cassette.path)),
        "name": xml_text(f"#{item.index} {item.method} {item.uri}"), "time": _time(item.seconds),
    })
    failing = [f for f in item.findings if fails(f, fail_on)]
    outcome = "passed"
    if failing:
        outcome = "failure"
        counts = describe_counts(severity_counts(failing))
        element = ET.SubElement(case, "failure", {"type": "drift", "message": xml_text(
            f"drift at or above {fail_on}: {counts}")})
        element.text = xml_text("\n".join(_finding_text(f) for f in failing))
    elif item.status == "error":
        outcome = "error"
        ET.SubElement(case, "error", {"type": "live", "message": xml_text(item.reason or "could not be checked")})
    elif item.status in ("skipped", "not_compared"):
        outcome = "skipped"
        ET.SubElement(case, "skipped", {"message": xml_text(item.reason or item.status.replace("_", " "))})
    rest = [f for f in item.findings if f not in failing]
    if rest:
        ET.SubElement(case, "system-out").text = xml_text("\n".join(_finding_text(f) for f in rest))
    return outcome


def render_junit(report: Report, *, fail_on: str) -> str:
    """The report as JUnit XML (the Jenkins/GitLab/GitHub dashboards' dialect)."""
    root = ET.Element("testsuites", {"name": "cassettes drift"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for cassette in sorted(report.cassettes, key=lambda c: c.path):
        suite = ET.SubElement(root, "testsuite", {"name": xml_text(cassette.path)})
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if cassette.error:
            case = ET.SubElement(suite, "testcase", {
                "classname": xml_text(classname(cassette.path)), "name": xml_text(f"cassette {cassette.path}"),
                "time": "0.000"})
            ET.SubElement(case, "error", {"type": "cassette", "message": xml_text(cassette.error)})
            counts["tests"] += 1
            counts["errors"] += 1
        for item in sorted(cassette.interactions, key=lambda i: i.index):
            outcome = _testcase(suite, cassette, item, fail_on)
            counts["tests"] += 1
            if outcome == "failure":
                counts["failures"] += 1
            elif outcome == "error":
                counts["errors"] += 1
            elif outcome == "skipped":
                counts["skipped"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", _time(sum(i.seconds or 0.0 for i in cassette.interactions)))
        suite.set("timestamp", _timestamp(report.started_at))
    for key, value in totals.items():
        if key != "skipped":  # junit-10.xsd has no skipped on <testsuites>; each <testsuite> has it
            root.set(key, str(value))
    root.set("time", f"{_seconds(report):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
