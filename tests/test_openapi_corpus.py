"""The OpenAPI export over the real-world corpus (in addition to the project's own fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from tests.helpers.cli import run_cli
from tests.helpers.corpus import CORPUS, SKIP_REASON

pytestmark = [pytest.mark.skipif(not CORPUS.is_dir(), reason=SKIP_REASON), pytest.mark.slow]


def test_the_corpus_exports_a_valid_document_that_its_own_cassettes_check_against_without_finding(
        tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yaml"
    export = run_cli(["schema", str(CORPUS), "-o", str(spec)], cwd=tmp_path)
    assert export.exit_code in (0, 3), export.stderr  # 3: the corpus holds a gRPC recording, skipped
    assert "Traceback" not in export.stderr
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    validate(document)
    assert len(document["servers"]) > 10 and len(document["paths"]) > 20
    check = run_cli(["check", "--spec", str(spec), str(CORPUS), "--format", "json"], cwd=tmp_path)
    report = json.loads(check.stdout)
    assert report["summary"]["findings"] == {"breaking": 0, "warning": 0, "info": 0}
    assert report["summary"]["interactions"] > 200
