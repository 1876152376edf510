"""The one cassette write transaction: checked, locked, atomic, and the only way cassettes change."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from vcr.request import Request as VcrRequest
from vcr.serializers import yamlserializer

from cassettes_tool.core.cassette import Cassette, Interaction, Request, Response
from cassettes_tool.core.filters import FilterRules
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.core.storage import TMP_PREFIX, checksum, file_sha256, serialize_document
from cassettes_tool.core.transaction import CassetteTransaction, cassette_transaction, save_cassette
from cassettes_tool.core.updating import apply_responses
from cassettes_tool.errors import CassetteChangedError, CassetteError, CassetteNotFoundError
from cassettes_tool.housekeeping.audit.detectors import NameRules
from cassettes_tool.housekeeping.audit.run import audit_file
from cassettes_tool.housekeeping.prune.apply import apply_plan
from cassettes_tool.housekeeping.prune.plan import LedgerCheck, PrunePlan, PruneRow
from cassettes_tool.recording.persister import CassettesPersister
from tests.helpers.planted import planted_document

BETAMAX = json.dumps({"http_interactions": [{
    "request": {"method": "GET", "uri": "http://a.test/", "body": {"string": ""}, "headers": {}},
    "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "ok"}},
    "recorded_at": "2020-01-01T00:00:00"}], "recorded_with": "betamax/0.8"})


def interaction(n: int) -> Interaction:
    return Interaction(
        request=Request("GET", f"https://api.test/items/{n}", {"Accept": ["application/json"]}, None),
        response=Response(200, "OK", {"Content-Type": ["application/json"]}, b'{"n": %d}' % n),
    )


def write_cassette(path: Path, count: int = 2) -> bytes:
    fmt = "json" if path.suffix == ".json" else "yaml"
    save_cassette(Cassette(path=path, format=fmt, interactions=[interaction(n) for n in range(count)]), record=False)
    return path.read_bytes()


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(TMP_PREFIX)]


def test_a_change_made_in_the_block_is_written_in_the_files_own_format(tmp_path: Path) -> None:
    for suffix in (".yaml", ".json"):
        path = tmp_path / f"c{suffix}"
        write_cassette(path)
        with cassette_transaction(path, expected_sha256=file_sha256(path)) as transaction:
            transaction.cassette.interactions.append(interaction(7))
            transaction.save(record=True)
        assert len(load_cassette(path)) == 3
        assert load_cassette(path).metadata["recorded_with"].startswith("cassettes_tool ")
        assert path.read_text().lstrip().startswith("{") == (suffix == ".json")


def test_a_file_changed_since_the_expected_checksum_is_refused_before_the_block_runs(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    seen = write_cassette(path)
    path.write_bytes(seen + b"\n")  # an edit after the report
    ran = []
    with pytest.raises(CassetteChangedError, match="changed since the report was made"), \
            cassette_transaction(path, expected_sha256=checksum(seen)):
        ran.append(True)
    assert ran == []
    assert path.read_bytes() == seen + b"\n"


def test_a_caller_names_its_own_changed_message(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    write_cassette(path)
    with pytest.raises(CassetteChangedError, match=r"changed while the job ran \(run it again\)"), \
            cassette_transaction(path, expected_sha256="0" * 64, changed=("changed while the job ran", "run it again")):
        pass


def test_a_read_only_variant_is_refused_with_one_line_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "betamax.json"
    path.write_text(BETAMAX)
    with pytest.raises(CassetteError) as caught, cassette_transaction(path) as transaction:
        transaction.cassette.interactions.clear()
        transaction.save(record=False)
    assert str(caught.value) == (f"{path}: is a betamax cassette and is read-only here "
                                 "(re-record it with vcrpy to let cassettes rewrite it)")
    assert path.read_text() == BETAMAX
    betamax = load_cassette(path)
    with pytest.raises(CassetteError, match="read-only here"):
        save_cassette(betamax, path=tmp_path / "copy.json")
    assert not (tmp_path / "copy.json").exists()


def test_an_exception_in_the_block_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    before = write_cassette(path)
    with pytest.raises(KeyError), cassette_transaction(path) as transaction:
        transaction.cassette.interactions.pop()
        transaction.save(record=True)
        raise KeyError("the caller failed after saving")
    assert path.read_bytes() == before
    assert temp_files(tmp_path) == []


def test_a_block_that_asks_for_nothing_or_changes_nothing_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    write_cassette(path)
    inode = path.stat().st_ino
    with cassette_transaction(path) as transaction:
        transaction.cassette.interactions.pop()  # changed in memory, never saved
    with cassette_transaction(path) as transaction:
        transaction.save(record=False)  # saved, but the same bytes
    assert path.stat().st_ino == inode, "an atomic write would have replaced the file"
    assert len(load_cassette(path)) == 2


def test_a_new_cassette_is_created_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.yaml"
    with pytest.raises(CassetteNotFoundError), cassette_transaction(path):
        pass
    with cassette_transaction(path, create=True) as transaction:
        assert transaction.is_new and transaction.data is None and transaction.sha256 is None
        transaction.save(Cassette(path=path, interactions=[interaction(1)]), record=True)
    assert len(load_cassette(path)) == 1
    with pytest.raises(CassetteChangedError), cassette_transaction(tmp_path / "gone.yaml", create=True,
                                                                  expected_sha256="0" * 64):
        pass


def test_a_json_cassette_that_cannot_hold_a_binary_body_is_one_line_and_not_written(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    before = write_cassette(path)
    with pytest.raises(CassetteError, match="cannot be written back: a JSON cassette cannot hold a binary body"), \
            cassette_transaction(path) as transaction:
        transaction.cassette.interactions[0].replace_response(Response(200, "OK", {}, b"\xff\xfe\x00"))
        transaction.save(record=True)
    assert path.read_bytes() == before


def test_delete_removes_the_file_at_the_end_of_the_block_only(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    write_cassette(path)
    with pytest.raises(RuntimeError), cassette_transaction(path) as transaction:
        transaction.delete()
        raise RuntimeError("changed my mind")
    assert path.exists()
    with cassette_transaction(path) as transaction:
        transaction.delete()
        assert path.exists()
    assert not path.exists()


def test_the_lock_serialises_two_writers_so_the_second_sees_the_first_ones_change(tmp_path: Path) -> None:
    """Both writers saw the same file; the second one reads only after the first committed, so its
    checksum no longer matches and it writes nothing (without the lock it could read the old
    bytes while the first is inside its block, and one change would be lost)."""
    path = tmp_path / "c.yaml"
    seen = checksum(write_cassette(path))
    first_inside, second_started = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def first() -> None:
        with cassette_transaction(path, expected_sha256=seen) as transaction:
            first_inside.set()
            assert second_started.wait(30)
            transaction.cassette.interactions.append(interaction(10))
            transaction.save(record=True)
        outcome["first"] = "written"

    def second() -> None:
        assert first_inside.wait(30)
        second_started.set()
        try:
            with cassette_transaction(path, expected_sha256=seen) as transaction:
                transaction.cassette.interactions.append(interaction(20))
                transaction.save(record=True)
            outcome["second"] = "written"
        except CassetteChangedError:
            outcome["second"] = "refused"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcome == {"first": "written", "second": "refused"}
    assert [i.request.uri for i in load_cassette(path).interactions][-1] == "https://api.test/items/10"


APPENDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from cassettes_tool.core.cassette import Interaction, Request, Response
    from cassettes_tool.core.transaction import cassette_transaction
    path = Path(sys.argv[1])
    for n in range(int(sys.argv[2])):
        with cassette_transaction(path) as transaction:
            transaction.cassette.interactions.append(Interaction(
                request=Request("GET", f"https://api.test/{sys.argv[3]}/{n}", {}, None),
                response=Response(200, "OK", {}, b"x")))
            transaction.save(record=True)
    """
)


