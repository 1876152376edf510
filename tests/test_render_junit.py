"""JUnit XML: parsed back, its counts agree with the report under each fail_on level."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cassettes_tool.review.render import render_report
from cassettes_tool.review.report import fails
from tests.helpers.reports import sample_report


def parse(fail_on: str) -> ET.Element:
    text = render_report(sample_report(), "junit", fail_on=fail_on)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))


def outcome(case: ET.Element) -> str:
    children = {child.tag for child in case} - {"system-out"}
    assert len(children) <= 1, children
    return children.pop() if children else "passed"


@pytest.mark.parametrize("fail_on", ["breaking", "warning", "info", "never"])
def test_junit_counts_match_the_report_at_every_fail_on_level(fail_on: str) -> None:
    report = sample_report()
    root = parse(fail_on)
    cases = root.findall("testsuite/testcase")
    failing = sum(1 for c in report.cassettes for i in c.interactions if any(fails(f, fail_on) for f in i.findings))
    errors = sum(1 for c in report.cassettes for i in c.interactions
                 if i.status == "error" and not any(fails(f, fail_on) for f in i.findings))
    errors += sum(1 for c in report.cassettes if c.error)
    skipped = sum(1 for c in report.cassettes for i in c.interactions if i.status == "skipped")
    interactions = sum(len(c.interactions) for c in report.cassettes)
    assert len(cases) == interactions + 1  # + the unreadable cassette
    assert [outcome(c) for c in cases].count("failure") == failing
    assert [outcome(c) for c in cases].count("error") == errors
    assert [outcome(c) for c in cases].count("skipped") == skipped
    assert root.get("tests") == str(len(cases))
    assert root.get("failures") == str(failing)
    assert root.get("errors") == str(errors)
    assert sum(int(s.get("skipped") or 0) for s in root.findall("testsuite")) == skipped
    for suite in root.findall("testsuite"):
        suite_cases = suite.findall("testcase")
        assert suite.get("tests") == str(len(suite_cases))
        for tag, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert suite.get(attribute) == str(sum(1 for c in suite_cases if outcome(c) == tag))


def test_junit_one_testcase_per_interaction_named_by_request() -> None:
    root = parse("breaking")
    suite = next(s for s in root.findall("testsuite") if s.get("name") == "tests/cassettes/users/get_user.yaml")
    names = [c.get("name") for c in suite.findall("testcase")]
    assert names == ["#0 GET https://api.example.com/users/7", "#1 GET https://api.example.com/users/8"]
    failure = suite.find("testcase/failure")
    assert failure is not None and failure.get("type") == "drift"
    assert "field_removed $.address.zip" in (failure.text or "")
    out = suite.find("testcase/system-out")
    assert out is not None and "0badc0ffee00" in (out.text or "") and "acknowledged" in (out.text or "")
    assert root.get("time") == "42.000"
    assert suite.get("timestamp") == "2026-11-24T03:00:00"  # junit-10.xsd: no zone designator


def test_drift_below_fail_on_passes_with_its_findings_in_system_out() -> None:
    root = parse("never")
    assert root.get("failures") == "0"
    outs = " ".join(e.text or "" for e in root.iter("system-out"))
    assert "3f9a0c1d2b4e" in outs and "c0ffee123456" in outs


def test_junit_survives_characters_xml_cannot_hold_and_markup_in_values() -> None:
    report = sample_report()
    report.cassettes[1].interactions[1].reason = "bad \x00\x1b byte </error><injected/>"
    text = render_report(report, "junit", fail_on="breaking")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.find(".//injected") is None
    messages = [e.get("message") or "" for e in root.iter("error")]
    assert any("</error><injected/>" in m and "\ufffd" in m for m in messages)
