"""``cassettes prune``: list (default) or delete cassettes no test uses, or their unplayed interactions."""

from __future__ import annotations

from pathlib import Path

import click

from cassettes_tool.cli.common import emit, paths_or_default
from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.core.controls import escape_controls
from cassettes_tool.core.jsonfile import dumps_document
from cassettes_tool.errors import UsageError


@click.command("prune")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--usage", "usage_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Usage ledger of a complete test run (default: .cassettes/usage.json next to pyproject.toml).")
@click.option("--tests", "test_paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Test sources to scan for cassette names (repeatable; default: pytest's testpaths, else tests/).")
@click.option("--interactions", is_flag=True,
              help="Instead of whole cassettes, drop the interactions that the run never played from used cassettes.")
@click.option("--delete", is_flag=True, help="Really remove (default: dry run that lists what would go and why).")
@click.option("--force", is_flag=True,
              help="Prune even when the ledger is missing, from an incomplete run, or older than a test file.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for scripts.")
@pass_app
def prune_command(app: AppContext, paths: tuple[Path, ...], usage_path: Path | None, test_paths: tuple[Path, ...],
                  interactions: bool, delete: bool, force: bool, fmt: str) -> int:
    """Cassettes no test uses: not in the usage ledger of a complete run AND not named in the
    test sources (use_cassette, the cassette marker, vcrpy's use_cassette, default marker names).

    PATHS are files or folders (default: cassette_dir). Dry run by default. Exit codes: 0 (also
    when a dry run finds candidates), 2 when the ledger cannot be trusted and --force is not
    given (the message says how to get a complete ledger), 3 when a file could not be handled.
    """
    from cassettes_tool.housekeeping.prune import (
        apply_plan,
        default_test_paths,
        load_check,
        plan_prune,
        render_text,
        require_usable_ledger,
    )

    config = app.config
    targets = paths_or_default(paths, config.cassette_path)
    sources = list(test_paths) or default_test_paths(config)
    check = load_check(config, usage_path, sources)
    require_usable_ledger(check, force=force)
    if interactions and check.ledger is None:
        raise UsageError("--interactions needs a usage ledger: it says which interactions were played")
    if not check.usable:
        app.info(f"cassettes: warning: the usage ledger is {check.state}; pruning anyway because of --force")
    plan = plan_prune(targets, config, check, test_paths=sources, interactions=interactions, force=force)
    for skipped, reason in plan.skipped:
        app.info(f"note: {skipped}: {reason}")
    if delete:
        apply_plan(plan)
    if fmt == "json":
        emit(dumps_document(plan.to_json()))
    else:
        emit(escape_controls(render_text(plan, verbose=app.verbosity > 0)))
    return plan.exit_code()
