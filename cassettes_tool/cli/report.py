"""``cassettes report REPORT.json``: review a saved drift report in another format."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cassettes_tool.cli.common import emit, is_stdio, text_width, write_or_emit
from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.core.config import FAIL_ON
from cassettes_tool.errors import UsageError

FORMATS = ("text", "markdown", "json", "junit", "html", "sarif")


@click.command("report")
@click.argument("report_path", metavar="REPORT.json", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text (terminal), markdown (PR comment, CI step summary), json, junit (CI dashboards), "
                   "html (one self-contained page), sarif (SARIF 2.1.0, GitHub code scanning).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True), default=None,
              help="Write the rendered report to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 when an unacknowledged finding reaches this severity "
                   "(default: refresh.fail_on from the config, breaking). `never` only changes the exit "
                   "code: the rendered verdict stays at refresh.fail_on.")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True), default=None,
              help="Findings whose fingerprint is in this baseline are shown as acknowledged and do not "
                   "count toward --fail-on.")
@click.option("--write-baseline", "write_baseline_path", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
              default=None, help="Write a baseline acknowledging every finding of the report to this file "
                                 "(and render nothing).")
@pass_app
def report_command(app: AppContext, report_path: Path, fmt: str, output: Path | None, fail_on: str | None,
                   baseline_path: Path | None, write_baseline_path: Path | None) -> int:
    """Render a saved drift report (refresh --report, diff --format json, merge) again.

    Exit codes as for refresh: 1 when an unacknowledged finding reaches --fail-on, 3 when some
    interactions or cassettes could not be checked, 0 otherwise. The verdict the page shows is
    at refresh.fail_on (or at --fail-on when it names a severity): with --fail-on never a
    rendering step exits 0 or 3, and breaking drift still reads as failed; 2 for a malformed report or one
    of another schema_version. With --write-baseline the baseline is written and the exit code is 0.
    """
    from cassettes_tool.core.filters import FilterRules
    from cassettes_tool.core.jsonfile import dumps_document
    from cassettes_tool.review.baseline import baseline_document, load_baseline, write_baseline
    from cassettes_tool.review.render import recorded_rows, render_report, want_color
    from cassettes_tool.review.render.sarif import interaction_lines
    from cassettes_tool.review.report import exit_code, load_report, verdict_level

    if is_stdio(report_path) and is_stdio(baseline_path):
        raise UsageError("the report and --baseline cannot both be read from stdin (-); name one of them")
    report = load_report(report_path, FilterRules.from_config(app.config))
    if is_stdio(write_baseline_path):
        emit(dumps_document(baseline_document(report, source=str(report_path))))
        return 0
    if write_baseline_path is not None:
        count = write_baseline(write_baseline_path, report, source=str(report_path))
        app.info(f"wrote {write_baseline_path}: {count} acknowledged fingerprint(s)")
        return 0
    if baseline_path is not None:
        report = report.with_acknowledged(load_baseline(baseline_path))
    level = fail_on or app.config.refresh.fail_on
    shown = verdict_level(app.config.refresh.fail_on, fail_on)
    # The recorded side of the HTML shape view comes from the cassettes, when unchanged since.
    shapes = recorded_rows(report) if fmt == "html" else None
    lines = interaction_lines(report) if fmt == "sarif" else None
    color = False if output is not None and not is_stdio(output) else want_color(sys.stdout)
    text = render_report(report, fmt, fail_on=shown, exit_on=level, color=color, recorded_shapes=shapes,
                         report_path=None if is_stdio(report_path) else str(report_path), width=None if is_stdio(output) else text_width(output), source_lines=lines)
    write_or_emit(text, output, fmt, app.info)
    return exit_code(report, level)
