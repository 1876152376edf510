"""A report of any origin holds no secret once read: every format renders filtered values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cassettes_tool.review.render import FORMATS
from tests.helpers.cli import run_cli
from tests.helpers.reports import sample_report

TOKEN = "Zq7Lm2Xr9Vk4Nb1Wc8Tf5Hs3Pd6Gy0Aj"


def _planted_report(path: Path) -> Path:
    """The sample report, its first checked interaction carrying the token in every live place."""
    data = json.loads(sample_report().dumps())
    target = next(i for c in data["cassettes"] for i in c["interactions"] if i.get("live"))
    target["uri"] = f"https://api.test/items?access_token={TOKEN}"
    target["reason"] = f"live 401 Unauthorized access_token={TOKEN}"
    target["live"]["reason"] = f"Unauthorized token={TOKEN}"
    target["live"]["headers"] = {"Location": [f"https://api.test/cb#access_token={TOKEN}"],
                                 "Link": [f'<https://api.test/p2?sig={TOKEN}>; rel="next"'],
                                 "Content-Type": ["text/plain"]}
    target["live"]["body"] = json.dumps({"payload": json.dumps({"password": TOKEN})})
    target["live"].pop("body_encoding", None)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_format_renders_a_planted_report_without_its_secret(tmp_path: Path, fmt: str) -> None:
    report = _planted_report(tmp_path / "planted.json")
    assert TOKEN in report.read_text()  # planted, really
    out = tmp_path / f"out.{fmt}"
    result = run_cli(["report", str(report), "--format", fmt, "-o", str(out), "--fail-on", "never"])
    assert result.exit_code in (0, 3), result.output  # the sample report has an unchecked interaction
    assert TOKEN not in out.read_text() and TOKEN not in result.output