def test_writers_in_several_processes_lose_no_change(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    write_cassette(path, count=0)
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(path), "8", name]) for name in "abc"]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert len(load_cassette(path)) == 24


CRASHER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from cassettes_tool.core.cassette import Interaction, Request, Response
    from cassettes_tool.core.transaction import cassette_transaction
    path, where = Path(sys.argv[1]), sys.argv[2]
    real_replace = os.replace

    def pause(label):
        print(label, flush=True)
        sys.stdin.readline()  # killed while waiting here

    def replace(src, dst):
        if where == "before-rename":
            pause("ready")
        real_replace(src, dst)
        if where == "after-rename":
            pause("ready")

    os.replace = replace
    with cassette_transaction(path) as transaction:
        transaction.cassette.interactions = transaction.cassette.interactions[:1]
        transaction.save(record=True)
        if where == "in-block":
            pause("ready")
    """
)


@pytest.fixture
def crashing(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(("where", "survivor"), [("in-block", "old"), ("before-rename", "old"),
                                                 ("after-rename", "new")])
def test_kill_9_at_any_step_leaves_the_old_or_the_new_file_and_the_next_write_works(
        tmp_path: Path, crashing: list[subprocess.Popen[bytes]], where: str, survivor: str) -> None:
    path = tmp_path / "c.yaml"
    old = write_cassette(path, count=3)
    proc = subprocess.Popen([sys.executable, "-c", CRASHER, str(path), where],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    crashing.append(proc)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = load_cassette(path)
    assert (path.read_bytes() == old) == (survivor == "old")
    assert len(after) == (3 if survivor == "old" else 1)
    # The lock died with the writer; the next transaction goes through.
    with cassette_transaction(path) as transaction:
        transaction.cassette.interactions.append(interaction(9))
        transaction.save(record=True)
    assert len(load_cassette(path)) == len(after) + 1


# Every writer of cassettes goes through the transaction: recording, refresh --update and accept
# (both apply_responses), prune (both modes) and audit --fix.


@pytest.fixture
def committed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The paths whose transaction committed, in order (the real commit still runs)."""
    paths: list[Path] = []
    real = CassetteTransaction._commit

    def spy(self: CassetteTransaction) -> None:
        paths.append(self.path)
        real(self)

    monkeypatch.setattr(CassetteTransaction, "_commit", spy)
    return paths


