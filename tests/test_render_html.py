"""The HTML report as a document: self-contained, escaped, with both shapes side by side."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cassettes_tool.core.cassette import Response
from cassettes_tool.review.render import RecordedShape, recorded_rows, render_report
from cassettes_tool.review.render.shapes import ShapeRow, body_rows, path_matches
from tests.helpers.reports import sample_report, write_user_cassette

USERS = "tests/cassettes/users/get_user.yaml"


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(text: str) -> Collector:
    collector = Collector()
    collector.feed(text)
    return collector


def test_html_is_self_contained_with_one_script_allowed_by_its_hash() -> None:
    page = parse(render_report(sample_report(), "html", fail_on="breaking"))
    assert [t for t, _ in page.tags].count("script") == 1
    assert not [t for t, a in page.tags if "src" in a or "href" in a or t in ("link", "iframe", "object")]
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp is not None and "default-src 'none'" in csp
    digest = base64.b64encode(hashlib.sha256(page.scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_hostile_values_are_text_never_markup() -> None:
    text = render_report(sample_report(), "html", fail_on="breaking")
    page = parse(text)
    assert not [t for t, _ in page.tags if t in ("img", "b")]
    assert "&lt;script&gt;window.__pwned = 1" in text
    assert "orders|`weird` &lt;b&gt;@team&lt;/b&gt;.yaml" in text
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)


def test_summary_counts_filters_and_search_are_present() -> None:
    page = parse(render_report(sample_report(), "html", fail_on="breaking"))
    counts = {a["data-count"]: None for t, a in page.tags if "data-count" in a}
    assert set(counts) == {"cassettes", "interactions", "ok", "drift", "error", "skipped", "breaking", "warning",
                           "info", "acknowledged"}
    boxes = [(a["name"], a["value"]) for t, a in page.tags if t == "input" and a.get("type") == "checkbox"]
    assert ("severity", "breaking") in boxes and ("status", "error") in boxes
    assert any(a.get("type") == "search" for t, a in page.tags if t == "input")
    rows = [a for t, a in page.tags if t == "article"]
    assert len(rows) == 6 + 1 - 1  # six interactions (the unreadable cassette is a paragraph)
    assert {r["data-status"] for r in rows} == {"ok", "drift", "error", "skipped"}


def test_recorded_and_live_shapes_side_by_side_with_changed_paths_highlighted(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = sample_report()
    report.cassettes[1].sha256 = write_user_cassette(tmp_path / USERS)
    shapes = recorded_rows(report)
    assert shapes[(USERS, 0)].rows is not None
    text = render_report(report, "html", fail_on="breaking", recorded_shapes=shapes)
    row = re.search(r'<tr class="changed sev-breaking">\s*<td><mark class="changed-path">\$\.address\.zip</mark></td>'
                    r'\s*<td class="">string</td>\s*<td class="absent">—</td>', text)
    assert row, "the removed field is highlighted with its recorded type and no live type"
    assert re.search(r'<tr class="changed sev-info">\s*<td><mark class="changed-path">\$\.bio</mark>', text)
    assert re.search(r'<tr class="changed sev-acknowledged">\s*<td><mark class="changed-path">\$\.tags\[\*\]</mark>',
                     text)
    assert text.count("Recorded side: cassette file not found.") == 1  # only the orders cassette is missing


def test_recorded_side_is_not_shown_when_the_cassette_changed_since_the_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = sample_report()
    write_user_cassette(tmp_path / USERS)  # the report's sha256 is not this file's
    shapes = recorded_rows(report)
    assert shapes[(USERS, 0)] == RecordedShape(None, "cassette changed since the report")
    text = render_report(report, "html", fail_on="breaking", recorded_shapes=shapes)
    assert "Recorded side: cassette changed since the report." in text
    assert "cassette file not found" in render_report(report, "html", fail_on="breaking",
                                                      recorded_shapes=recorded_rows(report, tmp_path / "elsewhere"))


def test_without_recorded_shapes_the_findings_still_name_the_missing_paths() -> None:
    text = render_report(sample_report(), "html", fail_on="breaking")
    assert "recorded shape not available" in text
    assert re.search(r'<mark class="changed-path">\$\.address\.zip</mark></td>\s*<td class="">string</td>', text)


def test_display_shapes_use_the_drift_engines_paths() -> None:
    rows = body_rows(Response(200, "OK", {"Content-Type": ["application/json"]},
                              b'{"a": [{"x": 1}, {"x": null, "y": "s"}], "odd key": [], "m": {"123": {"v": 1}}}'))
    assert ShapeRow("$.a[*].y", "string?") in rows
    assert ShapeRow("$.a[*].x", "number|null") in rows
    assert ShapeRow("$['odd key']", "array (empty)") in rows
    assert ShapeRow("$.m.*.v", "number") in rows
    assert body_rows(Response(200, "OK", {"Content-Type": ["text/csv"]}, b"a,b\n1,2\n")) == (
        ShapeRow("$", "non-JSON (text/csv)"),)
    assert path_matches("$.items[*].total", "$.items[0].total")
    assert not path_matches("$.items[*]", "$.items[*].total")


@given(value=st.text(max_size=30) | st.sampled_from(["<script>x</script>", "\"><img src=x onerror=1>", "{{ 7*7 }}",
                                                    "</textarea></pre>", "&lt;b&gt;", "' onmouseover='x"]))
@settings(max_examples=40, deadline=None)
def test_the_page_structure_never_depends_on_the_values(value: str) -> None:
    def tags(text: str) -> list[str]:
        return [t for t, _ in parse(text).tags]

    def with_value(v: str) -> str:
        report = sample_report()
        users = report.cassettes[1]
        users.path = v or "x"
        users.interactions[0].uri = v
        users.interactions[1].reason = v or "r"
        first = users.interactions[0].findings[0]
        users.interactions[0].findings[0] = type(first)(**{**first.to_json(), "message": v})
        return render_report(report, "html", fail_on="breaking")

    page = with_value(value)
    assert tags(page) == tags(with_value("plain"))
    assert "{{" not in page or ("{{ 7*7 }}" in page and "49" not in page.split("{{ 7*7 }}")[0][-5:])
