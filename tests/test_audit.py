"""``cassettes audit``: planted secrets in every location are found, masked, and scrubbed by --fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cassettes_tool.core.discovery import find_cassettes
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.core.storage import serialize_document
from cassettes_tool.errors import CassetteFormatError
from cassettes_tool.housekeeping.audit import audit_paths
from cassettes_tool.housekeeping.audit.detectors import (
    NameRules,
    is_credential_like,
    is_high_entropy,
    is_placeholder,
    scan_text,
)
from cassettes_tool.housekeeping.audit.masking import mask
from tests.helpers.cli import run_cli
from tests.helpers.corpus import CORPUS
from tests.helpers.planted import (
    ACCESS_TOKEN,
    API_KEY,
    AWS_KEY,
    BASIC_PW,
    BEARER,
    GITHUB,
    GOOGLE,
    JWT,
    PASSWORD,
    PRIVATE_KEY,
    QUERY_KEY,
    SECRETS,
    SESSION_TOKEN,
    SLACK,
    STRIPE,
    planted_document,
    raw_interaction,
)

EXPECTED = {
    (0, "request.uri", "basic-auth-credentials"),
    (0, "request.uri query `api_key`", "credential-query-parameter"),
    (0, "request.headers.Authorization", "credential-header"),
    (0, "request.headers.X-Api-Key", "credential-header"),
    (0, "request.headers.Cookie", "session-cookie"),
    (0, "request.headers.X-Trace", "github-token"),
    (1, "request.body $.password", "credential-field"),
    (1, "request.body $.app.client_secret", "credential-field"),
    (1, "request.body $.app.sessionToken", "high-entropy-credential"),
    (1, "response.headers.Set-Cookie", "session-cookie"),
    (1, "response.body $.access_token", "credential-field"),
    (1, "response.body $.refresh_token", "credential-field"),
    (1, "response.body $.profile.note", "stripe-access-key"),
    (1, "response.body $.id_token", "credential-field"),
    (1, "response.body $.echo.headers.Authorization", "credential-field"),
    (2, "request.body form `token`", "credential-field"),
    (2, "request.body form `aws`", "aws-access-key"),
    (2, "response.headers.Location query `token`", "credential-query-parameter"),
    (2, "response.body line 1", "private-key"),
    (2, "response.body line 4", "google-api-key"),
    (3, "response.body $.keys[0].secret", "credential-field"),
    (5, "request.body multipart `client_secret`", "credential-field"),
}


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    path = tmp_path / "cassettes" / "planted.yaml"
    path.parent.mkdir()
    path.write_bytes(serialize_document(planted_document(), "yaml"))
    return path


def _found(path: Path) -> set[tuple[int, str, str]]:
    return {(f.interaction, f.location, f.rule) for f in audit_paths([path]).findings}


def test_every_planted_secret_is_found_in_every_location(planted: Path) -> None:
    found = _found(planted)
    assert found >= EXPECTED, sorted(EXPECTED - found)
    assert not {f for f in found if f[0] == 4}, "the clean interaction has no finding"
    kinds = {rule for _, _, rule in found}
    assert len(kinds) >= 10, kinds


def test_text_and_json_output_never_contain_a_secret(planted: Path) -> None:
    for fmt in ("text", "json"):
        result = run_cli(["audit", "--format", fmt, str(planted)])
        assert result.exit_code == 1, result.output
        printed = result.stdout + result.stderr
        for secret in SECRETS:
            assert secret not in printed, f"{fmt} output leaks {mask(secret)}"
        assert "…(" in printed
    document = json.loads(run_cli(["audit", "--format", "json", str(planted)]).stdout)
    assert document["schema_version"] == 1
    finding = document["files"][0]["findings"][0]
    assert set(finding) >= {"path", "interaction", "location", "rule", "value"}
    assert document["summary"]["findings"] >= len(EXPECTED)


def test_fix_scrubs_every_finding_and_the_cassette_still_loads_in_plain_vcrpy(planted: Path) -> None:
    before = yaml.safe_load(planted.read_text())
    result = run_cli(["audit", "--fix", str(planted)])
    assert result.exit_code == 0, result.output
    assert "scrubbed" in result.stdout
    text = planted.read_text()
    for secret in SECRETS:
        assert secret not in text, f"{mask(secret)} survived --fix"
    assert run_cli(["audit", str(planted)]).exit_code == 0

    after = yaml.safe_load(text)
    assert after["interactions"][4] == before["interactions"][4], "untouched interactions keep their mapping"
    assert [i["request"]["uri"].split("?")[0] for i in after["interactions"]] == [
        i["request"]["uri"].split("?")[0].replace(f"alice:{BASIC_PW}@", "alice:<FILTERED>@") for i in before["interactions"]
    ], "order kept, only the secret part of a URI replaced"
    gz = after["interactions"][3]["response"]
    assert "Content-Encoding" not in gz["headers"], "a scrubbed compressed body is stored decoded"
    assert json.loads(gz["body"]["string"])["keys"][0]["secret"] == "<FILTERED>"
    assert after["interactions"][0]["request"]["headers"]["Authorization"] == ["<FILTERED>"]
    assert "theme" not in json.dumps(after["interactions"][0]["request"]["headers"]["Cookie"])
    assert load_cassette(planted).interactions[1].request.body is not None

    from vcr.persisters.filesystem import FilesystemPersister
    from vcr.serializers import yamlserializer

    requests, responses = FilesystemPersister.load_cassette(str(planted), yamlserializer)
    assert len(requests) == 6 and len(responses) == 6
    assert b"\x89PNG\x00\xff" in requests[5].body, "the binary file part is kept byte for byte"
    assert requests[0].headers["Authorization"] == "<FILTERED>"


def test_fix_of_a_json_cassette_writes_json(tmp_path: Path) -> None:
    path = tmp_path / "login.json"
    path.write_bytes(json.dumps({
        "interactions": [raw_interaction("GET", f"https://api.test/?access_token={ACCESS_TOKEN}", body='{"a": 1}')],
        "version": 1,
    }, indent=4).encode())
    assert run_cli(["audit", "--fix", str(path)]).exit_code == 0
    document = json.loads(path.read_text())
    assert document["interactions"][0]["request"]["uri"] == "https://api.test/?access_token=<FILTERED>"


def test_placeholders_and_filtered_values_are_not_findings(tmp_path: Path) -> None:
    path = tmp_path / "clean.yaml"
    document = {"interactions": [
        raw_interaction(
            "POST", "https://api.test/v1/login?api_key=<FILTERED>&token=",
            req_headers={"Authorization": ["Bearer <FILTERED>"], "X-Api-Key": ["**REDACTED**"],
                         "Cookie": ["sessionid=<FILTERED>"], "Content-Type": ["application/json"]},
            req_body=json.dumps({"password": "<FILTERED>", "client_secret": "${CLIENT_SECRET}",
                                 "api_key": "your-api-key-here", "refresh_token": None}),
            headers={"Content-Type": ["application/json"], "Set-Cookie": ["<FILTERED>"]},
            body=json.dumps({"access_token": "XXXXXXXXXXXXXXXX", "token_type": "bearer", "expires_in": 3600,
                             "next_page_token": "CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA", "id": "a1b2c3d4e5f6"}),
        ),
    ], "version": 1}
    path.write_bytes(serialize_document(document, "yaml"))
    result = run_cli(["audit", str(path)])
    assert result.exit_code == 0, result.output
    assert "no secrets in 1 file(s)" in result.stdout


def test_an_unreadable_file_exits_3_and_a_secret_wins_over_it(tmp_path: Path, planted: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("interactions: [unclosed\n")
    result = run_cli(["audit", str(broken)])
    assert result.exit_code == 3
    assert "broken.yaml" in result.stdout
    assert run_cli(["audit", str(broken), str(planted)]).exit_code == 1


def test_skip_non_cassettes_ignores_other_yaml_files_named_by_a_hook(tmp_path: Path) -> None:
    workflow = tmp_path / "ci.yaml"
    workflow.write_text("name: ci\non: [push]\njobs:\n  t:\n    steps:\n    - run: pip install requests\n")
    assert run_cli(["audit", str(workflow)]).exit_code == 3
    result = run_cli(["audit", "--skip-non-cassettes", str(workflow)])
    assert result.exit_code == 0, result.output


def test_fix_leaves_read_only_variants_alone_and_still_fails(tmp_path: Path) -> None:
    path = tmp_path / "betamax.json"
    original = json.dumps({"http_interactions": [{
        "request": {"method": "GET", "uri": f"https://api.test/?api_key={QUERY_KEY}", "headers": {},
                    "body": {"string": ""}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": ""}},
        "recorded_at": "2020-01-01T00:00:00",
    }], "recorded_with": "betamax/0.8"})
    path.write_text(original)
    result = run_cli(["audit", "--fix", str(path)])
    assert result.exit_code == 1
    assert "read-only" in result.stdout
    assert path.read_text() == original


def test_the_default_folder_is_the_configured_cassette_dir(tmp_path: Path, planted: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.cassettes]\ncassette_dir = "cassettes"\nfilter_headers = ["X-Trace"]\n')
    monkeypatch.chdir(tmp_path)
    document = json.loads(run_cli(["audit", "--format", "json"]).stdout)
    rules = {(f["location"], f["rule"]) for f in document["files"][0]["findings"]}
    assert ("request.headers.X-Trace", "credential-header") in rules, "user filter lists extend the audit"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not here")
def test_the_real_corpus_is_audited_without_a_crash() -> None:
    result = audit_paths([CORPUS])
    assert len(result.files) == 50
    assert [Path(f.path).name for f in result.errors] == ["test_cancel_recorded_provider_stream[xai].xai.yaml"]
    rules = {f.rule for f in result.findings}
    # Real leftovers: asyncpraw's S3 upload leases hold AWS STS credentials and signatures.
    assert {"credential-field", "high-entropy-credential"} <= rules
    assert result.exit_code() == 1


@pytest.mark.parametrize("value", [
    "<FILTERED>", "Bearer <FILTERED>", "**REDACTED**", "xxxxxxxx", "${API_TOKEN}", "{{ token }}",
    "<your-token>", "dummy-token", "", "   ", "Basic <FILTERED>", "fake_key_123",
])
def test_obvious_placeholders_are_recognised(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", [GITHUB, BEARER, "Bearer " + BEARER, STRIPE])
def test_real_looking_values_are_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)


def test_names_are_credential_like_by_their_words_not_their_letters() -> None:
    assert is_credential_like("sessionToken") and is_credential_like("X-Client-Secret")
    assert is_credential_like("aws_secret_access_key") and is_credential_like("apiKey")
    assert not is_credential_like("author") and not is_credential_like("next_page_token")
    assert not is_credential_like("token_type") and not is_credential_like("input_tokens")


def test_entropy_separates_tokens_from_words() -> None:
    assert is_high_entropy(SESSION_TOKEN) and is_high_entropy(API_KEY)
    assert not is_high_entropy("aaaaaaaaaaaaaaaaaaaaaaaa") and not is_high_entropy("hello world, this is text")


def test_masks_show_at_most_four_characters_and_the_length() -> None:
    assert mask(GITHUB) == f"ghp_…({len(GITHUB)} chars)"
    assert mask("hunter22") == "hu…(8 chars)"
    assert mask("abc") == "…(3 chars)"
    assert "MIIE" not in mask(PRIVATE_KEY)


def test_token_formats_come_from_detect_secrets_and_overlaps_are_merged() -> None:
    hits = scan_text(f"a {AWS_KEY} b {GITHUB} c {JWT} d {SLACK}")
    assert {h.rule for h in hits} == {"aws-access-key", "github-token", "json-web-token", "slack-token"}
    assert {h.secret for h in hits} == {AWS_KEY, GITHUB, JWT, SLACK}, "whole tokens, not a regex group"
    assert not scan_text("eyJhbGciOi.notajwt.x"), "detect-secrets' JWT validation still applies"
    assert len(scan_text(f"url https://u:{BASIC_PW}@h.test/")) == 1
    assert NameRules.from_config().headers >= {"authorization", "set-cookie", "x-amz-security-token"}


def corpus_strings() -> list[str]:
    """Every JSON string and header value in the corpus: what audit scans, in bulk."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, child in value.items():
                found.append(str(key))
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    for path in find_cassettes([CORPUS]) if CORPUS.is_dir() else []:
        try:
            cassette = load_cassette(path)
        except CassetteFormatError:
            continue
        for interaction in cassette:
            for message in (interaction.request, interaction.response):
                walk(message.headers)
                try:
                    walk(json.loads(message.body or b""))
                except ValueError:
                    walk((message.body or b"").decode("utf-8", "replace"))
    return found