def test_recording_saves_through_the_transaction(tmp_path: Path, committed: list[Path]) -> None:
    path = tmp_path / "rec.yaml"
    request = VcrRequest("GET", "http://api.test/x", None, {})
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": b"ok"}}
    CassettesPersister(FilterRules()).save_cassette(path, {"requests": [request], "responses": [response]},
                                                   yamlserializer)
    assert committed == [path] and len(load_cassette(path)) == 1


def test_refresh_update_and_accept_write_through_the_transaction(tmp_path: Path, committed: list[Path]) -> None:
    path = tmp_path / "c.yaml"
    seen = checksum(write_cassette(path))
    committed.clear()
    apply_responses(path, {1: Response(200, "OK", {}, b'{"n": 99}')}, FilterRules(), expected_sha256=seen)
    assert committed == [path]
    assert load_cassette(path).interactions[1].response.body == b'{"n": 99}'


def test_prune_deletes_and_drops_interactions_through_the_transaction(tmp_path: Path, committed: list[Path]) -> None:
    unused, used = tmp_path / "unused.yaml", tmp_path / "used.yaml"
    write_cassette(unused)
    write_cassette(used, count=3)
    committed.clear()
    check = LedgerCheck(path=tmp_path / "usage.json", ledger=None, state="complete")
    delete = PrunePlan(mode="cassettes", ledger=check, test_paths=[], references=0,
                       rows=[PruneRow(unused, "unused.yaml", 1, None, [], True, "unused")])
    drop = PrunePlan(mode="interactions", ledger=check, test_paths=[], references=0,
                     rows=[PruneRow(used, "used.yaml", 1, None, [], True, "unplayed", interactions=3, unplayed=[0, 2])])
    apply_plan(delete)
    apply_plan(drop)
    assert [row.error for row in delete.rows + drop.rows] == [None, None]
    assert committed == [unused, used]
    assert not unused.exists() and len(load_cassette(used)) == 1


def test_audit_fix_scrubs_through_the_transaction(tmp_path: Path, committed: list[Path]) -> None:
    path = tmp_path / "planted.yaml"
    path.write_bytes(serialize_document(planted_document(), "yaml"))
    audited = audit_file(path, NameRules.from_config(None), fix=True)
    assert audited.fixed and audited.note is None
    assert committed == [path]


def test_a_read_only_cassette_named_to_audit_fix_keeps_its_findings_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "betamax.json"
    document = json.loads(BETAMAX)
    document["http_interactions"][0]["request"]["headers"] = {"Authorization": ["Bearer " + "k" * 8 + "Zq7Lm2Xr9Vk4Nb1Wc8Tf5"]}
    path.write_text(json.dumps(document))
    before = path.read_bytes()
    audited = audit_file(path, NameRules.from_config(None), fix=True)
    assert audited.findings and not audited.fixed
    assert audited.note is not None and "read-only here" in audited.note
    assert path.read_bytes() == before


def test_nothing_is_written_when_the_checksum_helper_disagrees_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    data = write_cassette(path)
    assert checksum(data) == file_sha256(path)
    os.utime(path, (0, 0))
    with pytest.raises(CassetteChangedError):
        apply_responses(path, {0: Response(200, "OK", {}, b"{}")}, FilterRules(), expected_sha256=checksum(data + b" "))
    assert path.read_bytes() == data and path.stat().st_mtime == 0
