"""``cassettes prune`` with ledgers written by :class:`Ledger`: decisions, refusals, deletion, interactions."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml

from cassettes_tool.core.storage import now_iso
from cassettes_tool.recording.ledger import CassetteUsage, Ledger, load_ledger
from tests.helpers.cli import run_cli


def _cassette(*paths: str) -> str:
    interactions = [
        {"request": {"body": None, "headers": {}, "method": "GET", "uri": f"http://127.0.0.1:9{p}"},
         "response": {"body": {"string": p.upper()}, "headers": {"Content-Type": ["text/plain"]},
                      "status": {"code": 200, "message": "OK"}}}
        for p in paths
    ]
    return yaml.safe_dump({"interactions": interactions, "version": 1})


TESTS = '''
import pytest
from cassettes_tool import use_cassette

@pytest.mark.cassette("used")
def test_used():
    pass

def test_static_only():
    with use_cassette("static_only"):
        pass
'''


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "tests/cassettes"\n')
    cassettes = tmp_path / "tests" / "cassettes"
    (cassettes / "old").mkdir(parents=True)
    (tmp_path / "tests" / "test_things.py").write_text(TESTS)
    (cassettes / "used.yaml").write_text(_cassette("/a", "/b", "/c"))
    (cassettes / "static_only.yaml").write_text(_cassette("/s"))
    (cassettes / "unused.yaml").write_text(_cassette("/u"))
    (cassettes / "old" / "gone.json").write_text(json.dumps({"interactions": [], "version": 1}))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _ledger(root: Path, *, complete: bool = True, reasons: tuple[str, ...] = (), played: tuple[int, ...] = (0, 2),
            interactions: int = 3) -> Path:
    ledger = Ledger(root=root, complete=complete, incomplete_reasons=list(reasons),
                    started_at=now_iso(), finished_at=now_iso())
    ledger.cassettes = {"tests/cassettes/used.yaml": CassetteUsage(
        tests=["tests/test_things.py::test_used"], interactions=interactions, played=list(played))}
    path = root / ".cassettes" / "usage.json"
    ledger.save(path)
    return path


def _prune(*args: str) -> tuple[int, str, str]:
    result = run_cli(["prune", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_dry_run_lists_the_unused_cassettes_with_both_signals_sizes_and_a_total(project: Path) -> None:
    ledger = _ledger(project)
    code, out, _ = _prune()
    assert code == 0, out
    assert "would remove 2 unused cassette(s) of 4" in out
    assert "tests/cassettes/unused.yaml" in out and "tests/cassettes/old/gone.json" in out
    finished = load_ledger(ledger, project).finished_at
    assert f"not used in the complete run of {finished}; no reference in tests/" in out
    size = (project / "tests/cassettes/unused.yaml").stat().st_size + (project / "tests/cassettes/old/gone.json").stat().st_size
    assert f"{size} B" in out
    assert "static_only" not in out.split("would remove")[1].split("dry run")[0]
    assert (project / "tests/cassettes/unused.yaml").exists(), "a dry run removes nothing"


def test_verbose_output_shows_why_each_kept_cassette_stays(project: Path) -> None:
    _ledger(project)
    result = run_cli(["-v", "prune"])
    assert "tests/cassettes/used.yaml  used by 1 test(s) in the complete run" in result.stdout
    assert "static_only.yaml  not used in the complete run" in result.stdout
    assert "referenced at tests/test_things.py:10 (use_cassette 'static_only')" in result.stdout


def test_delete_removes_exactly_the_unused_cassettes(project: Path) -> None:
    _ledger(project)
    kept = {p: p.read_bytes() for p in (project / "tests/cassettes").glob("*.yaml") if p.name != "unused.yaml"}
    code, out, _ = _prune("--delete")
    assert code == 0, out
    assert "removed 2 unused cassette(s)" in out
    assert not (project / "tests/cassettes/unused.yaml").exists()
    assert not (project / "tests/cassettes/old/gone.json").exists()
    assert {p: p.read_bytes() for p in kept} == kept


def test_json_output_carries_the_ledger_and_every_row(project: Path) -> None:
    _ledger(project)
    code, out, _ = _prune("--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["schema_version"] == 1 and document["dry_run"] is True
    assert document["ledger"]["state"] == "complete"
    rows = {Path(r["path"]).name: r for r in document["cassettes"]}
    assert rows["unused.yaml"]["unused"] and rows["unused.yaml"]["used_by"] == []
    assert rows["used.yaml"]["used_by"] == ["tests/test_things.py::test_used"]
    assert rows["static_only.yaml"]["references"] and not rows["static_only.yaml"]["unused"]
    assert document["summary"]["candidates"] == 2


def test_a_missing_ledger_is_refused_without_force(project: Path) -> None:
    code, out, err = _prune("--delete")
    assert code == 2
    assert "no usage ledger" in err and "run the whole test suite" in err and "--force" in err
    assert (project / "tests/cassettes/unused.yaml").exists()
    code, out, err = _prune("--force")
    assert code == 0
    # Without a ledger only the static scan protects: "used" is named by its marker.
    assert "no usage ledger (--force); no reference in tests/" in out
    assert "cassettes/used.yaml" not in out.split("would remove")[1]


@pytest.mark.parametrize(("content", "message"), [
    (b"{oops", "line 1: usage ledger is not valid JSON"),
    (b"\xff\xfe{}", "usage ledger is not UTF-8 text"),
    (b"[" * 100_000 + b"]" * 100_000, "usage ledger is not usable JSON"),
    (b"[]", "not a cassettes usage ledger"),
])
def test_a_damaged_ledger_is_one_line_naming_it_and_the_fix(project: Path, content: bytes, message: str) -> None:
    path = project / ".cassettes" / "usage.json"
    path.parent.mkdir()
    path.write_bytes(content)
    code, _, err = _prune()
    assert code == 2 and message in err and "usage.json" in err and "re-run the tests" in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_an_incomplete_ledger_is_refused_and_says_why(project: Path) -> None:
    _ledger(project, complete=False, reasons=("-k was used",))
    code, _, err = _prune("--delete")
    assert code == 2
    assert "incomplete run (-k was used)" in err
    assert (project / "tests/cassettes/unused.yaml").exists()
    code, _out, err = _prune("--delete", "--force")
    assert code == 0 and "pruning anyway" in err
    assert not (project / "tests/cassettes/unused.yaml").exists()


def test_a_ledger_older_than_a_test_file_is_refused(project: Path) -> None:
    _ledger(project)
    future = time.time() + 60
    os.utime(project / "tests" / "test_things.py", (future, future))
    code, _, err = _prune()
    assert code == 2
    assert "is older than tests/test_things.py" in err


def test_a_cassette_written_after_the_run_is_kept(project: Path) -> None:
    _ledger(project)
    fresh = project / "tests/cassettes/fresh.yaml"
    fresh.write_text(_cassette("/f"))
    future = time.time() + 60
    os.utime(fresh, (future, future))
    code, _out, _ = _prune("--delete")
    assert code == 0
    assert fresh.exists()


def test_interactions_drops_only_the_unplayed_ones_and_keeps_the_rest_as_stored(project: Path) -> None:
    ledger_path = _ledger(project, played=(0, 2))
    used = project / "tests/cassettes/used.yaml"
    before = yaml.safe_load(used.read_text())
    code, out, _ = _prune("--interactions")
    assert code == 0
    assert "would drop 1 never-played interaction(s) in 1 cassette(s)" in out
    assert "interaction(s) 1 of 3 never played" in out
    assert yaml.safe_load(used.read_text()) == before, "a dry run changes nothing"

    code, out, _ = _prune("--interactions", "--delete")
    assert code == 0, out
    after = yaml.safe_load(used.read_text())
    assert after["interactions"] == [before["interactions"][0], before["interactions"][2]]
    assert "recorded_at" not in (after.get("metadata") or {}), "dropping is not a re-recording"
    assert (project / "tests/cassettes/unused.yaml").exists(), "--interactions never deletes files"
    usage = load_ledger(ledger_path, project).cassettes["tests/cassettes/used.yaml"]
    assert (usage.interactions, usage.played) == (2, [0, 1]), "the ledger describes the new file"

    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    requests, _ = FilesystemPersister.load_cassette(str(used), yamlserializer)
    assert [r.uri for r in requests] == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/c"]


def test_interactions_leaves_a_cassette_that_changed_since_the_run_alone(project: Path) -> None:
    _ledger(project, interactions=5)
    used = project / "tests/cassettes/used.yaml"
    original = used.read_bytes()
    code, _out, _ = _prune("--interactions", "--delete")
    assert code == 0
    assert "has 3 interaction(s) now but 5" in run_cli(["-v", "prune", "--interactions"]).stdout
    assert used.read_bytes() == original


def test_interactions_reports_an_unreadable_cassette_with_exit_3(project: Path) -> None:
    _ledger(project)
    (project / "tests/cassettes/broken.yaml").write_text("interactions: [unclosed\n")
    code, out, _ = _prune("--interactions")
    assert code == 3
    assert "error: " in out and "broken.yaml" in out


def test_a_named_usage_file_is_used(project: Path) -> None:
    ledger = _ledger(project)
    moved = project / "elsewhere.json"
    ledger.rename(moved)
    assert _prune()[0] == 2
    code, out, _ = _prune("--usage", str(moved))
    assert code == 0 and "elsewhere.json (complete" in out


def test_an_unreadable_unused_file_is_never_deleted_and_exits_3(project: Path) -> None:
    _ledger(project)
    stray = project / "tests/cassettes/settings.json"
    stray.write_text('{"not": "a cassette"}')
    code, out, _ = _prune("--delete")
    assert code == 3
    assert stray.exists()
    assert "settings.json" in out and "left alone" in run_cli(["-v", "prune"]).stdout
    assert not (project / "tests/cassettes/unused.yaml").exists(), "the other candidates are still removed"


def test_interactions_leaves_read_only_variants_alone(project: Path) -> None:
    betamax = project / "tests/cassettes/legacy.json"
    interaction = {"request": {"method": "GET", "uri": "http://127.0.0.1:9/x", "headers": {}, "body": {"string": ""}},
                   "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "x"}},
                   "recorded_at": "2020-01-01T00:00:00"}
    betamax.write_text(json.dumps({"http_interactions": [interaction, interaction], "recorded_with": "betamax"}))
    original = betamax.read_bytes()
    ledger = Ledger(root=project, started_at=now_iso(), finished_at=now_iso())
    ledger.cassettes = {"tests/cassettes/legacy.json": CassetteUsage(tests=["t"], interactions=2, played=[0])}
    ledger.save(project / ".cassettes" / "usage.json")
    result = run_cli(["-v", "prune", "--interactions", "--delete"])
    assert result.exit_code == 0, result.output
    assert "betamax cassette is read-only here, left alone" in result.stdout
    assert betamax.read_bytes() == original


def test_a_rerun_with_nothing_to_write_still_sweeps_a_killed_writers_leftover_in_the_state_folder(
    project: Path,
) -> None:
    """kill -9 while prune saved the ledger, then a re-run with nothing left to drop: the dead
    writer's temporary file goes, a live process's stays, and the ledger is not rewritten."""
    import subprocess
    import sys

    from cassettes_tool.core.storage import TMP_PREFIX

    path = _ledger(project, played=(0, 1, 2))  # every interaction played: nothing to drop
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    stale = path.parent / f"{TMP_PREFIX}{dead.stdout.strip()}-abc.tmp"
    live = path.parent / f"{TMP_PREFIX}{os.getppid()}-def.tmp"
    stale.write_text('{"half": ')
    live.write_text('{"half": ')
    before = path.read_bytes()

    code, _, err = _prune("--interactions", "--delete")

    assert code == 0, err
    assert not stale.exists()
    assert live.exists()
    assert path.read_bytes() == before
