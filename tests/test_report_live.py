"""A report's live response is a cassette Response: one class, one converter, one Content-Type rule."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.filters import FilterRules
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.review.accept import accept, plan_accept
from cassettes_tool.review.render.shapes import body_rows, live_rows
from cassettes_tool.review.report import Report, live_from_json, live_to_json
from tests.helpers.reports import sample_report, write_user_cassette

BODY = '{"id": 7, "name": "Ada"}'


def live_json(content_type: str | None, headers: dict[str, list[str]]) -> dict[str, Any]:
    return {"status": 200, "reason": "OK", "content_type": content_type, "headers": headers, "body": BODY}


@pytest.mark.parametrize(("content_type", "headers", "expected"), [
    # Both old converters agreed here: content_type supplies the missing header.
    ("application/json", {}, {"Content-Type": ["application/json"]}),
    # accept kept the header and the HTML shape view replaced it with content_type.
    ("application/json", {"Content-Type": ["text/plain; charset=utf-8"]}, {"Content-Type": ["text/plain; charset=utf-8"]}),
    # the shape view dropped a header that content_type did not repeat: no JSON rows at all.
    (None, {"content-type": ["application/json"]}, {"content-type": ["application/json"]}),
])
def test_the_content_type_header_wins_and_content_type_only_fills_a_missing_one(
        content_type: str | None, headers: dict[str, list[str]], expected: dict[str, list[str]]) -> None:
    live = live_from_json(live_json(content_type, headers))
    assert isinstance(live, Response)
    assert live.headers == expected
    assert live_to_json(live)["content_type"] == live.content_type


def test_accept_writes_the_very_response_the_html_shape_view_shows(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "tests" / "cassettes" / "users" / "get_user.yaml"
    sha = write_user_cassette(path)
    data = sample_report().to_json()
    users = next(c for c in data["cassettes"] if c["path"].endswith("get_user.yaml"))
    users["sha256"] = sha
    users["interactions"][0]["live"] = live_json(None, {"content-type": ["application/json"]})
    report = Report.from_json(json.loads(json.dumps(data)))
    item = next(c for c in report.cassettes if c.path.endswith("get_user.yaml")).interactions[0]
    assert item.live is not None
    shown = live_rows(item.live)
    assert [row.path for row in shown] == ["$", "$.id", "$.name"]

    accept(plan_accept(report, cassettes=[users["path"]]), FilterRules())

    written = load_cassette(path).interactions[0].response
    assert written.content_type == "application/json"
    assert body_rows(written) == shown


def test_a_report_read_back_and_written_again_is_unchanged() -> None:
    text = sample_report().dumps()
    assert Report.from_json(json.loads(text)).dumps() == text


def test_a_decoded_response_drops_content_encoding_and_states_its_new_length() -> None:
    raw = gzip.compress(BODY.encode())
    response = Response(200, "OK", {"Content-Type": ["application/json"], "Content-Encoding": ["gzip"],
                                    "Content-Length": [str(len(raw))]}, raw)
    decoded = response.decoded()
    assert decoded.body == BODY.encode()
    assert decoded.headers == {"Content-Type": ["application/json"], "Content-Length": [str(len(BODY))]}
    assert response.headers["Content-Encoding"] == ["gzip"]  # the original is left alone
    plain = Response(200, "OK", {"Content-Encoding": ["gzip"]}, BODY.encode())  # stored decoded already
    assert plain.decoded() is plain


def test_a_diff_report_keeps_a_gzipped_response_decoded_and_without_its_content_encoding(tmp_path: Path) -> None:
    from cassettes_tool.core.cassette import Cassette, Interaction, Request
    from cassettes_tool.core.config import Config
    from cassettes_tool.core.transaction import save_cassette
    from cassettes_tool.drift.cassette_diff import diff_cassettes

    def cassette(path: Path, body: bytes, **headers: str) -> Path:
        response = Response(200, "OK", {"Content-Type": ["application/json"],
                                        **{k.replace("_", "-"): [v] for k, v in headers.items()}}, body)
        save_cassette(Cassette(path=path, interactions=[Interaction(Request("GET", "https://h.example/u"), response)]))
        return path

    old = cassette(tmp_path / "old.yaml", b'{"id": 1}')
    new = cassette(tmp_path / "new.yaml", gzip.compress(b'{"id": 1, "name": "Ada"}'), Content_Encoding="gzip")

    [item] = diff_cassettes(old, new, Config(root=tmp_path)).report.cassettes[0].interactions

    assert item.live is not None
    assert item.live.body == b'{"id": 1, "name": "Ada"}'
    assert item.live.header("content-encoding") is None
    assert item.status == "drift"
