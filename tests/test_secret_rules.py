"""One filtering implementation, one set of secret rules.

The model's adapters (``core/filters.py``) and vcrpy's (``recording/filtering.py``) must give
byte-identical results; only ``core/secrets.py`` spells a credential name list.
"""

from __future__ import annotations

import ast
import gzip
import json
from pathlib import Path
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vcr.request import Request as VcrRequest

import cassettes_tool
from cassettes_tool.core import config, secrets
from cassettes_tool.core.cassette import Request, Response
from cassettes_tool.core.filters import FilterRules, filter_request, filter_response
from cassettes_tool.housekeeping.audit.detectors import NameRules
from cassettes_tool.recording.filtering import filter_response_mapping, request_filter

RULES = FilterRules.from_config(None, headers=["x-custom-secret"], body_fields=["pin"])
PACKAGE = Path(cassettes_tool.__file__).parent

# Names drawn from: the secret lists (any case), the user's extra ones, and harmless names.
NAMES = st.sampled_from(
    [*secrets.FILTER_HEADERS, *secrets.FILTER_QUERY_PARAMETERS, *secrets.FILTER_BODY_FIELDS,
     "X-Custom-Secret", "pin", "Authorization", "API_KEY", "id", "page", "name", "x-trace"]
)
VALUES = st.text(alphabet="abcXYZ019 -_=&%/é", max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.integers(-5, 5) | VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes | None, str | None]:
    kind = draw(st.sampled_from(["none", "json", "json-untyped", "form", "text"]))
    if kind == "none":
        return None, None
    if kind in ("json", "json-untyped"):
        separators = draw(st.sampled_from([(",", ":"), (", ", ": ")]))
        body = json.dumps(draw(st.dictionaries(NAMES, JSON_VALUES, max_size=5)), separators=separators)
        return body.encode(), ("application/json; charset=utf-8" if kind == "json" else None)
    if kind == "form":
        pairs = draw(st.lists(st.tuples(NAMES, VALUES), max_size=5))
        return urlencode(pairs).encode(), "application/x-www-form-urlencoded"
    return draw(st.binary(max_size=20)), "text/plain"


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, dict[str, str], bytes | None]:
    query = draw(st.lists(st.tuples(NAMES, VALUES), max_size=5))
    uri = "https://api.example.test/v1/items" + (f"?{urlencode(query)}" if query else "")
    # vcrpy's headers are case-insensitive: one spelling per name.
    names = draw(st.lists(NAMES, max_size=6, unique_by=str.lower))
    headers = {name: draw(VALUES) for name in names if name.lower() not in ("content-type", "content-length")}
    body, content_type = draw(bodies())
    if content_type:
        headers["Content-Type"] = content_type
    if body is not None:
        headers["Content-Length"] = str(len(body))
    return uri, headers, body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_a_request_filtered_as_the_model_and_as_vcrpys_request_is_byte_identical(
        request: tuple[str, dict[str, str], bytes | None]) -> None:
    uri, headers, body = request
    model = filter_request(Request("POST", uri, {k: [v] for k, v in headers.items()}, body), RULES)
    vcr = request_filter(RULES)(VcrRequest("POST", uri, body, dict(headers)))
    assert vcr.uri == model.uri
    assert {k: [v] for k, v in vcr.headers.items()} == model.headers
    assert vcr.body == model.body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(), st.booleans())
def test_a_response_filtered_as_the_model_and_as_vcrpys_mapping_is_byte_identical(
        generated: tuple[str, dict[str, str], bytes | None], compressed: bool) -> None:
    _, headers, body = generated
    headers = {**headers, "Set-Cookie": "sid=1"}
    stored = body or b""
    if compressed:
        stored = gzip.compress(stored, mtime=0)
        headers["Content-Encoding"] = "gzip"
    model = filter_response(Response(200, "OK", {k: [v] for k, v in headers.items()}, stored), RULES)
    mapping = {"status": {"code": 200, "message": "OK"}, "headers": {k: [v] for k, v in headers.items()},
               "body": {"string": stored}}
    vcr = filter_response_mapping(mapping, RULES)
    assert vcr["headers"] == model.headers
    assert vcr["body"]["string"] == model.body


