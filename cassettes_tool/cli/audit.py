"""``cassettes audit``: find secrets in cassettes; ``--fix`` scrubs them."""

from __future__ import annotations

from pathlib import Path

import click

from cassettes_tool.cli.common import ProgressBar, emit, on_a_terminal, paths_or_default
from cassettes_tool.cli.context import AppContext, pass_app
from cassettes_tool.core.controls import escape_controls
from cassettes_tool.core.jsonfile import dumps_document
from cassettes_tool.errors import UsageError


@click.command("audit")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for scripts (values are always masked).")
@click.option("--fix", is_flag=True,
              help="Scrub every finding in place with the <FILTERED> placeholder (atomic rewrite).")
@click.option("--skip-non-cassettes", is_flag=True,
              help="Ignore named files that are not HTTP cassettes at all (for pre-commit hooks).")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Audit baseline: fingerprints of acknowledged findings (default: [tool.cassettes.audit] baseline).")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the fingerprints of every finding to this file (acknowledge them all) and exit 0.")
@pass_app
def audit_command(app: AppContext, paths: tuple[Path, ...], fmt: str, fix: bool, skip_non_cassettes: bool,
                  baseline: Path | None, write_baseline: Path | None) -> int:
    """Find secrets in cassettes: credential headers, query parameters, JSON and form fields,
    session cookies, known token formats anywhere (detect-secrets' plugins: AWS, GitHub, Slack,
    Stripe, JWT, private keys, basic-auth URLs, ...) and random-looking values in
    credential-like fields. Values are masked in the output; placeholders never count.

    PATHS are files or folders (searched recursively); default: cassette_dir.
    Exit codes: 0 clean (or everything scrubbed by --fix), 1 secrets found, 2 no cassettes under
    the paths (a mistyped path), 3 a file could not be read and no secret was found.
    """
    from cassettes_tool.housekeeping.audit import audit_paths
    from cassettes_tool.housekeeping.audit.allowlist import load_allowlist, write_audit_baseline
    from cassettes_tool.housekeeping.audit.render import render_text

    config = app.config
    targets = paths_or_default(paths, config.cassette_path)
    if write_baseline is not None and fix:
        raise UsageError("--write-baseline acknowledges findings and --fix scrubs them; choose one")
    allowlist = load_allowlist(config, baseline)
    allowed = allowlist.allows if allowlist and write_baseline is None else None
    with ProgressBar("audit", enabled=on_a_terminal(app.verbosity)) as progress:
        result = audit_paths(targets, config, fix=fix, skip_non_cassettes=skip_non_cassettes, progress=progress,
                             allowed=allowed)
    if write_baseline is not None:
        count = write_audit_baseline(write_baseline, result.findings, config.root)
        app.info(f"wrote {count} finding fingerprint(s) to {write_baseline}")
        return 3 if result.errors else 0
    if result.skipped_non_cassettes:
        app.info(f"skipped {result.skipped_non_cassettes} JSON file(s) that are not cassettes")
    if fmt == "json":
        emit(dumps_document(result.to_json()))
    else:
        emit(escape_controls(render_text(result)))
    return result.exit_code()


