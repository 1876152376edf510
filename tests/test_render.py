"""Text and Markdown renderers: golden files, ordering, colour, width and escaping."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cassettes_tool.errors import UsageError
from cassettes_tool.review.render import FORMATS, render_report, want_color
from cassettes_tool.review.report import Report
from tests.helpers.reports import clean_report, sample_report

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("CASSETTES_UPDATE_GOLDEN"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; CASSETTES_UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs (CASSETTES_UPDATE_GOLDEN=1 to rewrite)"


@pytest.mark.parametrize(("name", "fmt", "fail_on"), [
    ("report.txt", "text", "breaking"),
    ("report-warning.txt", "text", "warning"),
    ("report.md", "markdown", "breaking"),
    ("clean.txt", "text", "breaking"),
    ("clean.md", "markdown", "breaking"),
    ("report.sarif", "sarif", "breaking"),
    ("report.json", "json", "breaking"),
    ("report.html", "html", "breaking"),
])
def test_text_and_markdown_match_their_golden_files(name: str, fmt: str, fail_on: str) -> None:
    report = clean_report() if name.startswith("clean") else sample_report()
    check_golden(name, render_report(report, fmt, fail_on=fail_on))


def test_junit_matches_its_golden_file_with_each_interactions_duration() -> None:
    report = sample_report()
    report.cassettes[1].interactions[0].seconds = 0.25
    report.cassettes[1].interactions[1].seconds = 1.5
    report.cassettes[3].interactions[0].seconds = 0.125
    check_golden("report.junit.xml", render_report(report, "junit", fail_on="breaking"))


def test_text_off_a_terminal_matches_its_golden_file_and_wraps_nothing() -> None:
    report = sample_report()
    text = render_report(report, "text", fail_on="breaking", width=None, report_path="night/report.json")
    check_golden("report-unwrapped.txt", text)
    assert "…" not in text  # the long URL is whole
    assert "Next: cassettes accept night/report.json writes" in text


def test_text_lists_cassettes_worst_first_and_ends_with_a_summary_and_the_verdict() -> None:
    text = render_report(sample_report(), "text", fail_on="breaking")
    labels = {"FAIL", "DRIFT", "ERROR", "ACKED", "OK", "SKIPPED"}
    heads = [line.split()[0] for line in text.splitlines() if line.split()[:1] and line.split()[0] in labels]
    assert heads == ["FAIL", "DRIFT", "ERROR", "OK", "SKIPPED"]
    last = text.rstrip("\n").splitlines()
    assert last[-1] == "FAILED: 1 finding(s) at or above fail-on breaking (exit 1)"
    assert "5 cassettes, 6 interactions: 1 ok, 2 drift, 1 error, 2 skipped" in text


def test_text_verdict_follows_fail_on() -> None:
    report = sample_report()
    assert render_report(report, "text", fail_on="never", color=False).rstrip().endswith(
        "INCOMPLETE: some interactions or cassettes could not be checked (exit 3)")
    assert "FAILED: 2 finding(s) at or above fail-on warning" in render_report(report, "text", fail_on="warning")


def test_text_fits_80_columns_even_with_long_urls() -> None:
    text = render_report(sample_report(), "text", fail_on="breaking")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "…" in text  # the long search URL is shortened in the middle


def test_text_is_coloured_only_when_asked() -> None:
    plain = render_report(sample_report(), "text", fail_on="breaking")
    coloured = render_report(sample_report(), "text", fail_on="breaking", color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31mFAIL" in coloured
    assert ANSI.sub("", coloured) == plain


def test_want_color_respects_no_color_and_non_terminals(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert want_color(Tty())  # type: ignore[arg-type]
    with (tmp_path / "out").open("w") as handle:
        assert not want_color(handle)
    assert not want_color(None)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not want_color(Tty())  # type: ignore[arg-type]


def test_text_never_prints_control_characters_from_the_report() -> None:
    report = sample_report()
    report.cassettes[1].interactions[1].reason = "boom\x1b[2J\x07 cleared"
    text = render_report(report, "text", fail_on="breaking")
    assert "\x1b" not in text and "\x07" not in text


def test_markdown_escapes_everything_that_could_break_the_markup() -> None:
    text = render_report(sample_report(), "markdown", fail_on="breaking")
    without_our_tags = re.sub(r"</?(details|summary|code)>", "", text)
    assert "<" not in without_our_tags and ">" not in without_our_tags.replace("→", "")
    assert "`" not in text and "@team" not in text
    columns = None
    for line in text.splitlines():
        if not line.startswith("|"):
            columns = None
        elif columns is None:
            columns = line.count("|")  # a table's header row
        else:
            assert line.count("|") == columns, line  # no value split a cell


def test_markdown_has_a_summary_table_and_one_details_block_per_cassette_to_review() -> None:
    text = render_report(sample_report(), "markdown", fail_on="breaking")
    assert text.startswith("## ❌ cassettes drift report: failed\n")
    assert "| 5 | 6 | 1 | 2 | 1 | 2 | 1 | 1 | 1 | 1 |" in text
    assert text.count("<details>") == 3 == text.count("</details>")
    assert "2 cassette(s) ok or skipped, not listed." in text


def test_markdown_stays_under_githubs_comment_limit() -> None:
    base = sample_report()
    report = Report(base.started_at, base.finished_at, [])
    template = base.cassettes[1]
    for n in range(400):
        report.cassettes.append(type(template)(path=f"tests/cassettes/c{n:03}.yaml", status="drift",
                                               interactions=template.interactions))
    text = render_report(report, "markdown", fail_on="breaking")
    assert len(text) < 65_536
    assert "more cassette(s) not shown here to fit GitHub's size limit" in text


def test_next_steps_are_suggested_only_for_open_drift() -> None:
    assert "Next: cassettes accept REPORT.json" in render_report(sample_report(), "text", fail_on="never")
    assert "Next" not in render_report(clean_report(), "text", fail_on="breaking")
    acked = sample_report().with_acknowledged(f.fingerprint for f in sample_report().findings())
    assert "Next" not in render_report(acked, "markdown", fail_on="breaking")


def test_json_format_is_the_report_itself() -> None:
    report = sample_report()
    assert render_report(report, "json", fail_on="breaking") == report.dumps()


def test_unknown_format_or_level_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="format 'pdf' is not one of text, markdown, json, junit, html"):
        render_report(sample_report(), "pdf", fail_on="breaking")
    with pytest.raises(UsageError, match="fail-on 'major'"):
        render_report(sample_report(), "text", fail_on="major")
    assert FORMATS == ("text", "markdown", "json", "junit", "html", "sarif")


# Any text a cassette path, URL, reason or finding message may carry.
hostile_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ["<script>alert(1)</script>", "a|b", "`x`", "@team #1 $x$ :+1:", "**b** _i_ [l](http://x)", "</details>",
     "line\nbreak", "\x1b[2J"])


@given(path=hostile_text, uri=hostile_text, message=hostile_text, reason=hostile_text)
@settings(max_examples=60, deadline=None)
def test_no_value_can_break_the_markdown_or_the_terminal(path: str, uri: str, message: str, reason: str) -> None:
    report = sample_report()
    users = report.cassettes[1]
    users.path = path or "x"
    users.interactions[0].uri = uri
    users.interactions[1].reason = reason
    first = users.interactions[0].findings[0]
    users.interactions[0].findings[0] = type(first)(**{**first.to_json(), "message": message})
    markdown = render_report(report, "markdown", fail_on="breaking")
    assert "<" not in re.sub(r"</?(details|summary|code)>", "", markdown)
    assert "`" not in markdown and "@" not in markdown
    assert markdown.count("<details>") == markdown.count("</details>") == 3
    columns = None
    for line in markdown.splitlines():
        if not line.startswith("|"):
            columns = None
        elif columns is None:
            columns = line.count("|")
        else:
            assert line.count("|") == columns, line
    text = render_report(report, "text", fail_on="breaking")
    assert not any(not ch.isprintable() for line in text.splitlines() for ch in line)
