"""``cassettes diff OLD NEW``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cassettes_tool.cli.common import is_stdio, text_width, write_or_emit
from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.core.config import FAIL_ON

FORMATS = ("text", "markdown", "json", "junit", "html", "sarif")


@click.command("diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True), default=None,
              help="Write the report to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 when a finding reaches this severity (default: refresh.fail_on, breaking).")
@pass_app
def diff_command(app: AppContext, old: Path, new: Path, fmt: str, output: Path | None,
                 fail_on: str | None) -> int:
    """Structural drift between two cassette files (e.g. a pull request's before and after).

    OLD is taken as the recording and NEW as the live side; interactions pair by request
    (method, scheme, host, port, path, query — match_on), repeats in order, then by endpoint
    (method, path with ids as {param}, query keys). Requests found in only one file are listed
    as skipped. Findings are judged with what the project's cassettes recorded for the same
    endpoint, and grouped by change. Exit 1 when a finding reaches --fail-on, 2 when a file
    does not exist, 3 when one cannot be read.
    """
    from cassettes_tool.drift.cassette_diff import diff_cassettes
    from cassettes_tool.errors import CassetteNotFoundError, UsageError
    from cassettes_tool.review.render import RecordedShape, render_report, want_color
    from cassettes_tool.review.render.sarif import interaction_lines
    from cassettes_tool.review.render.shapes import body_rows
    from cassettes_tool.review.report import exit_code, verdict_level

    config = app.config
    level = fail_on or config.refresh.fail_on
    shown = verdict_level(config.refresh.fail_on, fail_on)
    try:
        result = diff_cassettes(old, new, config)
    except CassetteNotFoundError as exc:  # a missing input file is a usage error, as everywhere
        raise UsageError(str(exc)) from None
    report = result.report
    shapes = None
    if fmt == "html":  # the recorded side of the shape view is OLD's response
        path = report.cassettes[0].path
        shapes = {(path, index): RecordedShape(body_rows(response))
                  for index, response in result.recorded.items()}
    color = False if output is not None and not is_stdio(output) else want_color(sys.stdout)
    lines = interaction_lines(report) if fmt == "sarif" else None
    text = render_report(report, fmt, fail_on=shown, exit_on=level, color=color, recorded_shapes=shapes,
                         suggest_accept=False, width=None if is_stdio(output) else text_width(output), source_lines=lines)
    write_or_emit(text, output, fmt, app.info)
    return exit_code(report, level)
