"""``cassettes merge REPORT.json... --output FILE``: join the reports of sharded runs."""

from __future__ import annotations

from pathlib import Path

import click

from cassettes_tool.cli.context import AppContext, pass_app


@click.command("merge")
@click.argument("reports", metavar="REPORT.json...", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the merged JSON report here.")
@pass_app
def merge_command(app: AppContext, reports: tuple[Path, ...], output: Path) -> int:
    """Join the JSON reports of sharded runs (refresh --shard K/N --report ...) into one.

    Summaries are added; a cassette found in two reports is an error (exit 2). Render the result
    with `cassettes report`.
    """
    from cassettes_tool.core.storage import write_text_atomic
    from cassettes_tool.review.merge import merge_reports
    from cassettes_tool.review.report import load_report

    loaded = [(str(path), load_report(path)) for path in reports]
    merged = merge_reports(loaded)
    write_text_atomic(output, merged.dumps())
    summary = merged.summary()
    app.info(f"merged {len(loaded)} report(s) into {output}: {summary['cassettes']} cassette(s), "
             f"{summary['interactions']} interaction(s)")
    return 0
