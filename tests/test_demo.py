"""``cassettes demo`` end to end, and the demo API it serves."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from cassettes_tool.setup.demo.api import EXPECTED_FINDINGS, EXPECTED_OK, EXPECTED_SKIPPED, respond
from cassettes_tool.setup.demo.server import DemoServer
from tests.helpers.cli import run_cli_process, run_cli_without_file_override

SAMPLES = Path(__file__).resolve().parent.parent / "sample_cassettes"
DemoRun = tuple[Path, subprocess.CompletedProcess[str], dict[str, str]]


def tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def refuses_connections(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a child process with a bare environment (the demo must need nothing more)."""
    return run_cli_process(args, cwd=cwd, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"}, timeout=120)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    cwd = tmp_path_factory.mktemp("project")
    before = tree_digest(SAMPLES)
    return cwd, run_cli(cwd, "demo"), before


def test_the_demo_exits_0_and_prints_the_text_report_and_next_steps(demo_run: DemoRun) -> None:
    _, proc, _ = demo_run
    assert proc.returncode == 0, proc.stderr
    assert "cassettes-demo/sample_cassettes/users/get_user.yaml" in proc.stdout
    assert "field_removed" in proc.stdout and "$.address.zip" in proc.stdout
    assert "Next, try:" in proc.stderr
    assert "cassettes report cassettes-demo/report.json --format markdown" in proc.stderr
    assert "cassettes schema cassettes-demo/sample_cassettes -o openapi.yaml" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_demo_reports_exactly_the_planned_drift_and_nothing_for_value_changes(demo_run: DemoRun) -> None:
    cwd, _, _ = demo_run
    report = json.loads((cwd / "cassettes-demo" / "report.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 1
    prefix = "cassettes-demo/sample_cassettes/"
    found = {(c["path"].removeprefix(prefix), f["kind"], f["path"])
             for c in report["cassettes"] for i in c["interactions"] for f in i["findings"]}
    assert found == set(EXPECTED_FINDINGS)
    statuses = {c["path"].removeprefix(prefix): c["status"] for c in report["cassettes"]}
    assert all(statuses[name] == "ok" for name in EXPECTED_OK)
    assert all(statuses[name] == "skipped" for name in EXPECTED_SKIPPED)
    assert report["summary"]["error"] == 0


def test_the_demo_writes_a_self_contained_html_report(demo_run: DemoRun) -> None:
    cwd, _, _ = demo_run
    html = (cwd / "cassettes-demo" / "report.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "$.line_items[*].unit_price.amount" in html


def test_the_demo_api_port_is_closed_after_the_demo(demo_run: DemoRun) -> None:
    _, proc, _ = demo_run
    match = re.search(r"served at http://127\.0\.0\.1:(\d+)", proc.stderr)
    assert match, proc.stderr
    assert refuses_connections(int(match.group(1)))


def test_the_demo_never_modifies_the_sample_cassettes(demo_run: DemoRun) -> None:
    _, _, before = demo_run
    assert tree_digest(SAMPLES) == before


def test_running_the_demo_again_replaces_its_own_copy(demo_run: DemoRun) -> None:
    cwd, _, _ = demo_run
    copy = cwd / "cassettes-demo" / "sample_cassettes" / "users" / "get_user.yaml"
    copy.write_text("scribbled over\n", encoding="utf-8")
    proc = run_cli(cwd, "demo", "--output-dir", "cassettes-demo")
    assert proc.returncode == 0, proc.stderr
    assert copy.read_bytes() == (SAMPLES / "users" / "get_user.yaml").read_bytes()


def test_the_demo_refuses_to_replace_a_folder_it_did_not_make(tmp_path: Path) -> None:
    mine = tmp_path / "out" / "sample_cassettes"
    mine.mkdir(parents=True)
    (mine / "precious.yaml").write_text("interactions: []\nversion: 1\n", encoding="utf-8")
    proc = run_cli(tmp_path, "demo", "--output-dir", "out")
    assert proc.returncode == 2
    assert "was not made by cassettes demo" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert (mine / "precious.yaml").exists()


def test_the_demo_refuses_an_output_folder_inside_the_samples(tmp_path: Path) -> None:
    before = tree_digest(SAMPLES)
    proc = run_cli(tmp_path, "demo", "--output-dir", str(SAMPLES / "users"))
    assert proc.returncode == 2
    assert "inside the sample cassettes" in proc.stderr
    assert tree_digest(SAMPLES) == before


def test_the_demo_server_serves_the_live_api_and_closes_its_port() -> None:
    with DemoServer() as server:
        port = server.port
        user = requests.get(f"{server.url}/v1/users/42", timeout=5)
        assert user.status_code == 200 and "zip" not in user.json()["address"]
        gone = requests.get(f"{server.url}/v1/products/TEE-007", timeout=5)
        assert gone.status_code == 410 and gone.headers["Content-Type"] == "application/problem+json"
        shipped = requests.get(f"{server.url}/v1/orders?status=shipped", timeout=5,
                               headers={"Accept-Encoding": "gzip"})
        assert shipped.headers["Content-Encoding"] == "gzip" and shipped.json()["data"]
        created = requests.post(f"{server.url}/v1/orders", json={"customer_id": 1, "line_items": []}, timeout=5)
        assert created.status_code == 201
    assert refuses_connections(port)


def test_an_unknown_route_of_the_demo_api_is_a_problem_404() -> None:
    response = respond("GET", "/v2/nothing")
    assert response.status == 404 and response.content_type == "application/problem+json"
    assert json.loads(response.body)["instance"] == "/v2/nothing"


def test_serve_on_a_busy_port_is_a_one_line_usage_error(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        proc = run_cli(tmp_path, "demo", "--serve", "--port", str(busy.getsockname()[1]))
    assert proc.returncode == 2
    assert "cannot listen on 127.0.0.1" in proc.stderr


def test_port_without_serve_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli(tmp_path, "demo", "--port", "8080")
    assert proc.returncode == 2 and "--port only applies with --serve" in proc.stderr
    assert not (tmp_path / "cassettes-demo").exists()


def test_the_readme_excerpt_of_the_demo_output_names_what_the_demo_finds(demo_run: DemoRun) -> None:
    _, proc, _ = demo_run
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- output of: cassettes demo.*?-->\n```text\n(.*?)```", readme, re.S)
    assert match, "README.md has no demo output excerpt"
    excerpt = match.group(1)
    # Layout may change with the text renderer; what the demo finds must not drift from the docs.
    tokens = set(re.findall(r"\[[0-9a-f]{12}\]|\b[0-9a-f]{12}\b|\$[.\w\[\]*]+|\b[a-z]+_[a-z_]+\b|sample_cassettes/[\w/.]+", excerpt))
    assert len(tokens) >= 8
    assert not sorted(t for t in tokens if t not in proc.stdout)
    summary = " ".join(excerpt.split("\n...\n")[-1].split())
    assert summary in " ".join(proc.stdout.split())


def test_an_unwritable_output_folder_is_a_one_line_usage_error() -> None:
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cassettes-demo-ro-"))
    try:
        folder.chmod(0o555)  # not writable, and the demo runs with file permissions enforced
        proc = run_cli_without_file_override("demo", "--output-dir", str(folder / "out"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "cannot write the demo's files" in proc.stderr