def test_the_one_regex_prefilter_never_changes_what_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    from cassettes_tool.housekeeping.audit import detectors

    texts = [f"x {secret} y" for secret in SECRETS] + [f"a {AWS_KEY} b {GITHUB} c {JWT} d {SLACK}"]
    # Every regex of every plugin, fed the text it was written for, via detect-secrets' own samples.
    texts += ['aws_secret = "' + "A" * 40 + '"', "xoxp-1234-5678-abcdef", "https://hooks.slack.com/services/T0/B0/x",
              "cloudant_password='" + "a" * 64 + "'", "sl_api_key = '" + "a" * 64 + "'",
              "https://api.softlayer.com/soap/v3/" + "a" * 64, "ibm_cos_hmac_secret_access_key = '" + "a" * 48 + "'",
              "https://user:" + "a" * 64 + "@acct.cloudant.com", "sk_live_" + "a" * 24, "npm_" + "a" * 36]
    texts += corpus_strings()
    assert detectors._candidate_filter() is not None
    with_filter = [detectors.scan_text(t) for t in texts]
    # every planted secret of a known format is found through the filter (the others are found by
    # their names, not by scan_text), whether or not the real-world corpus is beside the checkout
    formats = [AWS_KEY, GITHUB, SLACK, STRIPE, JWT, GOOGLE, PRIVATE_KEY]
    assert all(with_filter[SECRETS.index(secret)] for secret in formats)
    monkeypatch.setattr(detectors, "_candidate_filter", lambda: None)
    without = [detectors.scan_text(t) for t in texts]
    assert with_filter == without


