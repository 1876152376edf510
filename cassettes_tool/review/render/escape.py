"""A report with every control character in its text made visible, for the non-JSON renderers.

Paths, URIs, reasons, finding messages and values, and the live status line and headers come
from cassettes and live APIs; none of them may carry a raw ESC, BEL or NUL into a terminal, a
Markdown comment or a JUnit file (XML cannot hold them at all). Bodies are rendered by their own
code and are not touched here.
"""

from __future__ import annotations

from dataclasses import replace

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.controls import escape_controls, escape_value
from cassettes_tool.review.report import CassetteResult, Finding, InteractionResult, Report


def escaped_report(report: Report) -> Report:
    """A copy of ``report`` whose text fields hold no raw control characters."""
    compared = [{key: None if value is None else escape_controls(value) for key, value in side.items()}
                for side in report.compared]
    # replace() keeps every other field (status, timings, ...) as it is
    return replace(report, cassettes=[_cassette(c) for c in report.cassettes], compared=compared)


def _cassette(cassette: CassetteResult) -> CassetteResult:
    return replace(cassette, path=escape_controls(cassette.path),
                   error=None if cassette.error is None else escape_controls(cassette.error),
                   interactions=[_interaction(i) for i in cassette.interactions])


def _interaction(item: InteractionResult) -> InteractionResult:
    return replace(item, method=escape_controls(item.method), uri=escape_controls(item.uri),
                   reason=None if item.reason is None else escape_controls(item.reason),
                   live=None if item.live is None else _live(item.live),
                   findings=[_finding(f) for f in item.findings])


def _live(live: Response) -> Response:
    headers = {escape_controls(k): [escape_controls(v) for v in values] for k, values in live.headers.items()}
    return Response(live.status, escape_controls(live.reason), headers, live.body)


def _finding(finding: Finding) -> Finding:
    return replace(finding, path=None if finding.path is None else escape_controls(finding.path),
                   message=escape_controls(finding.message), recorded=escape_value(finding.recorded),
                   live=escape_value(finding.live))
