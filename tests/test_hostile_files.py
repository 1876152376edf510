"""Hostile files, reports and settings: a one-line error naming the file and the fix, never a hang,
an internal error, or a write outside the project."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.review.report import CassetteResult, Finding, InteractionResult, Report
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli
from tests.helpers.reports import write_json_cassette
from tests.helpers.server import LoopbackServer
from tests.helpers.timing import time_limit

HOST = "api.example.com"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    return lines[0]


def drifted(path: str, digest: str) -> CassetteResult:
    live = Response(200, "OK", {"Content-Type": ["application/json"]}, b'{"id": "pwned"}')
    found = Finding("aaaaaaaaaaa1", "breaking", "type_changed", "body", "$.id", "string", "integer", "changed")
    return CassetteResult(path, "drift", sha256=digest, interactions=[
        InteractionResult(0, "GET", f"https://{HOST}/x", "drift", live=live, findings=[found])])


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "cassettes").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\n')
    return root


@pytest.mark.parametrize("force", [False, True], ids=["checked", "forced"])
@pytest.mark.parametrize("how", ["dot-dot", "absolute", "symlink-file", "symlink-folder"])
def test_accept_refuses_a_report_path_that_resolves_outside_the_project(
    project: Path, tmp_path: Path, how: str, force: bool,
) -> None:
    outside = write_json_cassette(tmp_path / "elsewhere" / "victim.yaml", [("GET", f"https://{HOST}/x", {"id": 1})])
    inside = write_json_cassette(project / "cassettes" / "mine.yaml", [("GET", f"https://{HOST}/x", {"id": 1})])
    named = {
        "dot-dot": "../elsewhere/victim.yaml",
        "absolute": str(outside),
        "symlink-file": "cassettes/link.yaml",
        "symlink-folder": "cassettes/linked/victim.yaml",
    }[how]
    if how == "symlink-file":
        (project / "cassettes" / "link.yaml").symlink_to(outside)
    if how == "symlink-folder":
        (project / "cassettes" / "linked").symlink_to(outside.parent, target_is_directory=True)
    before = {outside: outside.read_bytes(), inside: inside.read_bytes()}
    report = Report("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z",
                    [drifted("cassettes/mine.yaml", sha(inside)), drifted(named, sha(outside))])
    (project / "report.json").write_text(report.dumps())

    result = run_cli(["accept", "report.json", *(["--force"] if force else [])], cwd=project)

    assert result.exit_code == 2, result.output
    line = one_line_error(result.stderr)
    assert "outside the project" in line and named in line
    assert {path: path.read_bytes() for path in before} == before  # nothing written, not even inside


def test_accept_dry_run_refuses_an_outside_path_too(project: Path, tmp_path: Path) -> None:
    outside = write_json_cassette(tmp_path / "victim.yaml", [("GET", f"https://{HOST}/x", {"id": 1})])
    report = Report("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", [drifted(str(outside), sha(outside))])
    (project / "report.json").write_text(report.dumps())
    result = run_cli(["accept", "report.json", "--dry-run"], cwd=project)
    assert result.exit_code == 2
    assert "outside the project" in one_line_error(result.stderr)


def test_accept_still_accepts_a_symlink_whose_target_is_inside_the_project(project: Path) -> None:
    real = write_json_cassette(project / "cassettes" / "real.yaml", [("GET", f"https://{HOST}/x", {"id": 1})])
    (project / "cassettes" / "alias.yaml").symlink_to(real)
    report = Report("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", [drifted("cassettes/alias.yaml", sha(real))])
    (project / "report.json").write_text(report.dumps())
    result = run_cli(["accept", "report.json"], cwd=project)
    assert result.exit_code == 0, result.output
    assert "pwned" in (project / "cassettes" / "alias.yaml").read_text()


# ---------------------------------------------------------------------------------------------
# FIFOs, sockets and devices in a cassette folder are skipped with a note, never opened.


@pytest.fixture()
def folder_with_a_fifo(project: Path) -> Path:
    write_json_cassette(project / "cassettes" / "real.yaml", [("GET", f"https://{HOST}/x", {"id": 1})])
    os.mkfifo(project / "cassettes" / "pipe.yaml")
    os.mkfifo(project / "cassettes" / "pipe")  # no extension: would be sniffed
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(project / "cassettes" / "sock.json"))
    return project


@pytest.mark.parametrize("args", [
    ["list", "cassettes"],
    ["audit", "cassettes"],
    ["refresh", "cassettes", "--dry-run"],
    ["prune", "cassettes", "--force", "--tests", "cassettes"],
], ids=lambda a: " ".join(a[:2]))
def test_a_fifo_or_socket_in_the_cassette_folder_is_skipped_with_a_note_never_opened(
    folder_with_a_fifo: Path, args: list[str],
) -> None:
    with time_limit(60, f"cassettes {' '.join(args)} opened a FIFO and hangs"):
        result = run_cli(args, cwd=folder_with_a_fifo)
    assert "Traceback" not in result.output and "internal error" not in result.output
    # list and audit count a skipped file as not scanned (exit 3, "incomplete"); nothing else fails.
    assert result.exit_code in (0, 1, 3), result.output
    assert "pipe.yaml" in result.output and "FIFO" in result.output
    assert "sock.json" in result.output and "a socket" in result.output


# ---------------------------------------------------------------------------------------------
# Out-of-range values: validation errors in one line, never a hang or an overflow traceback.


@pytest.mark.parametrize("setting", [
    "[tool.cassettes.refresh]\nworkers = 1000000000000000000",
    "[tool.cassettes.refresh]\nworkers = " + "9" * 400,
    "[tool.cassettes.refresh]\nretries = 1000000000",
    "[tool.cassettes.refresh]\ntimeout = inf",
    "[tool.cassettes.refresh]\ntimeout = nan",
    "[tool.cassettes.refresh]\nsamples = 100000000",
    '[tool.cassettes]\nmax_age = "99999999999w"',
    '[tool.cassettes]\nmax_age = "' + "9" * 400 + 'd"',
], ids=["workers-1e18", "workers-400-digits", "retries", "timeout-inf", "timeout-nan", "samples",
        "max-age-weeks", "max-age-400-digits"])
def test_an_out_of_range_setting_is_a_one_line_validation_error(tmp_path: Path, setting: str) -> None:
    (tmp_path / "pyproject.toml").write_text(setting + "\n")
    (tmp_path / "tests" / "cassettes").mkdir(parents=True)
    with time_limit(60, "an out-of-range setting hangs"):
        result = run_cli(["refresh", "--dry-run"], cwd=tmp_path)
    assert result.exit_code == 2, result.output
    line = one_line_error(result.stderr)
    assert "pyproject.toml" in line and ("accepted" in line or "longer than" in line), line
    assert len(line) < 400


@pytest.mark.parametrize("args", [
    ["refresh", "cassettes", "--workers", "1000000000000000000"],
    ["refresh", "cassettes", "--per-host", "1000000000000000000"],
    ["refresh", "cassettes", "--timeout", "inf"],
    ["refresh", "cassettes", "--timeout", "nan"],
    ["refresh", "cassettes", "--older-than", "99999999999w"],
    ["refresh", "cassettes", "--older-than", "9" * 400 + "d"],
    ["list", "cassettes", "--older-than", "99999999999w"],
], ids=["workers", "per-host", "timeout-inf", "timeout-nan", "older-than-weeks", "older-than-digits", "list"])
def test_an_out_of_range_option_is_a_one_line_usage_error(project: Path, args: list[str]) -> None:
    with time_limit(60, "an out-of-range option hangs"):
        result = run_cli([*args, *(["--dry-run"] if args[0] == "refresh" else [])], cwd=project)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert "error" in result.stderr.lower() and len(result.stderr) < 1000


def report_with(field: str) -> str:
    digest = "0" * 64
    template = Report("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", [drifted("cassettes/a.yaml", digest)])
    text = template.dumps()
    crafted = {
        "nan-index": text.replace('"index": 0', '"index": NaN'),
        "infinity-index": text.replace('"index": 0', '"index": Infinity'),
        "huge-index": text.replace('"index": 0', '"index": ' + "9" * 400),
        "nul-in-path": text.replace('"cassettes/a.yaml"', '"cassettes/a\\u0000.yaml"'),
        "nul-in-message": text.replace('"changed"', '"chan\\u0000ged"'),
        "non-utf8-path": text.replace('"cassettes/a.yaml"', '"cassettes/\\udcff.yaml"'),
    }[field]
    assert crafted != text  # the hostile value is really in the file
    return crafted


@pytest.mark.parametrize("field", ["nan-index", "infinity-index", "huge-index", "nul-in-path",
                                   "nul-in-message", "non-utf8-path"])
@pytest.mark.parametrize("command", [["report"], ["accept", "--force"], ["accept", "--dry-run"]],
                         ids=lambda c: " ".join(c))
def test_a_report_with_an_impossible_value_is_refused_in_one_line(
    project: Path, field: str, command: list[str],
) -> None:
    path = project / "report.json"
    path.write_text(report_with(field))
    result = run_cli([command[0], "report.json", *command[1:]], cwd=project)
    assert result.exit_code == 2, result.output
    line = one_line_error(result.stderr)
    assert "report.json" in line and "malformed drift report" in line


# ---------------------------------------------------------------------------------------------
# Control characters from cassettes and reports are printed as visible escapes, never raw.

RAW_CONTROLS = ("\x1b", "\x07", "\x00", "\x9b")
HOSTILE_TEXT = "\x1b]0;pwned\x07\x1b[2J\x00\x9b"


def assert_no_raw_controls(text: str, *, visible: bool = True) -> None:
    for char in RAW_CONTROLS[:3]:
        assert char not in text, (repr(char), text)
    if visible:  # the hostile text is shown, escaped (Markdown escapes the backslash too)
        assert "x1b" in text and "\x9b" not in text, text


@pytest.fixture()
def hostile_cassette(project: Path) -> Path:
    path = project / "cassettes" / "hostile.yaml"
    write_cassette(path, [interaction(
        "GET", f"https://{HOST}/x{HOSTILE_TEXT}", {"note": HOSTILE_TEXT},
        headers={"X-Title": [HOSTILE_TEXT]}, response_headers={"X-Reply": [HOSTILE_TEXT]})])
    # A file name can hold every control character but NUL.
    write_cassette(project / "cassettes" / "named\x1b[2J\x07.yaml", [interaction("GET", f"https://{HOST}/y")])
    return path


@pytest.mark.parametrize("args", [
    ["show", "cassettes/hostile.yaml"],
    ["list", "cassettes"],
    ["refresh", "cassettes", "--dry-run", "--allow-methods", "GET"],
], ids=lambda a: a[0] + (" --dry-run" if "--dry-run" in a else ""))
def test_control_characters_in_a_cassette_never_reach_the_terminal_raw(
    hostile_cassette: Path, project: Path, args: list[str],
) -> None:
    assert HOSTILE_TEXT in load_cassette(hostile_cassette).interactions[0].request.uri
    result = run_cli(args, cwd=project)
    assert result.exit_code in (0, 1), result.output
    assert_no_raw_controls(result.output)


REPORT_TEXT = HOSTILE_TEXT.replace("\x00", "")  # a NUL refuses the whole report (tested above)


def hostile_report(project: Path) -> Path:
    name = f"cassettes/a{REPORT_TEXT}.yaml"
    cassette = write_json_cassette(project / name, [("GET", f"https://{HOST}/x", {"id": 1})])
    result = drifted(name, sha(cassette))
    item = result.interactions[0]
    item.uri += REPORT_TEXT
    item.findings[0] = replace(item.findings[0], message=item.findings[0].message + REPORT_TEXT)
    other = InteractionResult(1, "GET", f"https://{HOST}/y", "error", reason=f"live 500 {REPORT_TEXT}")
    result.interactions.append(other)
    path = project / "report.json"
    path.write_text(Report("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", [result]).dumps())
    return path


@pytest.mark.parametrize("args", [
    ["report", "report.json"],
    ["report", "report.json", "--format", "markdown"],
    ["report", "report.json", "--format", "junit"],
    ["report", "report.json", "--format", "html"],
    ["accept", "report.json", "--dry-run"],
], ids=lambda a: " ".join(a[2:]) or a[0])
def test_control_characters_in_a_report_are_escaped_by_every_text_renderer(project: Path, args: list[str]) -> None:
    hostile_report(project)
    result = run_cli(args, cwd=project)
    assert result.exit_code in (0, 1, 3), result.output
    assert "Traceback" not in result.output
    # JUnit replaces the characters XML cannot hold with U+FFFD (its own rule, tested in test_render_junit).
    assert_no_raw_controls(result.output, visible="junit" not in args)


# ---------------------------------------------------------------------------------------------
# A full disk and an unwritable lock folder: one line naming the path and the fix, every cassette intact.


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MB tmpfs (as root); its space is filled by the test once the project is written."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("a real full disk needs a tmpfs mount (root and the mount command)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(folder: Path) -> None:
    """Write until the disk is full (ENOSPC)."""
    with (folder / "filler").open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_accept_on_a_full_disk_is_one_line_naming_the_cassette_and_leaves_it_intact(small_disk: Path) -> None:
    root = small_disk / "project"
    (root / "cassettes").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.cassettes]\n")
    cassette = write_json_cassette(root / "cassettes" / "a.yaml", [("GET", f"https://{HOST}/x", {"id": 1})])
    report = Report("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", [drifted("cassettes/a.yaml", sha(cassette))])
    (root / "report.json").write_text(report.dumps())
    before = cassette.read_bytes()
    fill(small_disk)

    result = run_cli(["accept", "report.json"], cwd=root)

    assert result.exit_code == 3, result.output
    line = one_line_error(result.stderr)
    assert "a.yaml" in line and "no space left" in line and "free space" in line
    assert cassette.read_bytes() == before
    assert not [p for p in (root / "cassettes").iterdir() if p.name != "a.yaml"]  # no temporary file left


def test_refresh_report_on_a_full_disk_is_one_line_naming_the_report(
    small_disk: Path, project: Path, loopback_server: LoopbackServer,
) -> None:
    loopback_server.route("GET", "/x", json={"id": 1})
    cassette = write_json_cassette(project / "cassettes" / "a.yaml", [("GET", f"https://{HOST}/x", {"id": 1})])
    before = cassette.read_bytes()
    fill(small_disk)
    result = run_cli(["refresh", "cassettes", "--report", str(small_disk / "report.json"),
                      "--rewrite-host", f"{HOST}={loopback_server.base_url}"], cwd=project)
    assert result.exit_code == 3, result.output
    line = one_line_error(result.stderr)
    assert "report.json" in line and "no space left" in line
    assert not (small_disk / "report.json").exists()
    assert cassette.read_bytes() == before
    load_cassette(cassette)


def test_an_unwritable_lock_folder_is_one_line_naming_it_and_nothing_is_written(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    cassette = write_json_cassette(project / "cassettes" / "a.yaml", [("GET", f"https://{HOST}/x", {"id": 1})])
    report = Report("2026-11-24T03:00:00Z", "2026-11-24T03:00:01Z", [drifted("cassettes/a.yaml", sha(cassette))])
    (project / "report.json").write_text(report.dumps())
    before = cassette.read_bytes()
    temp = tmp_path / "temp"
    temp.mkdir()
    (temp / f"cassettes-locks-{os.getuid()}").write_text("a file where the lock folder belongs")
    monkeypatch.setattr(tempfile, "tempdir", str(temp))

    result = run_cli(["accept", "report.json"], cwd=project)

    assert result.exit_code == 3, result.output
    line = one_line_error(result.stderr)
    assert f"cassettes-locks-{os.getuid()}" in line and "TMPDIR" in line
    assert cassette.read_bytes() == before
