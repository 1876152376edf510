"""``cassettes merge REPORT.json... --output FILE``: join the reports of sharded runs."""

from __future__ import annotations

from pathlib import Path

import click

from cassettes_tool.cli.common import emit, is_stdio
from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.errors import UsageError


@click.command("merge")
@click.argument("reports", metavar="REPORT.json...", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
              help="Write the merged JSON report here (- for stdout).")
@pass_app
def merge_command(app: AppContext, reports: tuple[Path, ...], output: Path) -> int:
    """Join the JSON reports of sharded runs (refresh --shard K/N --report ...) into one.

    Summaries are added; a cassette found in two reports is an error (exit 2). Render the result
    with `cassettes report`.
    """
    from cassettes_tool.core.filters import FilterRules
    from cassettes_tool.core.storage import write_text_atomic
    from cassettes_tool.review.merge import merge_reports
    from cassettes_tool.review.report import load_report

    if sum(is_stdio(path) for path in reports) > 1:
        raise UsageError("stdin (-) can be read once; name the other reports")
    rules = FilterRules.from_config(app.config)
    loaded = [(str(path), load_report(path, rules)) for path in reports]
    merged = merge_reports(loaded)
    if is_stdio(output):
        emit(merged.dumps())
    else:
        write_text_atomic(output, merged.dumps())
    summary = merged.summary()
    app.info(f"merged {len(loaded)} report(s) into {'stdout' if is_stdio(output) else output}: {summary['cassettes']} cassette(s), "
             f"{summary['interactions']} interaction(s)")
    return 0