def test_a_filtered_request_body_gets_a_true_content_length_on_both_paths() -> None:
    body = json.dumps({"password": "hunter2-and-then-some", "id": 1}).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    model = filter_request(Request("POST", "https://h/login", {k: [v] for k, v in headers.items()}, body), RULES)
    vcr = request_filter(RULES)(VcrRequest("POST", "https://h/login", body, dict(headers)))
    assert model.body == vcr.body == b'{"password": "<FILTERED>", "id": 1}'
    assert model.headers["Content-Length"] == [vcr.headers["Content-Length"]] == [str(len(model.body or b""))]


def test_a_streamed_vcrpy_body_is_left_as_vcrpy_holds_it() -> None:
    chunks = [b'{"password": "hunter2"}']
    request = request_filter(RULES)(VcrRequest("POST", "https://h/p?token=abc", iter(chunks), {}))
    assert request.uri == "https://h/p?token=<FILTERED>"
    assert list(request.body) == chunks


def test_config_filters_and_audit_read_the_one_set_of_rules() -> None:
    assert config.DEFAULT_FILTER_HEADERS is secrets.FILTER_HEADERS
    assert config.DEFAULT_FILTER_QUERY_PARAMETERS is secrets.FILTER_QUERY_PARAMETERS
    assert config.DEFAULT_FILTER_BODY_FIELDS is secrets.FILTER_BODY_FIELDS
    assert config.FILTERED_PLACEHOLDER is secrets.PLACEHOLDER
    rules = FilterRules()
    assert rules.headers == set(secrets.FILTER_HEADERS)
    assert rules.response_headers == set(secrets.FILTER_HEADERS + secrets.FILTER_RESPONSE_HEADERS)
    audit = NameRules.from_config(None)
    assert audit.headers == set(secrets.FILTER_HEADERS + secrets.FILTER_RESPONSE_HEADERS + secrets.AUDIT_EXTRA_HEADERS)
    assert audit.query_parameters == set(secrets.FILTER_QUERY_PARAMETERS + secrets.AUDIT_EXTRA_QUERY_PARAMETERS)
    assert audit.body_fields == set(secrets.FILTER_BODY_FIELDS + secrets.AUDIT_EXTRA_BODY_FIELDS)


def _distinctive_names() -> set[str]:
    """Credential names no module has another reason to spell (plain words like ``key`` left out)."""
    lists = (secrets.FILTER_HEADERS, secrets.FILTER_RESPONSE_HEADERS, secrets.FILTER_QUERY_PARAMETERS,
             secrets.FILTER_BODY_FIELDS, secrets.AUDIT_EXTRA_HEADERS, secrets.AUDIT_EXTRA_QUERY_PARAMETERS,
             secrets.AUDIT_EXTRA_BODY_FIELDS)
    return {name for names in lists for name in names if "-" in name or "_" in name}


def _name_lists(source: str, names: set[str]) -> list[tuple[int, list[str]]]:
    """(line, names) of every tuple, list or set literal spelling two or more of ``names``.

    One name alone is a use (a demo API's field, a hop-by-hop header), not a rule list.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            spelled = [e.value for e in node.elts
                       if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value.lower() in names]
            if len(spelled) >= 2:
                found.append((node.lineno, spelled))
    return found


def test_no_module_but_core_secrets_spells_a_list_of_credential_names() -> None:
    names = _distinctive_names()
    assert len(names) > 20
    found = [f"{path.relative_to(PACKAGE)}:{line}: {spelled}"
             for path in sorted(PACKAGE.rglob("*.py")) if path != PACKAGE / "core" / "secrets.py"
             for line, spelled in _name_lists(path.read_text(encoding="utf-8"), names)]
    assert not found, "credential name lists belong in cassettes_tool/core/secrets.py:\n" + "\n".join(found)


def test_the_list_check_catches_an_inline_list_like_the_old_ones() -> None:
    source = 'EXTRA = ("X-Vault-Token", "private-token", "proxy-authenticate")\nHOP = {"proxy-authorization", "te"}'
    assert _name_lists(source, _distinctive_names()) == [(1, ["X-Vault-Token", "private-token"])]
