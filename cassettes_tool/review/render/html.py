"""The HTML report: one self-contained file (inline CSS and JS, no network, no external assets).

Summary counts, filters by severity and status, a search box, and per interaction the findings
and the recorded and live shapes side by side with the changed paths highlighted. Built with a
Jinja2 template under autoescape; a Content-Security-Policy allows only the report's own script
(by hash), so even a value that slipped through escaping could not run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2

from cassettes_tool.core.bodies import (
    decode_content,
    is_json_media,
    looks_binary,
    media_type,
    try_parse_json,
)
from cassettes_tool.review.groups import collapse, group_members, group_template
from cassettes_tool.review.render.common import (
    Hints,
    cassette_findings,
    cassette_label,
    describe_counts,
    interaction_label,
    severity_counts,
    short_value,
    sorted_cassettes,
    sorted_findings,
    sorted_interactions,
    summary_line,
    verdict,
)
from cassettes_tool.review.render.shapes import (
    RecordedShape,
    ShapeKey,
    ShapeLine,
    highlight,
    live_rows,
    merge_rows,
)
from cassettes_tool.review.report import CassetteResult, Finding, InteractionResult, Report, fails

MAX_BODY_CHARS = 20_000  # of the live body shown per interaction; the JSON report keeps it all


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("cassettes_tool.review.render", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    """The text of a file next to the template (the page's CSS and JS, inlined)."""
    return (resources.files("cassettes_tool.review.render") / "templates" / name).read_text(encoding="utf-8")


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


@dataclass
class _ShapeView:
    rows: list[ShapeLine]
    note: str | None


def _live_body(item: InteractionResult) -> str | None:
    """The live body to show, for interactions with findings only (an ok one needs no review)."""
    live = item.live
    if live is None or not item.findings:
        return None
    encoding = next((v[0] for k, v in live.headers.items() if k.lower() == "content-encoding" and v), None)
    data = decode_content(live.body, encoding)
    if not data:
        return ""
    if looks_binary(data):
        return f"({len(data)} bytes of binary data)"
    ok, value = try_parse_json(data)
    if ok and (is_json_media(media_type(live.content_type)) or live.content_type is None):
        text = json.dumps(value, indent=2, ensure_ascii=False)
    else:
        text = data.decode("utf-8", errors="replace")
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS] + f"\n… ({len(text) - MAX_BODY_CHARS} more characters in the JSON report)"
    return text


def _shape_view(cassette: CassetteResult, item: InteractionResult,
                recorded: Mapping[ShapeKey, RecordedShape] | None) -> _ShapeView | None:
    if not item.findings or item.live is None:
        return None
    live = live_rows(item.live)
    shape = (recorded or {}).get((cassette.path, item.index))
    if shape is None or shape.rows is None:
        note = shape.note if shape else "recorded shape not available (re-render with `cassettes report`)"
        return _ShapeView(highlight(merge_rows((), live), item.findings, recorded_known=False), note)
    return _ShapeView(highlight(merge_rows(shape.rows, live), item.findings), None)


def _rows(findings: list[Finding], members: dict[str, list[Finding]]) -> list[dict[str, Any]]:
    """One table row per finding, or per group (one change in many places) with its occurrences."""
    rows = []
    for found in collapse(findings, members):
        first = found[0]
        group = members.get(first.group or "", [])
        if len(group) > 1:
            rows.append({"f": first, "where": group_template([f.path for f in group]) or first.location,
                         "occurrences": found, "total": len(group)})
        else:
            rows.append({"f": first, "where": first.path or first.location, "occurrences": None, "total": 1})
    return rows


def _interaction_context(cassette: CassetteResult, item: InteractionResult, fail_on: str,
                         recorded: Mapping[ShapeKey, RecordedShape] | None,
                         members: dict[str, list[Finding]] | None = None) -> dict[str, Any]:
    findings = sorted_findings(item.findings)
    severities = sorted({"acknowledged" if f.acknowledged else f.severity for f in findings})
    search = " ".join([cassette.path, item.method, item.uri, item.reason or "",
                       *(f"{f.kind} {f.path or ''} {f.message} {f.fingerprint}" for f in findings)])
    return {
        "item": item, "label": interaction_label(item, fail_on), "findings": findings,
        "rows": _rows(findings, members or {}),
        "severities": " ".join(severities), "search": search.lower(),
        "failing": {f.fingerprint for f in findings if fails(f, fail_on)},
        "shape": _shape_view(cassette, item, recorded), "body": _live_body(item),
        "recorded_status": item.recorded.get("status"), "recorded_type": item.recorded.get("content_type"),
    }


def _accept_hint(cassette: CassetteResult, hints: Hints) -> str | None:
    """The command that writes this cassette's live responses, when it has open drift."""
    if not hints.accept or not hints.written:
        return None
    if not any(i.live is not None and any(not f.acknowledged for f in i.findings) for i in cassette.interactions):
        return None
    report = shlex.quote(hints.report_path) if hints.report_path else "REPORT.json"
    return f"cassettes accept {report} --cassette {shlex.quote(cassette.path)}"


def _finding_value(finding: Finding, side: str) -> str:
    return short_value(finding.recorded if side == "recorded" else finding.live, 60)


def render_html(report: Report, *, fail_on: str,
                recorded_shapes: Mapping[ShapeKey, RecordedShape] | None = None,
                exit_on: str | None = None, hints: Hints | None = None) -> str:
    """The report as one HTML page; ``recorded_shapes`` (see :func:`shapes.recorded_rows`) fills
    the recorded side of the shape view, otherwise only the live shape is shown."""
    script = _asset("report.js")
    hints = hints if hints is not None and report.command != "diff" else Hints(accept=report.command != "diff")
    cassettes = []
    members = group_members(report)
    for n, cassette in enumerate(sorted_cassettes(report), start=1):
        findings = cassette_findings(cassette)
        cassettes.append({
            "n": n, "cassette": cassette, "label": cassette_label(cassette, fail_on),
            "counts": describe_counts(severity_counts(findings)),
            "acked": sum(1 for f in findings if f.acknowledged),
            "accept": _accept_hint(cassette, hints),
            "interactions": [_interaction_context(cassette, i, fail_on, recorded_shapes, members)
                             for i in sorted_interactions(cassette)],
        })
    summary = report.summary()
    open_counts = severity_counts(report.findings())
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report, summary=summary, open_counts=open_counts, cassettes=cassettes, fail_on=fail_on,
        verdict=verdict(report, fail_on, exit_on), summary_line=summary_line(report, fail_on),
        style=_asset("report.css"), script=script, script_hash=_csp_hash(script),
        finding_value=_finding_value,
    ) + "\n"
