"""Report renderers: pure functions from a :class:`~cassettes_tool.review.report.Report` to text.

``render_report(report, fmt, fail_on=...)`` is what ``refresh --format``, ``cassettes report``
and ``cassettes diff`` call. Formats: ``text`` (terminal), ``markdown`` (pull-request comment,
CI step summary), ``json`` (docs/report-schema.md), ``junit`` (CI dashboards), ``html`` (one
self-contained page), ``sarif`` (SARIF 2.1.0, GitHub code scanning).

``fail_on`` is the level of the verdict every page shows; ``exit_on`` the level the command's
exit code follows (a rendering step with ``--fail-on never``): breaking drift is never shown as
passed, whatever the exit code. Colour is the caller's decision: :func:`want_color` says whether a stream
is a terminal and ``NO_COLOR`` is unset.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any

from cassettes_tool.errors import UsageError
from cassettes_tool.review.render.common import Hints
from cassettes_tool.review.render.escape import escaped_report
from cassettes_tool.review.render.shapes import RecordedShape, ShapeKey, recorded_rows
from cassettes_tool.review.report import FAIL_ON_RANK, Report

TEXT_WIDTH = 80  # the library's default; the CLI passes the terminal's width, or None off one

FORMATS = ("text", "markdown", "json", "junit", "html", "sarif")

__all__ = ["FORMATS", "TEXT_WIDTH", "Hints", "RecordedShape", "ShapeKey", "recorded_rows", "render_report", "want_color"]


def want_color(stream: IO[Any] | None) -> bool:
    """Colour for this stream? Only on a terminal, never when ``NO_COLOR`` is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def render_report(
    report: Report,
    fmt: str,
    *,
    fail_on: str,
    color: bool | None = None,
    recorded_shapes: Mapping[ShapeKey, RecordedShape] | None = None,
    exit_on: str | None = None,
    report_path: str | None = None,
    suggest_accept: bool = True,
    report_written: bool = True,
    width: int | None = TEXT_WIDTH,
    source_lines: Mapping[tuple[str, int], int] | None = None,
) -> str:
    """``report`` in format ``fmt``; ``fail_on`` decides what counts as failing.

    ``color`` applies to ``text`` only (None means no colour: decide with :func:`want_color`).
    ``recorded_shapes`` applies to ``html`` only: the recorded side of the shape view, from
    :func:`recorded_rows` (read from the cassettes before they are updated); without it the
    page shows the live shape with the changed paths highlighted and says the recorded one is
    not available. ``report_path`` is the JSON report the next-step hints name (``REPORT.json``
    when unknown); ``suggest_accept`` False leaves ``cassettes accept`` out of them (``diff``,
    ``refresh --update``). ``width`` applies to ``text``: the terminal's columns, or None for no
    wrapping at all (a file, a pipe, a CI log). ``source_lines`` applies to ``sarif``: where each
    interaction starts in its file (:func:`cassettes_tool.review.render.sarif.interaction_lines`).
    """
    for level in (fail_on, exit_on or fail_on):
        if level not in FAIL_ON_RANK:
            raise UsageError(f"fail-on {level!r} is not one of {', '.join(FAIL_ON_RANK)}")
    hints = Hints(report_path=report_path, accept=suggest_accept, written=report_written)
    if fmt not in ("json", "junit"):  # JSON escapes them itself, JUnit replaces what XML cannot hold
        report = escaped_report(report)
    if fmt == "text":
        from cassettes_tool.review.render.text import render_text

        return render_text(report, fail_on=fail_on, color=bool(color), exit_on=exit_on, hints=hints,
                           width=width)
    if fmt == "markdown":
        from cassettes_tool.review.render.markdown import render_markdown

        return render_markdown(report, fail_on=fail_on, exit_on=exit_on, hints=hints)
    if fmt == "json":
        return report.dumps()
    if fmt == "junit":
        from cassettes_tool.review.render.junit import render_junit

        return render_junit(report, fail_on=fail_on)
    if fmt == "html":
        from cassettes_tool.review.render.html import render_html

        return render_html(report, fail_on=fail_on, recorded_shapes=recorded_shapes, exit_on=exit_on,
                           hints=hints)
    if fmt == "sarif":
        from cassettes_tool.review.render.sarif import render_sarif

        return render_sarif(report, fail_on=fail_on, lines=source_lines)
    raise UsageError(f"report format {fmt!r} is not one of {', '.join(FORMATS)}")
