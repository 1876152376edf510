"""The README's marked code blocks run, in order, in a scratch project: the docs cannot rot.

Markers (HTML comments, invisible on GitHub) on the line before a fenced block:

- ``<!-- runnable -->``: run the block with ``bash -e -o pipefail``; it must exit 0;
- ``<!-- runnable: exit N -->``: the block must exit N (e.g. 1 for drift);
- ``<!-- file: PATH -->``: write the block to PATH in the scratch project.

The scratch project starts as a copy of ``sample_cassettes/`` (the stand-in for a first
recording). The Quick start blocks carry no marker: CI runs those itself (they create venvs).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

MARKER = re.compile(r"^\s*<!--\s*(?:(runnable)(?::\s*exit\s+(\d+))?|file:\s*(\S+))\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```\s*([\w+-]*)")


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence
    lang: str
    code: str
    run: bool
    exit_code: int
    file: str | None


def marked_blocks(text: str) -> list[Block]:
    """Every fenced block preceded (blank lines allowed) by a marker comment."""
    lines = text.splitlines()
    blocks: list[Block] = []
    pending: re.Match[str] | None = None
    pending_line = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        marker = MARKER.match(line)
        fence = FENCE.match(line)
        if marker:
            pending, pending_line = marker, i + 1
        elif fence:
            indent, lang = fence.group(1), fence.group(2)
            body: list[str] = []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
                i += 1
            if pending is not None:
                blocks.append(Block(line=pending_line + 1, lang=lang, code="\n".join(body) + "\n",
                                    run=bool(pending.group(1)), exit_code=int(pending.group(2) or 0),
                                    file=pending.group(3)))
            pending = None
        elif line.strip() and pending is not None:
            raise AssertionError(f"README.md:{pending_line}: a marker must come right before a fenced block")
        i += 1
    return blocks


def test_the_marker_parser_finds_runnable_and_file_blocks_and_keeps_indented_code() -> None:
    text = ("<!-- file: a.py -->\n```python\nx = 1\n```\n\n- item\n\n  <!-- runnable: exit 1 -->\n"
            "  ```sh\n  false\n  ```\n```sh\nnot marked\n```\n")
    blocks = marked_blocks(text)
    assert [(b.file, b.run, b.exit_code, b.code) for b in blocks] == [
        ("a.py", False, 0, "x = 1\n"), (None, True, 1, "false\n")]


def test_the_readme_has_runnable_blocks_for_each_story() -> None:
    blocks = marked_blocks(README.read_text(encoding="utf-8"))
    runs = [b.code for b in blocks if b.run]
    assert len(runs) >= 8
    for command in ("python -m pytest", "cassettes refresh", "cassettes report", "cassettes accept",
                    "cassettes prune", "cassettes audit", "cassettes init"):
        assert any(command in code for code in runs), command
    quick_start = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert not marked_blocks(quick_start)  # CI runs those itself


def _environment(home: Path) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    env = {
        "PATH": os.pathsep.join([venv_bin, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "CI": "1",
        # The dev environment also has cassetter installed (for benchmarks), whose plugin
        # collides with pytest-recording; a user's project would not have both.
        "PYTEST_ADDOPTS": "-p no:cassetter -p no:cacheprovider",
    }
    return env


def run_block(block: Block, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one block in its own process group; whatever it leaves running is stopped after it."""
    with subprocess.Popen(["bash", "-e", "-o", "pipefail", "-c", block.code], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            stdout, stderr = "", f"README.md:{block.line}: timed out after 180 s"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def test_every_marked_readme_block_runs_in_order_in_a_scratch_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOT / "sample_cassettes", project / "sample_cassettes")
    env = _environment(tmp_path)
    blocks = marked_blocks(README.read_text(encoding="utf-8"))
    outputs: dict[str, str] = {}
    for block in blocks:
        if block.file is not None:
            target = project / block.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.code, encoding="utf-8")
            continue
        proc = run_block(block, project, env)
        if proc.returncode != block.exit_code:
            pytest.fail(
                f"README.md:{block.line}: exit {proc.returncode}, expected {block.exit_code}\n"
                f"--- block\n{block.code}--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
            )
        outputs[block.code.strip()] = proc.stdout + proc.stderr
    # What the stories promise, checked on the files they leave behind.
    assert (project / ".cassettes" / "usage.json").is_file()
    assert (project / ".github" / "workflows" / "cassettes-refresh.yml").is_file()
    assert "address.zip" in (project / "drift.md").read_text(encoding="utf-8")
    assert (project / "junit.xml").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    accepted = (project / "tests" / "cassettes" / "users" / "get_user.yaml").read_text(encoding="utf-8")
    unused = outputs["cassettes prune"]
    assert "list_shipped_orders.yaml" in unused and "get_user_not_found.yaml" in unused
    assert "postal_code" in accepted and '"zip"' not in accepted


def test_the_readme_example_test_passes_when_it_records_and_when_it_replays(tmp_path: Path) -> None:
    """The first run records (against the demo API standing in for the real one), the next replays
    offline: the example's assertions hold in both."""
    from cassettes_tool.setup.demo.server import DemoServer

    blocks = {b.file: b.code for b in marked_blocks(README.read_text(encoding="utf-8")) if b.file}
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text(blocks["pyproject.toml"], encoding="utf-8")
    env = _environment(tmp_path)
    pytest_run = [sys.executable, "-m", "pytest", "-q", "tests/test_users.py"]
    with DemoServer() as server:
        code = blocks["tests/test_users.py"].replace("https://api.acme-shop.example", server.url)
        assert code != blocks["tests/test_users.py"]
        (project / "tests" / "test_users.py").write_text(code, encoding="utf-8")
        recording = subprocess.run([*pytest_run, "--cassettes-record-mode=once"], cwd=project, env=env,
                                   capture_output=True, text=True, timeout=300)
        assert recording.returncode == 0, recording.stdout[-3000:] + recording.stderr[-2000:]
    recorded = project / "tests" / "cassettes" / "users" / "get_user.yaml"
    assert recorded.is_file() and "s3cr3t" not in recorded.read_text(encoding="utf-8")
    before = recorded.read_bytes()
    # The API is gone now: the second run can only pass by replaying.
    replaying = subprocess.run(pytest_run, cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert replaying.returncode == 0, replaying.stdout[-3000:] + replaying.stderr[-2000:]
    assert "3 passed" in replaying.stdout and recorded.read_bytes() == before
