"""Options and helpers shared by several commands."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from ..durations import parse_duration


class DurationType(click.ParamType):  # type: ignore[type-arg]
    """A click type for ``30d``, ``12h``..."""

    name = "AGE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = DurationType()


def paths_or_default(paths: Sequence[Path], default: Path) -> list[Path]:
    """The paths given, or the configured cassette folder (which must exist)."""
    if paths:
        return list(paths)
    if not default.exists():
        raise click.UsageError(
            f"no cassette folder at {default}; pass paths, or set cassette_dir in [tool.cassettes]"
        )
    return [default]


def emit(text: str) -> None:
    """Machine or report output: stdout, exactly as given."""
    click.echo(text, nl=not text.endswith("\n"))
