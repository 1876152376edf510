"""Hypothesis strategies for cassette-shaped data, mostly valid and sometimes anything at all."""

from __future__ import annotations

import gzip
import json
from typing import Any

from hypothesis import strategies as st

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
yaml_scalars = st.one_of(json_scalars, st.floats(), st.binary(max_size=40))
any_json = st.recursive(
    json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
any_value = st.recursive(
    yaml_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def mostly(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually a well-formed value, sometimes anything at all."""
    return st.one_of(good, good, good, any_value)


content_types = st.sampled_from([
    "application/json", "application/json; charset=utf-8", "application/problem+json", "text/html",
    "text/plain", "application/x-ndjson", "application/octet-stream", "text/csv", "", "nonsense/",
    "application/x-www-form-urlencoded",
])
encodings = st.sampled_from(["gzip", "deflate", "br", "identity", "gzip, br", "zstd", ""])
header_names = st.one_of(
    st.sampled_from(["Content-Type", "Content-Encoding", "Set-Cookie", "Authorization", "Cookie", "X-Api-Key",
                     "Content-Length", "Retry-After"]),
    st.text(max_size=10),
)
header_values = st.one_of(content_types, encodings, st.text(max_size=30))
headers = st.dictionaries(header_names, st.one_of(st.lists(header_values, max_size=3), header_values), max_size=5)
json_texts = st.builds(json.dumps, any_json)
bodies = st.one_of(
    st.none(), st.text(max_size=200), st.binary(max_size=200), json_texts,
    st.builds(lambda t: gzip.compress(t.encode()), json_texts),
    st.builds(lambda b: b"\x1f\x8b" + b, st.binary(max_size=40)),  # gzip magic, corrupt stream
    st.builds(lambda t: "\n".join([t, t]), json_texts),  # NDJSON-like
)
hosts = st.sampled_from(["api.example.com", "127.0.0.1:8080", "[::1]", "[::1", "xn--e1afmkfd.example", "", "a:b:c"])
uris = st.one_of(
    st.builds(lambda s, h, p, q: f"{s}://{h}/{p}?{q}", st.sampled_from(["http", "https", "ftp", "ws", ""]), hosts,
              st.text(max_size=15), st.text(max_size=15)),
    st.text(max_size=40),
)
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "get", "", "BREW"])
