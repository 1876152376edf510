"""Token-name rules check the value's form: a paging or search state named ``token`` is data."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from cassettes_tool.housekeeping.audit.detectors import is_data_value
from tests.helpers.cassettes import interaction, write_cassette
from tests.helpers.cli import run_cli
from tests.helpers.planted import ACCESS_TOKEN, BEARER, GITHUB, JWT, SESSION_TOKEN

CURSOR = "next:naip:mt_m_4811501_se_11_060_20231117_20240103"  # a STAC search's paging token
SEARCH_STATE = base64.urlsafe_b64encode(json.dumps({"lat": 52.52, "lon": 13.405, "q": "cafe"}).encode()).decode()


@pytest.mark.parametrize("value", [CURSOR, SEARCH_STATE, SEARCH_STATE.rstrip("=")])
def test_a_search_state_is_data(value: str) -> None:
    assert is_data_value(value)


@pytest.mark.parametrize("value", [BEARER, GITHUB, JWT, SESSION_TOKEN, ACCESS_TOKEN, "7f3c9a1e5b2d8f6a4c0e9b7d3a1f5c8e",
                                   "user:" + BEARER])
def test_a_credential_is_never_data(value: str) -> None:
    assert not is_data_value(value)


def test_audit_passes_over_search_tokens_and_still_reports_credentials_under_the_same_name(tmp_path: Path) -> None:
    data = tmp_path / "geo.yaml"
    write_cassette(data, [
        interaction("GET", f"https://geo.example.com/search?token={CURSOR}", {"token": SEARCH_STATE}),
        interaction("GET", f"https://geo.example.com/search?token={SEARCH_STATE}", {"next_token": CURSOR}),
    ])
    clean = run_cli(["audit", str(data)], cwd=tmp_path)
    assert clean.exit_code == 0, clean.output

    leak = tmp_path / "leak.yaml"
    write_cassette(leak, [
        interaction("GET", f"https://api.example.com/me?token={BEARER}", {"token": GITHUB}),
    ])
    found = run_cli(["audit", "--format", "json", str(leak)], cwd=tmp_path)
    assert found.exit_code == 1
    locations = {f["location"] for file in json.loads(found.stdout)["files"] for f in file["findings"]}
    assert "request.uri query `token`" in locations
    assert any(location.startswith("response.body") for location in locations)
