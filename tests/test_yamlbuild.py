"""The fast YAML builder gives exactly what PyYAML's own constructor gives, or the same error kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cassettes_tool.core.discovery import find_cassettes
from cassettes_tool.core.reader import parse_cassette
from cassettes_tool.core.yamlbuild import MAX_DEPTH
from cassettes_tool.core.yamlio import CassetteLoader, load_yaml
from cassettes_tool.errors import AliasError, CassetteFormatError
from tests.helpers.corpus import CORPUS

CORPUS_YAML = [p for p in find_cassettes([CORPUS]) if p.suffix in (".yaml", ".yml")] if CORPUS.is_dir() else []
SAMPLES = sorted((Path(__file__).resolve().parents[1] / "sample_cassettes").rglob("*.yaml"))


def pyyaml(text: str | bytes) -> Any:
    return yaml.load(text, Loader=CassetteLoader)


def outcome(load: Any, text: str | bytes) -> Any:
    try:
        return ("ok", load(text))
    except yaml.YAMLError as exc:
        return ("yaml-error", type(exc).__name__)
    except Exception as exc:  # PyYAML's constructors leak ValueError & co. on bad scalars
        return ("error", type(exc).__name__)


def same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to itself (``.nan`` loads as a float that equals nothing)."""
    return repr(a) == repr(b) and type(a) is type(b)


@pytest.mark.skipif(not CORPUS_YAML, reason=f"corpus not found at {CORPUS}")
@pytest.mark.parametrize("path", CORPUS_YAML, ids=[p.name for p in CORPUS_YAML])
def test_every_real_yaml_cassette_builds_identically(path: Path) -> None:
    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b"):
        pytest.skip("gzip-compressed: read by the reader, not by YAML directly")
    assert same(outcome(load_yaml, data), outcome(pyyaml, data))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_cassette_builds_identically(path: Path) -> None:
    data = path.read_bytes()
    assert load_yaml(data) == pyyaml(data)


# Documents that take the slow (delegated) paths: tags, merge keys, "=" keys, odd scalars.
EDGE_CASES = [
    "a: 1\nb: 2.5\nc: true\nd: null\ne: ~\nf: 0x1F\ng: 1_000\nh: .inf\ni: 2020-01-02\nj: 2020-01-02T03:04:05Z\n",
    "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",
    "base: &b {x: 1}\nother: &o {z: 2}\nderived: {<<: [*b, *o], w: 4}\n",
    "=: value\nk: v\n",
    "? [a, b]\n: 1\n",
    "? {a: 1}\n: 1\n",
    "!!python/tuple [1, 2]: x\n",
    "t: !!python/tuple [1, [2, 3]]\n",
    "s: !!python/str hello\nu: !!python/unicode world\nb: !!python/bytes abc\n",
    "h: !!python/object/apply:builtins.frozenset [[a, b]]\n",
    "io: !!python/object/new:_io.BytesIO {state: [abc]}\n",
    "r: !!python/object:vcr.request.Request {method: GET, uri: 'http://x/'}\n",
    "bad: !!python/object/apply:os.system [echo]\n",
    "bad: !custom x\n",
    "set: !!set {a: null, b: null}\nomap: !!omap [{a: 1}, {b: 2}]\npairs: !!pairs [{a: 1}, {a: 2}]\n",
    "bin: !!binary aGVsbG8=\n",
    "dup: 1\ndup: 2\n",
    "shared: &s [1, 2]\nagain: *s\nmap: &m {k: *s}\nm2: *m\n",
    "loop: &l [*l]\n",
    "mloop: &m {self: *m}\n",
    "keyalias: &k [1]\n*k : v\n",
    "- a\n- - b\n  - c\n- {d: [e, {f: g}]}\n",
    "",
    "# only a comment\n",
    "scalar\n",
    "--- a\n--- b\n",
    "!!str [a]\n",
    "!!int abc\n",
    "x: !!bool yes null\n",
    "x: !!float\n",
    "x: !!timestamp 2020-99-99\n",
    "a: [1, 2\n",
    "a: 'unterminated\n",
    "\tbad: indent\n",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_build_like_pyyaml(text: str) -> None:
    ours, theirs = outcome(load_yaml, text), outcome(pyyaml, text)
    if theirs[0] == "ok" and ours[0] != "ok":
        # Only recursion is refused where PyYAML would build it.
        assert isinstance(ours, tuple) and ours[1] == "AliasError", (ours, theirs)
        return
    if ours[0] == "ok" and theirs[0] == "ok":
        assert same(ours[1], theirs[1])
    else:
        assert ours[0] == theirs[0], (ours, theirs)


def test_a_recursive_alias_is_refused_and_a_merely_shared_one_is_shared() -> None:
    with pytest.raises(AliasError, match="refers to itself"):
        load_yaml("loop: &l [*l]\n")
    document = load_yaml("shared: &s [1, 2]\nagain: *s\n")
    assert document["shared"] is document["again"]


def test_nesting_beyond_the_limit_is_refused_in_one_line_not_a_crash(tmp_path: Path) -> None:
    # The product's contract, not a library's exception class: our builder raises RecursionError
    # and some PyYAML releases stop first with "exceeded maximum nesting depth"; the reader maps
    # both to the one CassetteFormatError that names the file.
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    path = tmp_path / "deep.yaml"
    with pytest.raises(CassetteFormatError) as refused:
        parse_cassette(path, deep.encode())
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)
    # Within our limit a document loads in full, unless the PyYAML in use has a lower limit of
    # its own (libyaml in 6.0.4 stops at 1,000 levels): then it is the same one-line refusal.
    for levels in (900, MAX_DEPTH - 5):
        ok = "[" * levels + "]" * levels
        try:
            node = load_yaml(ok)
        except yaml.YAMLError as exc:
            assert levels > 900 and "nesting depth" in str(exc), exc
            with pytest.raises(CassetteFormatError, match="nesting depth"):
                parse_cassette(path, ok.encode())
            continue
        depth = 0
        while isinstance(node, list) and node:
            node, depth = node[0], depth + 1
        assert depth == levels - 1  # the innermost list is empty


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
    st.sampled_from(["yes", "no", "on", "null", "~", "0x10", "1_0", "1:30", "2020-01-01", "=", "<<", ".inf", "-", "?"]),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.booleans()), children, max_size=5),
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(document=documents, flow=st.booleans(), width=st.sampled_from([20, 80]))
def test_random_documents_build_like_pyyaml(document: Any, flow: bool, width: int) -> None:
    text = yaml.dump(document, default_flow_style=flow, width=width, allow_unicode=True)
    assert same(load_yaml(text), pyyaml(text))
    assert same(load_yaml(text.encode()), pyyaml(text))


