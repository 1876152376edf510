"""``cassettes audit``: find secrets in cassettes; ``--fix`` scrubs them."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import click

from ..cli import AppContext, pass_app
from .common import emit, paths_or_default


@click.command("audit")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people, json for scripts (values are always masked).")
@click.option("--fix", is_flag=True,
              help="Scrub every finding in place with the <FILTERED> placeholder (atomic rewrite).")
@click.option("--skip-non-cassettes", is_flag=True,
              help="Ignore named files that are not HTTP cassettes at all (for pre-commit hooks).")
@pass_app
def audit_command(app: AppContext, paths: tuple[Path, ...], fmt: str, fix: bool, skip_non_cassettes: bool) -> int:
    """Find secrets in cassettes: credential headers, query parameters, JSON and form fields,
    session cookies, known token formats anywhere (detect-secrets' plugins: AWS, GitHub, Slack,
    Stripe, JWT, private keys, basic-auth URLs, ...) and random-looking values in
    credential-like fields. Values are masked in the output; placeholders never count.

    PATHS are files or folders (searched recursively); default: cassette_dir.
    Exit codes: 0 clean (or everything scrubbed by --fix), 1 secrets found, 3 a file could not
    be read and no secret was found.
    """
    from ..audit import audit_paths
    from ..audit.render import render_text

    config = app.config
    targets = paths_or_default(paths, config.cassette_path)
    with _ProgressBar(enabled=_on_a_terminal(app)) as progress:
        result = audit_paths(targets, config, fix=fix, skip_non_cassettes=skip_non_cassettes, progress=progress)
    if fmt == "json":
        emit(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        emit(render_text(result))
    return result.exit_code()


def _on_a_terminal(app: AppContext) -> bool:
    """Progress only on a terminal: never in pipes, CI logs or with -q."""
    if app.verbosity < 0 or os.environ.get("CI"):
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _ProgressBar:
    """A click progress bar on stderr, opened on the first report (it needs the total)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None

    def __enter__(self) -> _ProgressBar | None:
        return self if self.enabled else None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="audit", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(1)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, error, trace)
