"""The endpoint model over the real corpus (in addition to tests/test_endpoint_model.py's own suites)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cassettes_tool.core.config import Config
from cassettes_tool.drift.cassette_diff import diff_cassettes
from cassettes_tool.drift.endpoint_cache import build_model, project_samples
from cassettes_tool.errors import CassetteError
from tests.helpers.corpus import CORPUS, FILES

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")


def test_the_model_of_the_whole_corpus_builds_and_knows_its_json_endpoints(tmp_path: Path) -> None:
    samples = project_samples(FILES, tmp_path)
    model = build_model(FILES, tmp_path)
    json_samples = [s for s in samples if s[3] is not None]
    assert len(json_samples) > 100 and len(model) > 20
    merged = sum(shape.samples for shape in model.shapes.values())
    assert merged == len(json_samples)  # every JSON response is a sample of exactly one endpoint
    # The pagination cassette's pages are one endpoint: their cursors are query values.
    assert max(shape.samples for shape in model.shapes.values()) >= 50


def test_every_corpus_cassette_diffed_with_itself_pairs_by_request_and_is_clean(tmp_path: Path) -> None:
    config = Config(root=tmp_path)
    checked = 0
    for path in FILES:
        try:
            result = diff_cassettes(path, path, config)
        except CassetteError:  # the one unreadable corpus file is test_corpus's business
            continue
        items = result.report.cassettes[0].interactions
        assert result.report.findings() == [], path
        assert {i.pairing for i in items} <= {"request"}, path
        assert {i.status for i in items} <= {"ok", "not_compared"}, path
        checked += 1
    assert checked >= 45
