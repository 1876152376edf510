"""``cassettes list`` and ``cassettes show``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from cassettes_tool.cli.common import DURATION, emit, paths_or_default, read_stdin_bytes
from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.core.controls import escape_controls
from cassettes_tool.core.jsonfile import dumps_document
from cassettes_tool.errors import UsageError


@click.command("list")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table for people, json (one object per file, documented in docs/cli.md) for scripts.")
@click.option("--older-than", type=DURATION, default=None, help="Only cassettes at least this old (30d, 12h, 2w).")
@click.option("--usage", "usage_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Usage ledger to fill the used-by column (default: .cassettes/usage.json).")
@pass_app
def list_command(app: AppContext, paths: tuple[Path, ...], fmt: str, older_than: timedelta | None,
                 usage_path: Path | None) -> int:
    """Inventory of cassettes: path, interactions, hosts, methods, size, age, used-by.

    PATHS are files or folders (searched recursively); default: cassette_dir. Unreadable files
    are listed with their error, and the exit code is then 3.
    """
    from cassettes_tool.housekeeping.inventory import inventory
    from cassettes_tool.housekeeping.render_table import render_inventory
    from cassettes_tool.recording.ledger import load_ledger, load_ledger_if_present

    config = app.config
    targets = paths_or_default(paths, config.cassette_path)
    ledger = load_ledger(usage_path) if usage_path else load_ledger_if_present(config.usage_path, config.root)
    skipped: list[Path] = []
    rows = inventory(targets, ledger=ledger, older_than=older_than, skipped=skipped)
    if skipped:
        app.info(f"skipped {len(skipped)} JSON file(s) that are not cassettes")
    if fmt == "json":
        emit(dumps_document([r.to_json() for r in rows]))
    else:
        emit(escape_controls(render_inventory(rows)))
    return 3 if any(r.error for r in rows) else 0


@click.command("show")
@click.argument("cassette", type=click.Path(path_type=Path, readable=False, allow_dash=True))
@click.option("--interaction", "-i", "index", type=click.IntRange(min=0), default=None,
              help="Only this interaction (0-based).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Readable text, or a JSON document (schema in docs/cli.md).")
@pass_app
def show_command(app: AppContext, cassette: Path, index: int | None, fmt: str) -> int:
    """One cassette with bodies decoded (gzip, deflate, br) and pretty-printed.

    Binary bodies are summarised (size, type, first bytes), never dumped. CASSETTE may be - to
    read the cassette from stdin.
    """
    from cassettes_tool.core.discovery import display_path
    from cassettes_tool.core.reader import load_cassette, parse_cassette
    from cassettes_tool.errors import CassetteNotFoundError
    from cassettes_tool.housekeeping.show import cassette_json, render_cassette

    if str(cassette) == "-":
        display = "<stdin>"
        loaded = parse_cassette(Path(display), read_stdin_bytes())
    else:
        display = display_path(cassette)
        try:
            loaded = load_cassette(cassette)
        except CassetteNotFoundError as exc:  # a missing input file is a usage error, as everywhere
            raise UsageError(str(exc)) from None
    if index is not None and index >= len(loaded):
        raise UsageError(f"--interaction {index}: {display} has {len(loaded)} interaction(s) "
                         f"(0 to {len(loaded) - 1})")
    if fmt == "json":
        emit(dumps_document(cassette_json(loaded, display, index)))
    else:
        emit(render_cassette(loaded, display, index))
    return 0