def test_the_pre_commit_hook_definition_runs_the_audit_on_cassette_files() -> None:
    import re

    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "cassettes-audit")
    assert hook["entry"] == "cassettes audit" and hook["language"] == "python"
    assert "--skip-non-cassettes" in hook["args"]
    pattern = re.compile(hook["files"])
    assert pattern.search("tests/cassettes/users/get.yaml") and pattern.search("fixtures/a.json")
    assert not pattern.search("README.md") and not pattern.search("cassettes_tool/cli.py")


def test_a_secret_url_keeps_its_host_and_loses_its_token(tmp_path: Path) -> None:
    hook = "https://hooks.slack.com/services/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"
    path = tmp_path / "hook.yaml"
    path.write_bytes(serialize_document({"interactions": [raw_interaction("POST", hook, body="ok")], "version": 1}, "yaml"))
    found = audit_paths([path]).findings
    assert [(f.location, f.rule) for f in found] == [("request.uri path", "slack-token")]
    assert run_cli(["audit", "--fix", str(path)]).exit_code == 0
    uri = yaml.safe_load(path.read_text())["interactions"][0]["request"]["uri"]
    assert uri == "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/<FILTERED>"


_KEYS = st.sampled_from(["password", "client_secret", "note", "data", "items", "apiKey", "name", "x y"])
_SECRET_VALUES = st.sampled_from([GITHUB, SLACK, STRIPE, AWS_KEY, GOOGLE, JWT, PASSWORD, SESSION_TOKEN])
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8), _SECRET_VALUES,
              _SECRET_VALUES.map(lambda s: f"prefix {s} suffix")),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request_body=_JSON, response_body=_JSON)
def test_fix_then_audit_is_clean_for_any_json_body(tmp_path_factory: pytest.TempPathFactory,
                                                   request_body: Any, response_body: Any) -> None:
    path = tmp_path_factory.mktemp("prop") / "c.yaml"
    document = {"interactions": [raw_interaction(
        "POST", "https://api.test/x", req_headers={"Content-Type": ["application/json"]},
        req_body=json.dumps(request_body), headers={"Content-Type": ["application/json"]},
        body=json.dumps(response_body))], "version": 1}
    path.write_bytes(serialize_document(document, "yaml"))
    before = audit_paths([path])
    printed = json.dumps(before.to_json())
    assert not any(secret in printed for secret in SECRETS)
    assert audit_paths([path], fix=True).exit_code() == 0
    assert audit_paths([path]).findings == []
    fixed = load_cassette(path).interactions[0]
    bodies = (fixed.request.body or b"").decode() + fixed.response.decoded_body().decode()
    assert not any(token in bodies for token in (GITHUB, SLACK, STRIPE, AWS_KEY, GOOGLE, JWT)), "every token is gone"
    json.loads(fixed.response.body)
