"""A cassette scrubbed after recording (audit --fix) still replays: a scrubbed value is a wildcard."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from vcr.errors import CannotOverwriteExistingCassetteException

from cassettes_tool import use_cassette
from tests.helpers.cli import run_cli
from tests.helpers.server import LoopbackServer

SIGNATURE = "f3a9c1e5b7d2a8c4e6f0b9d3a7c1e5f8b2d4a6c8e0f2a4b6c8d0e2f4a6b8c0d2"
GITHUB = "ghp_R8kQz2LmV7xWc4Tn9PbJ5sYh3GdA6fKe1Uo0"


@pytest.fixture
def api(loopback_server: LoopbackServer) -> LoopbackServer:
    loopback_server.route("GET", "*", json={"ok": True})
    return loopback_server


def _urls(api: LoopbackServer) -> list[str]:
    return [
        # a presigned URL: the signature is no filtered name, the audit finds it by its entropy
        api.url("/bucket/photo.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE"
                f"&X-Amz-Signature={SIGNATURE}&X-Amz-Expires=900"),
        # an odd-case query key
        api.url(f"/items?Access_Token={SIGNATURE}&page=2"),
        # a token in the URL path: only its format tells
        api.url(f"/hooks/{GITHUB}/deliveries"),
    ]


def test_a_cassette_scrubbed_by_audit_fix_still_replays_presigned_odd_case_and_path_secrets(
        project: Path, api: LoopbackServer) -> None:
    urls = _urls(api)
    with use_cassette("scrubbed", record_mode="once"):
        for url in urls:
            assert requests.get(url, timeout=10).json() == {"ok": True}
    cassette = project / "cassettes" / "scrubbed.yaml"
    assert SIGNATURE in cassette.read_text() or GITHUB in cassette.read_text()
    fixed = run_cli(["audit", str(cassette), "--fix"])
    assert fixed.exit_code == 0, fixed.output
    text = cassette.read_text()
    assert SIGNATURE not in text and GITHUB not in text
    served = len(api.requests)
    with use_cassette("scrubbed", record_mode="none"):
        for url in urls:
            assert requests.get(url, timeout=10).json() == {"ok": True}
    assert len(api.requests) == served  # replayed, not sent


def test_a_scrubbed_place_only_matches_requests_that_agree_everywhere_else(
        project: Path, api: LoopbackServer) -> None:
    urls = _urls(api)
    with use_cassette("strict", record_mode="once"):
        requests.get(urls[2], timeout=10)
    assert run_cli(["audit", str(project / "cassettes" / "strict.yaml"), "--fix"]).exit_code == 0
    with use_cassette("strict", record_mode="none"), pytest.raises(CannotOverwriteExistingCassetteException):
        requests.get(api.url(f"/hooks/{GITHUB}/other"), timeout=10)
