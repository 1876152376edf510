"""``cassettes accept REPORT.json``: write the live responses of a report into the cassettes."""

from __future__ import annotations

from pathlib import Path

import click

from cassettes_tool.cli.common import emit
from cassettes_tool.cli.context import AppContext, pass_app


@click.command("accept")
@click.argument("report_path", metavar="REPORT.json", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--cassette", "cassettes", multiple=True, metavar="PATH",
              help="Accept the drift of this cassette (repeatable; as named in the report).")
@click.option("--fingerprint", "fingerprints", multiple=True, metavar="FP",
              help="Accept the interactions that have a finding with this fingerprint (repeatable).")
@click.option("--force", is_flag=True,
              help="Write even when a cassette changed since the report was made.")
@click.option("--dry-run", is_flag=True, help="Only say what would be written.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Messages on stderr, or a JSON document on stdout (schema in docs/cli.md).")
@pass_app
def accept_command(app: AppContext, report_path: Path, cassettes: tuple[str, ...],
                   fingerprints: tuple[str, ...], force: bool, dry_run: bool, fmt: str) -> int:
    """Write the live responses captured in a drift report into their cassettes, without calling
    the API again.

    Every drifted interaction by default, or only those of --cassette and --fingerprint (each
    selection adds). Secret filters are applied again, untouched interactions stay byte for byte,
    writes are atomic. A cassette that changed since the report is refused (exit 3) unless --force.
    REPORT.json may be - to read the report from stdin.
    """
    from cassettes_tool.core.filters import FilterRules
    from cassettes_tool.core.jsonfile import dumps_document
    from cassettes_tool.review import accept as accepting
    from cassettes_tool.review.report import load_report

    report = load_report(report_path, FilterRules.from_config(app.config))
    plan = accepting.plan_accept(report, cassettes=cassettes, fingerprints=fingerprints,
                                 root=app.config.root)
    if fmt == "json":
        done = [] if dry_run or not plan.cassettes else accepting.accept(
            plan, FilterRules.from_config(app.config), force=force, root=app.config.root)
        emit(dumps_document(accepting.accept_json(plan, done, dry_run=dry_run)))
        return 0
    for path, index in plan.without_live:
        app.info(f"{path}: interaction {index} kept no live response in the report; not accepted")
    if not plan.cassettes:
        app.info("nothing to accept: no drifted interaction with a live response is selected")
        return 0
    if dry_run:
        for cassette, items in plan.cassettes:
            app.info(f"would update {cassette.path}: interaction(s) {', '.join(str(i.index) for i in items)}")
        return 0
    done = accepting.accept(plan, FilterRules.from_config(app.config), force=force, root=app.config.root)
    for item in done:
        indexes = ", ".join(str(i) for i in item.indexes)
        if item.already:
            app.info(f"{item.path} already holds these responses (interaction(s) {indexes}): nothing written")
        else:
            app.info(f"updated {item.path}: interaction(s) {indexes}")
    written = [d for d in done if not d.already]
    if not written:
        app.info("nothing to accept: every selected cassette already holds the report's live responses")
        return 0
    app.info(f"accepted {sum(len(d.indexes) for d in written)} interaction(s) in {len(written)} cassette(s)")
    return 0
