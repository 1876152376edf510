"""The one "is this a cassette?" guess, shared by folder scans and ``audit --skip-non-cassettes``."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cassettes_tool.cli import cli
from cassettes_tool.core.discovery import find_cassettes
from cassettes_tool.core.sniff import sniff, sniff_file
from tests.helpers.corpus import CORPUS

CASES = [
    ("vcrpy YAML", b"interactions:\n- request:\n    body: null\n", "cassette"),
    ("vcrpy JSON", b'{\n    "interactions": []\n}\n', "cassette"),
    ("betamax", b'{"http_interactions": [], "recorded_with": "betamax/0.8"}', "cassette"),
    ("pre-1.0 YAML", b"- request: !!python/object:vcr.request.Request\n    body: null\n", "cassette"),
    ("pre-1.0 JSON", b'[\n    {\n        "request": {"body": null}\n    }\n]\n', "cassette"),
    ("an empty pre-1.0 cassette", b"[]\n", "cassette"),
    ("langchain's parallel lists", b"requests:\n- method: GET\nresponses:\n- status: 200\n", "cassette"),
    ("a drift report", b'{\n  "schema_version": 1,\n  "cassettes": []\n}\n', "own-output"),
    ("a CI workflow", b"name: ci\non:\n  pull_request:\njobs:\n  t:\n    steps:\n    - run: pip install requests\n",
     "other"),
    ("a list of something else", b"- name: a\n- name: b\n", "other"),
]


def bare(name: str) -> str:
    """A file name without a suffix (``pre-1.0 YAML`` -> ``pre-1_0_YAML``)."""
    return re.sub(r"[^A-Za-z0-9-]", "_", name)


@pytest.mark.parametrize(("data", "kind"), [(d, k) for _, d, k in CASES], ids=[n for n, _, _ in CASES])
def test_the_first_bytes_tell_a_cassette_from_our_own_output_and_other_files(data: bytes, kind: str) -> None:
    assert sniff(data) == kind
    assert sniff(gzip.compress(data)) == kind, "gzipped files are looked into"


def test_an_unreadable_file_is_whatever_the_caller_says(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert sniff_file(folder) == "cassette"
    assert sniff_file(folder, unreadable="other") == "other"


def test_a_scan_finds_extensionless_cassettes_and_skips_reports_and_other_files(tmp_path: Path) -> None:
    for name, data, _ in CASES:
        (tmp_path / bare(name)).write_bytes(data)
    (tmp_path / "report.json").write_bytes(CASES[7][1])
    (tmp_path / "named.json").write_bytes(b'{"interactions": []}')
    found = sorted(p.name for p in find_cassettes([tmp_path]))
    expected = sorted([bare(n) for n, _, k in CASES if k == "cassette"] + ["named.json"])
    assert found == expected


def test_skip_non_cassettes_still_reports_a_broken_pre_1_0_cassette(tmp_path: Path) -> None:
    broken = tmp_path / "old.yaml"
    broken.write_bytes(b"- request: {method: GET, uri: 'http://a.test/'}\n  response: [unclosed\n")
    result = CliRunner().invoke(cli, ["audit", "--skip-non-cassettes", str(broken)])
    assert result.exit_code == 3 and "old.yaml" in result.stdout


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not here")
def test_every_cassette_of_the_corpus_is_sniffed_as_one() -> None:
    files = find_cassettes([CORPUS])
    assert files and [p for p in files if sniff_file(p) != "cassette"] == []
