"""Run a command without root's power to bypass file permissions (for permission-error tests).

Root reads and writes any file, so a test of "unreadable"/"unwritable" must drop that power.
Changing to another user would also lose access to the checkout and its virtualenv when they
live under a private folder (as CI clones do); instead the command keeps uid 0 but runs without
the CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH capabilities, so ordinary mode bits apply to it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest


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
