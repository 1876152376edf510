"""``cassettes schema [PATHS]``."""

from __future__ import annotations

from pathlib import Path

import click

from cassettes_tool.cli.common import paths_or_default, write_or_emit
from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.errors import ExitCode


@click.command("schema")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the document to this file instead of stdout (.json writes JSON).")
@click.option("--format", "fmt", type=click.Choice(("yaml", "json")), default=None,
              help="Document format (default: from --output's suffix, else yaml).")
@click.option("--host", default=None, help="Only the requests to this host (one API).")
@pass_app
def schema_command(app: AppContext, paths: tuple[Path, ...], output: Path | None, fmt: str | None,
                   host: str | None) -> int:
    """Write an OpenAPI 3.1 document inferred from the cassettes.

    PATHS are cassette files or folders (default: the configured cassette folder). Paths are
    templated like drift's endpoints ({param} segments named after the segment before them);
    each response has a JSON Schema merged from every recorded body and one example taken after
    the secret filter. The output is sorted, so it diffs well in git. Exit 3 when a cassette
    cannot be read (the document holds the others).
    """
    from cassettes_tool.openapi.export import dump_document, export_schema

    config = app.config
    result = export_schema(paths_or_default(paths, config.cassette_path), config, host=host)
    for path, reason in result.skipped:
        click.echo(f"cassettes: warning: {path}: skipped: {reason}", err=True)
    chosen = fmt or ("json" if output is not None and output.suffix.lower() == ".json" else "yaml")
    write_or_emit(dump_document(result.document, chosen), output, chosen, app.info, what="OpenAPI document")
    return ExitCode.INCOMPLETE if result.skipped else ExitCode.OK
