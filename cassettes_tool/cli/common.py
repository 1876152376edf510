"""Options and helpers shared by several commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

import click

from cassettes_tool.core.durations import parse_duration
from cassettes_tool.errors import UsageError


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
        raise UsageError(
            f"no cassette folder at {default}; pass paths, or set cassette_dir in [tool.cassettes]"
        )
    return [default]


def emit(text: str) -> None:
    """Machine or report output: stdout, exactly as given."""
    click.echo(text, nl=not text.endswith("\n"))


def on_a_terminal(verbosity: int) -> bool:
    """Progress bars only on a terminal: never in pipes, CI logs (``CI`` set) or with -q."""
    if verbosity < 0 or os.environ.get("CI"):
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """A click progress bar on stderr, opened on the first report (it needs the total).

    Used as ``with ProgressBar("audit", enabled=...) as progress:``; ``progress`` is the
    ``(done, total)`` callback the library takes, or None when disabled.
    """

    def __init__(self, label: str, *, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled
        self._bar: Any = None

    def __enter__(self) -> ProgressBar | None:
        return self if self.enabled else None

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = click.progressbar(length=total, label=self.label, file=sys.stderr,
                                          show_pos=True, show_eta=True)
            self._bar.__enter__()
        self._bar.update(1)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, error, trace)
            self._bar = None


def text_width(output: Path | None) -> int | None:
    """Columns for a text report: the terminal's when stdout is one, else None (no wrapping)."""
    if output is not None:
        return None
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    import shutil

    return max(shutil.get_terminal_size().columns, 40)


STDIO = "-"  # as a file name: stdin when read, stdout when written


def is_stdio(path: Path | None) -> bool:
    """Is ``path`` the ``-`` that stands for stdin or stdout?"""
    return path is not None and str(path) == STDIO


def read_stdin_bytes() -> bytes:
    """All of stdin, as bytes (``-`` given where a file is read)."""
    return sys.stdin.buffer.read()


def write_or_emit(text: str, output: Path | None, fmt: str, info: Callable[[str], None], *,
                  what: str = "report") -> None:
    """A rendered report (or another ``what``) to ``output`` (atomically), or to stdout (no
    ``output``, or ``-``)."""
    if output is not None and not is_stdio(output):
        from cassettes_tool.core.storage import write_text_atomic

        write_text_atomic(output, text)
        info(f"wrote {fmt} {what} to {output}")
    else:
        emit(text)
