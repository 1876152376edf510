"""Running the ``cassettes`` CLI in tests: one in-process runner, and real processes where that is the point.

``run_cli(args, cwd=..., env=..., input=...)`` calls ``cassettes_tool.cli.main`` (the console
script's entry point, with its error boundary) with stdin, stdout and stderr captured, and returns
a :class:`CliResult` (``exit_code``, ``stdout``, ``stderr``, ``output`` = both, interleaved).

``run_cli_process(args, cwd=..., env=...)`` runs ``python -m cassettes_tool`` in a child process:
for signals, exit statuses of a real process, or a fresh interpreter.
``run_cli_without_file_override(args)`` does that with ordinary file permissions enforced:

Root reads and writes any file, so a test of "unreadable"/"unwritable" must drop that power.
Changing to another user would also lose access to the checkout and its virtualenv when they
live under a private folder (as CI clones do); instead the command keeps uid 0 but runs without
the CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH capabilities, so ordinary mode bits apply to it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from cassettes_tool.cli import main


@dataclass(frozen=True)
class CliResult:
    """What one in-process ``cassettes`` run returned and printed."""

    exit_code: int
    stdout: str
    stderr: str
    output: str  # stdout and stderr interleaved, as a terminal shows them


def run_cli(args: Sequence[str | os.PathLike[str]], *, cwd: str | os.PathLike[str] | None = None,
            env: Mapping[str, str | None] | None = None, input: str | bytes | None = None) -> CliResult:
    """``cassettes ARGS`` in this process through ``main`` (its error boundary included), output captured.

    ``env`` sets (or, with None, unsets) variables for the run only; ``cwd`` is the working
    directory for the run only.
    """
    runner = CliRunner()
    folder = contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext()
    with folder, runner.isolation(input=input, env=env) as (stdout, stderr, output):
        code = main([os.fspath(arg) for arg in args])
        sys.stdout.flush()
        sys.stderr.flush()
        # Read inside the block: click 8.2.0 closes the captured streams when it ends.
        return CliResult(int(code), stdout.getvalue().decode("utf-8", "replace"),
                         stderr.getvalue().decode("utf-8", "replace"), output.getvalue().decode("utf-8", "replace"))


def run_cli_process(args: Sequence[str | os.PathLike[str]], *, cwd: str | os.PathLike[str] | Path | None = None,
                    env: Mapping[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m cassettes_tool ARGS`` as a child process (text output captured, never raises on exit status)."""
    command = [sys.executable, "-m", "cassettes_tool", *(os.fspath(arg) for arg in args)]
    return subprocess.run(command, cwd=cwd, env=None if env is None else dict(env), capture_output=True,
                          text=True, timeout=timeout, check=False)


def without_file_override(command: list[str]) -> list[str]:
    """``command`` as root minus the permission-bypass capabilities; unchanged for other users."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root without setpriv (util-linux): cannot test permission errors")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]


def run_cli_without_file_override(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m cassettes_tool ARGS`` with ordinary file permissions enforced (from ``/``)."""
    command = without_file_override([sys.executable, "-m", "cassettes_tool", *args])
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd="/", check=False)