def test_a_file_too_big_to_bound_by_openers_is_composed_on_the_big_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    # Block mappings nest by indentation alone, without a single "[{-?" byte. Real files that
    # could reach a dangerous depth that way are ~250 MB; the size rule is checked at a small scale.
    from cassettes_tool.core import yamlio

    depth = 300
    text = "".join(" " * level + f"k{level}:\n" for level in range(depth)) + " " * depth + "leaf\n"
    assert yamlio._openers(text.encode()) == 0
    used: list[bool] = []
    real = yamlio._on_big_stack

    def spy(work: Any) -> Any:
        used.append(True)
        return real(work)

    monkeypatch.setattr(yamlio, "_on_big_stack", spy)
    assert load_yaml(text) == pyyaml(text)
    assert not used  # small: composed right here
    monkeypatch.setattr(yamlio, "SAFE_SIZE", len(text) - 1)
    assert load_yaml(text) == pyyaml(text)
    assert used == [True]


@pytest.mark.parametrize(
    "text",
    [
        "[" * 20_000 + "]" * 20_000,  # under the 50,000 openers that bound block nesting
        "version: 1\nx: " + "{a: " * 12_000 + "1" + "}" * 12_000 + "\n",
    ],
    ids=["list-20k", "map-12k"],
)
def test_deep_flow_nesting_is_measured_before_composing(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    # PyYAML 6.0.1-6.0.3's libyaml composes flow nesting in quadratic time (50,000 levels: 12-15 s,
    # then refused anyway): a document with more flow openers than SAFE_OPENERS is walked first,
    # and one too deep never reaches the composer, whichever PyYAML is installed.
    from cassettes_tool.core import yamlio

    composed: list[bool] = []
    monkeypatch.setattr(yamlio, "_on_big_stack", lambda work: composed.append(True))
    with pytest.raises((RecursionError, yaml.YAMLError)):
        load_yaml(text)
    assert not composed


def test_a_shallow_document_with_many_braces_is_walked_then_read_in_full() -> None:
    # The cost side of the rule above: a real cassette can hold over SAFE_OPENERS braces at a
    # shallow depth (one of the corpus has 32,514); it is walked, found shallow, and read.
    items = [{"id": n, "tags": [n], "owner": {"id": n}} for n in range(4_000)]
    text = yaml.dump({"version": 1, "interactions": [], "items": items}, default_flow_style=True, width=1_000)
    assert text.count("{") + text.count("[") > 10_000
    assert load_yaml(text)["items"] == items
