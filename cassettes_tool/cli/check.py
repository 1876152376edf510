"""``cassettes check --spec openapi.yaml [PATHS]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cassettes_tool.cli.common import paths_or_default, write_or_emit
from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.core.config import FAIL_ON
from cassettes_tool.errors import ExitCode, UsageError

FORMATS = ("text", "markdown", "json", "junit", "html")


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The OpenAPI 3.0 or 3.1 document (YAML or JSON) to check the cassettes against.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format (with --coverage: text, markdown or json).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of stdout.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Exit 1 when a finding reaches this severity (default: refresh.fail_on, breaking).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Findings whose fingerprint is in this baseline are acknowledged.")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Report which operations and response codes of the spec the cassettes exercise.")
@pass_app
def check_command(app: AppContext, paths: tuple[Path, ...], spec_path: Path, fmt: str, output: Path | None,
                  fail_on: str | None, baseline_path: Path | None, show_coverage: bool) -> int:
    """Check the recorded interactions against an OpenAPI spec.

    Every recorded request is matched to an operation of the spec (servers' base paths honoured);
    what does not fit is a finding: undocumented_endpoint, undocumented_status,
    media_type_not_in_spec (warnings), missing_required_field, type_mismatch (breaking),
    undocumented_field (info). The report is a drift report (command "check"): same renderers,
    fingerprints and baselines. PATHS default to cassette_dir. Exit 1 when a finding reaches
    --fail-on, 3 when a cassette cannot be read, 2 for a spec that cannot be used.
    """
    from cassettes_tool.openapi.check import check_cassettes
    from cassettes_tool.openapi.coverage import coverage, render_coverage
    from cassettes_tool.openapi.export import load_all
    from cassettes_tool.openapi.spec import load_spec, require_jsonschema
    from cassettes_tool.review.baseline import load_baseline
    from cassettes_tool.review.render import render_report, want_color
    from cassettes_tool.review.report import exit_code

    if show_coverage and fmt not in ("text", "markdown", "json"):
        raise UsageError("--coverage renders as text, markdown or json; choose one of them with --format")
    require_jsonschema()
    config = app.config
    spec = load_spec(spec_path)
    cassettes, skipped = load_all(paths_or_default(paths, config.cassette_path))
    for path, reason in skipped:
        click.echo(f"cassettes: warning: {path}: skipped: {reason}", err=True)
    report, exercised = check_cassettes(spec, cassettes, config, skipped)
    if baseline_path is not None:
        report = report.with_acknowledged(load_baseline(baseline_path))
    level = fail_on or config.refresh.fail_on
    if show_coverage:
        text = render_coverage(coverage(spec, exercised), fmt)
        write_or_emit(text, output, fmt, app.info, what="coverage")
        findings = report.summary()["findings"]
        app.info(f"{sum(findings.values())} finding(s) against {spec_path} "
                 f"({findings['breaking']} breaking, {findings['warning']} warning, {findings['info']} info)")
    else:
        color = False if output is not None else want_color(sys.stdout)
        write_or_emit(render_report(report, fmt, fail_on=level, color=color), output, fmt, app.info)
    code = exit_code(report, level)
    return ExitCode.INCOMPLETE if skipped and code == ExitCode.OK else code
