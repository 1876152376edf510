"""``cassettes refresh``: the nightly job (see docs/refresh.md)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cassettes_tool.cli.common import (
    DURATION,
    ProgressBar,
    emit,
    is_stdio,
    on_a_terminal,
    paths_or_default,
    text_width,
    write_or_emit,
)
from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.core.config import (
    DEFAULT_FAIL_ON,
    DEFAULT_METHODS,
    DEFAULT_RETRIES,
    DEFAULT_SAMPLES,
    DEFAULT_TIMEOUT,
    DEFAULT_UPDATE,
    DEFAULT_WORKERS,
    FAIL_ON,
    MAX_RETRIES,
    MAX_SAMPLES,
    MAX_TIMEOUT,
    MAX_WORKERS,
    UPDATE_MODES,
)
from cassettes_tool.core.controls import escape_controls
from cassettes_tool.errors import ExitCode, RefreshInterrupted, UsageError

if TYPE_CHECKING:
    from cassettes_tool.refresh.runner import RefreshOutcome
    from cassettes_tool.review.render import RecordedShape, ShapeKey

FORMATS = ("text", "markdown", "json", "junit", "html", "sarif")


def _methods(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    methods = tuple(m.strip().upper() for m in value.split(",") if m.strip())
    if not methods:
        raise UsageError(f"--allow-methods {value!r} names no method; accepted: a list like GET,HEAD")
    return methods


def _recorded_shapes(outcome: RefreshOutcome) -> dict[ShapeKey, RecordedShape]:
    """The recorded side of the HTML shape view, from the cassettes as they were read."""
    from cassettes_tool.review.render import RecordedShape
    from cassettes_tool.review.render.shapes import body_rows

    shapes: dict[ShapeKey, RecordedShape] = {}
    by_path = {c.display: c.selected.cassette for c in outcome.plan.cassettes}
    for result in outcome.report.cassettes:
        cassette = by_path.get(result.path)
        if cassette is None:
            continue
        for interaction in result.interactions:
            if interaction.findings:
                response = cassette.interactions[interaction.index].response
                shapes[(result.path, interaction.index)] = RecordedShape(body_rows(response))
    return shapes


def _interrupted(app: AppContext, outcome: RefreshOutcome, acknowledged: set[str],
                 report_path: Path | None) -> int:
    """Ctrl-C: say which cassettes were written, keep the partial report, exit 130."""
    from cassettes_tool.core.storage import write_text_atomic

    report = outcome.report.with_acknowledged(acknowledged) if acknowledged else outcome.report
    app.info("cassettes: interrupted")
    for path in outcome.updated:
        app.info(f"written before the interruption: {path}")
    if not outcome.updated:
        app.info("no cassette was written")
    if report_path is not None:
        write_text_atomic(report_path, report.dumps())
        app.info(f"wrote the partial JSON report (status incomplete) to {report_path}")
    return ExitCode.INTERRUPTED


@click.command("refresh")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--rewrite-host", "rewrite_host", multiple=True, metavar="HOST=BASE_URL",
              help="Send requests recorded for HOST to BASE_URL instead (repeatable; adds to "
                   "refresh.rewrite_hosts).")
@click.option("--older-than", type=DURATION, default=None,
              help="Only cassettes at least this old (30d, 12h, 2w).")
@click.option("--shard", default=None, metavar="K/N",
              help="Only shard K of N (1-based; a stable split by path for parallel CI jobs).")
@click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=None,
              help=f"Concurrent live calls (default: refresh.workers, {DEFAULT_WORKERS}).")
@click.option("--per-host", type=click.IntRange(1, MAX_WORKERS), default=None,
              help="At most this many concurrent calls to one host (default: --workers).")
@click.option("--timeout", type=click.FloatRange(0, MAX_TIMEOUT, min_open=True), default=None,
              help=f"Seconds per request: connect, each read, and the whole response, headers included "
                   f"(default: {DEFAULT_TIMEOUT:g}).")
@click.option("--retries", type=click.IntRange(0, MAX_RETRIES), default=None,
              help=f"Retries on connection errors, 429, 502, 503, 504; honours Retry-After (default: {DEFAULT_RETRIES}).")
@click.option("--samples", type=click.IntRange(1, MAX_SAMPLES), default=None,
              help=f"Live calls per interaction; 2+ learns volatile and nullable fields (default: {DEFAULT_SAMPLES}).")
@click.option("--allow-methods", default=None, metavar="M,...",
              help=f"Methods sent live (default: refresh.methods, {','.join(DEFAULT_METHODS)}); others are skipped.")
@click.option("--update", type=click.Choice(UPDATE_MODES), default=DEFAULT_UPDATE, show_default=True,
              help="Write live responses into the cassettes: never, only interactions with drift, "
                   "or every checked one.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help=f"Exit 1 when a finding reaches this severity (default: refresh.fail_on, {DEFAULT_FAIL_ON}).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True), default=None,
              help="Also write the full JSON report (schema_version 1, docs/report-schema.md) to this file "
                   "(- for stdout, with --output naming a file).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Format of the report on stdout (or --output).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True), default=None,
              help="Write the --format report to this file instead of stdout (- is stdout).")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True), default=None,
              help="Acknowledged fingerprints (JSON); they do not count toward --fail-on.")
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also check each live response against this OpenAPI document (needs the openapi extra).")
@click.option("--dry-run", is_flag=True,
              help="Only list what would be sent where (text, or --format json); send nothing.")
@pass_app
def refresh_command(
    app: AppContext, paths: tuple[Path, ...], rewrite_host: tuple[str, ...], older_than: timedelta | None,
    shard: str | None, workers: int | None, per_host: int | None, timeout: float | None,
    retries: int | None, samples: int | None, allow_methods: str | None, update: str,
    fail_on: str | None, report_path: Path | None, fmt: str, output: Path | None,
    baseline: Path | None, spec_path: Path | None, dry_run: bool,
) -> int:
    """Re-play recorded requests against the live API, detect drift, report, optionally update.

    PATHS are cassette files or folders (default: cassette_dir). Only the hosts recorded in
    the cassettes (after --rewrite-host) are contacted, only http/https, only the allowed
    methods; credentials come from [tool.cassettes.auth] and never reach reports or cassettes.
    Exit 0 fine, 1 drift at or above --fail-on, 2 usage or configuration error, 3 incomplete
    (some interactions or cassettes could not be checked), 130 interrupted (Ctrl-C: the
    cassettes already written are listed, and --report gets the partial report, status
    incomplete).
    """
    from cassettes_tool.core.jsonfile import dumps_document
    from cassettes_tool.core.storage import write_text_atomic
    from cassettes_tool.refresh import (
        RefreshOptions,
        describe_plan,
        parse_rewrite,
        parse_shard,
        plan_to_json,
        prepare,
        run_refresh,
        skipped_note,
        skipped_notes,
        summary_line,
    )
    from cassettes_tool.review.render import render_report, want_color
    from cassettes_tool.review.render.sarif import interaction_lines
    from cassettes_tool.review.report import exit_code, verdict_level

    if is_stdio(report_path) and (output is None or is_stdio(output)) and not dry_run:
        raise UsageError("--report - and the --format report would both go to stdout; "
                         "write one of them to a file (--output FILE or --report FILE)")
    config = app.config
    targets = paths_or_default(paths, config.cassette_path)
    options = RefreshOptions.from_config(
        config, targets, rewrite_hosts=parse_rewrite(rewrite_host) or None, older_than=older_than,
        shard=parse_shard(shard) if shard else None, workers=workers, per_host=per_host,
        timeout=timeout, retries=retries, samples=samples, methods=_methods(allow_methods),
        update=update, fail_on=fail_on,
    )
    if spec_path is not None:
        from dataclasses import replace

        from cassettes_tool.openapi.spec import load_spec, require_jsonschema

        require_jsonschema()
        options = replace(options, spec=load_spec(spec_path))
    settings = options.settings
    if dry_run:
        if fmt not in ("text", "json"):
            raise UsageError(f"--dry-run prints the plan as text or json, not {fmt} (nothing is sent, so "
                             "there is no drift report to render)")
        selection, plan = prepare(config, options)
        if selection.skipped_non_cassettes:
            app.info(f"note: {skipped_note(selection)}")
        text = escape_controls(describe_plan(plan)) if fmt == "text" else dumps_document(plan_to_json(plan))
        write_or_emit(text, output, fmt, app.info, what="plan")
        for note in skipped_notes(selection):
            app.info(f"note: {note}")
        return 0
    acknowledged: set[str] = set()
    if baseline is not None:
        from cassettes_tool.review.baseline import load_baseline

        acknowledged = load_baseline(baseline)
    try:
        with ProgressBar("refresh", enabled=on_a_terminal(app.verbosity)) as progress:
            outcome = run_refresh(config, options, progress=progress)
    except RefreshInterrupted as stop:
        return _interrupted(app, stop.outcome, acknowledged, report_path)  # type: ignore[arg-type]
    if acknowledged:
        outcome.report = outcome.report.with_acknowledged(acknowledged)
    report = outcome.report
    if is_stdio(report_path):
        emit(report.dumps())
    elif report_path is not None:
        write_text_atomic(report_path, report.dumps())
    shapes = _recorded_shapes(outcome) if fmt == "html" else None
    stdout = sys.stdout
    color = (output is None or is_stdio(output)) and want_color(stdout)
    lines = interaction_lines(report) if fmt == "sarif" else None
    text = render_report(report, fmt, fail_on=verdict_level(config.refresh.fail_on, fail_on),
                         exit_on=settings.fail_on, color=color, recorded_shapes=shapes,
                         report_path=str(report_path) if report_path is not None else None,
                         report_written=report_path is not None, suggest_accept=settings.update == "never",
                         width=None if is_stdio(output) else text_width(output), source_lines=lines)
    write_or_emit(text, output, fmt, app.info)
    for note in outcome.notes:
        app.info(f"note: {note}")
    if report_path is not None and not is_stdio(report_path):
        app.info(f"wrote JSON report to {report_path}")
    app.info(summary_line(outcome))
    return exit_code(report, settings.fail_on)
