"""Fuzzing: any file, however broken or hostile, gets a result or one line — never a traceback,
never a hang, never a Python object built from a YAML tag.

Hypothesis draws cassette-shaped documents (mostly valid, any field possibly replaced by any
value), serialises them as YAML or JSON, then mutates the text (truncation, byte flips, spliced
YAML tags of every kind). Every file goes through the reader, ``list``, ``show``, ``audit`` and
``diff``. Tags that would run code try to create a marker file; it must never exist. Each file
gets a bounded time (a SIGALRM deadline): a hang fails the example instead of the whole run.

The default run keeps ``max_examples`` modest; ``pytest -m slow`` runs the long variants.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cassettes_tool.core.reader import load_cassette
from cassettes_tool.errors import CassetteError, CassetteFormatError, ExitCode
from cassettes_tool.housekeeping.show import render_cassette
from tests.helpers.cli import run_cli, run_cli_process
from tests.helpers.strategies import any_json, bodies, headers, methods, mostly, uris
from tests.helpers.timing import bound, measure, time_limit

PER_FILE_SECONDS = 20  # generous on a busy 2-core machine; a real hang runs forever
HANG = 600  # only a hang reaches this: the baseline runs of bounded tests
DEFAULT_EXAMPLES = 80
SLOW_EXAMPLES = 5000

# One folder for the whole module: hypothesis cannot use function-scoped fixtures.
# (Created on first use, not at import.)
WORK = Path(tempfile.gettempdir()) / f"cassettes-fuzz-{os.getpid()}"
MARKER = WORK / "pwned-marker"

GOOD = """\
interactions:
- request:
    body: null
    headers:
      Accept: ['application/json']
    method: GET
    uri: https://api.example.com/users/1
  response:
    body: {string: '{"id": 1, "name": "Ada", "tags": ["a"]}'}
    headers:
      Content-Type: [application/json]
    status: {code: 200, message: OK}
version: 1
"""

# Every kind of YAML tag: code-running ones (they touch MARKER if ever constructed), legacy
# vcrpy data tags, standard YAML types, custom local tags, verbatim tags, %TAG shorthands.
CODE_TAGS = [
    "!!python/object/apply:os.system ['touch {m}']",
    "!!python/object/new:os.system ['touch {m}']",
    "!!python/object/apply:subprocess.call [[touch, '{m}']]",
    "!!python/object/apply:builtins.eval ['open(\"{m}\", \"w\")']",
    "!!python/object/apply:builtins.exec ['open(\"{m}\", \"w\")']",
    "!!python/object/new:builtins.open ['{m}', 'w']",
    "!!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{m}']]",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {m}']",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:builtins.object {{}}",
    "!!python/object/apply:builtins.frozenset [[!!python/object/apply:os.system ['touch {m}']]]",
    "!!python/object/new:_io.BytesIO {{state: [!!python/object/apply:os.system ['touch {m}']]}}",
]
DATA_TAGS = [
    "!custom {{a: 1}}", "!foo bar", "!<tag:example.com,2000:app/thing> 1", "!!set {{a: null, b: null}}",
    "!!omap [{{a: 1}}, {{b: 2}}]", "!!pairs [[a, 1]]", "!!timestamp 2020-01-01T00:00:00Z", "2020-01-01",
    "!!binary aGVsbG8=", "!!binary '!!not base64'", "!!float .inf", "!!float .nan", "!!int 0x1F", "!!str 5",
    "!!null ''", "!!bool yes", "!!bool maybe", "!!timestamp soon", "!!int 0x", "!!python/tuple [1, 2]", "!!python/bytes aGk=", "!!python/str x",
    "!!python/unicode x", "!!python/object/apply:builtins.frozenset [[a]]", "!!merge <<",
    "!!python/object/new:_io.BytesIO {{state: [abc]}}", "!!python/object/apply:builtins.iter [[1]]",
]
ALL_TAGS = CODE_TAGS + DATA_TAGS


def tag_text(template: str) -> str:
    return template.format(m=MARKER)




# ---------------------------------------------------------------------------------------------
# Strategies

requests = st.fixed_dictionaries({
    "method": mostly(methods), "uri": mostly(uris), "headers": mostly(headers), "body": mostly(bodies),
})
statuses = st.one_of(
    st.fixed_dictionaries({"code": mostly(st.integers(100, 599)), "message": mostly(st.text(max_size=12))}),
    st.integers(-1000, 10**6),
)
responses = st.fixed_dictionaries(
    {"status": mostly(statuses), "headers": mostly(headers)},
    optional={"body": mostly(st.fixed_dictionaries({"string": mostly(bodies)})), "content": bodies,
              "status_code": st.integers(100, 599)},
)
interactions = mostly(st.fixed_dictionaries({"request": mostly(requests), "response": mostly(responses)}))
documents = st.fixed_dictionaries(
    {"version": mostly(st.just(1)), "interactions": mostly(st.lists(interactions, max_size=4))},
    optional={"metadata": mostly(st.fixed_dictionaries({"recorded_at": mostly(st.sampled_from(
        ["2024-01-01T00:00:00Z", "yesterday", "2024-13-45T99:99:99Z", ""]))}))},
)


def to_yaml(document: Any) -> bytes:
    return yaml.safe_dump(document, allow_unicode=True).encode("utf-8")


def to_json(document: Any) -> bytes:
    return json.dumps(document, default=lambda b: b.decode("latin-1")).encode("utf-8")


@st.composite
def cassette_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """(file name, bytes): a serialised document, then zero or more mutations of its text."""
    fmt = draw(st.sampled_from(["yaml", "yaml", "json"]))
    data = (to_yaml if fmt == "yaml" else to_json)(draw(documents))
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["truncate", "flip", "tag", "tag", "splice", "tagdirective"]))
        at = draw(st.integers(0, len(data)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif kind == "tag":
            # After a "key: " or "- " so the tag lands on a value most of the time.
            text = data.decode("utf-8", "replace")
            spots = [i + 2 for i in range(len(text) - 1) if text[i:i + 2] in (": ", "- ")] or [0]
            spot = spots[at % len(spots)]
            data = (text[:spot] + tag_text(draw(st.sampled_from(ALL_TAGS))) + " " + text[spot:]).encode()
        elif kind == "splice":
            data = data[:at] + draw(st.binary(max_size=20)) + data[at:]
        else:
            data = (b"%TAG !p! tag:yaml.org,2002:python/object/apply:\n---\n"
                    + data.replace(b"interactions:", f"interactions: !p!os.system ['touch {MARKER}']".encode(), 1))
    name = draw(st.sampled_from(["c.yaml", "c.yml", "c.json", "cassette"]))
    if fmt == "json" and name != "cassette":
        name = "c.json"
    return name, data


file_contents = st.one_of(cassette_files(), cassette_files(), st.builds(lambda b: ("raw.yaml", b), st.binary(max_size=300)))


# ---------------------------------------------------------------------------------------------
# What every file must survive


def write_case(name: str, data: bytes) -> Path:
    WORK.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=WORK))
    path = folder / name
    path.write_bytes(data)
    return path


def check_one_line_naming(path: Path, message: str) -> None:
    assert "\n" not in message.strip(), message
    assert path.name in message, message


def check_loads_or_refuses(path: Path, limit: float = PER_FILE_SECONDS) -> None:
    """The reader returns a cassette or raises a one-line CassetteError; what it returns renders."""
    with time_limit(limit, "no result"):
        try:
            cassette = load_cassette(path)
        except CassetteError as exc:
            check_one_line_naming(path, str(exc))
            return
        render_cassette(cassette, str(path))
        for interaction in cassette:
            _ = (interaction.request.host, interaction.request.port, interaction.request.path,
                 interaction.response.content_type, interaction.response.decoded_body())
        _ = (cassette.hosts, cassette.methods, cassette.writable)


def invoke(args: list[str], limit: float = PER_FILE_SECONDS) -> Any:
    with time_limit(limit, "no result"):
        result = run_cli(args)
    if result.exit_code == ExitCode.INTERNAL or "internal error" in result.stderr:
        raise AssertionError(f"cassettes {' '.join(args)} raised: {result.stderr}")
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    return result


def check_cli(path: Path, good: Path, limit: float = PER_FILE_SECONDS) -> None:
    """list, show, audit, refresh --dry-run and diff (both ways): an exit code, at most one error line."""
    listed = invoke(["list", "--format", "json", str(path)], limit)
    assert listed.exit_code in (0, 3), listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 1 and (rows[0]["error"] is None) == (listed.exit_code == 0)
    if rows[0]["error"] is not None:
        check_one_line_naming(path, rows[0]["error"])
    shown = invoke(["show", str(path)], limit)
    assert shown.exit_code in (0, 3)
    assert len(shown.stderr.strip().splitlines()) <= 1, shown.stderr
    audited = invoke(["audit", "--format", "json", str(path)], limit)
    assert audited.exit_code in (0, 1, 3), audited.stderr
    json.loads(audited.stdout)
    planned = invoke(["refresh", "--dry-run", str(path)], limit)  # plans, sends nothing
    assert planned.exit_code in (0, 3), planned.stderr
    for old, new in ((path, good), (good, path)):
        diffed = invoke(["diff", "--format", "json", str(old), str(new)], limit)
        assert diffed.exit_code in (0, 1, 3), diffed.stderr
        if diffed.exit_code != 3 or diffed.stdout.strip():
            json.loads(diffed.stdout)


@pytest.fixture(scope="module")
def good_cassette() -> Path:
    WORK.mkdir(exist_ok=True)
    path = WORK / "good.yaml"
    path.write_text(GOOD)
    return path


@pytest.fixture(scope="module", autouse=True)
def remove_work_folder() -> Iterator[None]:
    yield
    import shutil

    shutil.rmtree(WORK, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_marker_after_each_test() -> Iterator[None]:
    WORK.mkdir(exist_ok=True)  # the marker's folder must exist, or a code-running tag would fail silently
    MARKER.unlink(missing_ok=True)
    yield
    assert not MARKER.exists(), "a YAML tag constructed a Python object and ran code"


def run_property(data: tuple[str, bytes], good: Path) -> None:
    name, content = data
    path = write_case(name, content)
    check_loads_or_refuses(path)
    assert not MARKER.exists(), f"{content[:200]!r} ran code"


def fuzz(examples: int) -> settings:
    """No hypothesis deadline (the SIGALRM bound catches hangs; timing is not asserted)."""
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@fuzz(DEFAULT_EXAMPLES * 2)
@given(data=file_contents)
def test_the_reader_returns_a_cassette_or_one_line_for_any_file(data: tuple[str, bytes]) -> None:
    run_property(data, WORK)


@fuzz(DEFAULT_EXAMPLES)
@given(data=file_contents)
def test_list_show_audit_and_diff_never_raise_on_any_file(data: tuple[str, bytes], good_cassette: Path) -> None:
    name, content = data
    path = write_case(name, content)
    check_cli(path, good_cassette)
    assert not MARKER.exists()


@fuzz(DEFAULT_EXAMPLES)
@given(template=st.sampled_from(ALL_TAGS), slot=st.integers(0, 7), fmt=st.sampled_from(["plain", "flow", "directive"]))
def test_no_yaml_tag_anywhere_constructs_a_python_object(template: str, slot: int, fmt: str) -> None:
    tag = tag_text(template)
    if fmt == "directive":
        tag = tag.replace("!!python/", "!py!")
    slots = [
        f"interactions: {tag}\nversion: 1\n",
        f"version: 1\ninteractions:\n- {tag}\n",
        f"version: 1\ninteractions:\n- request: {tag}\n  response: {{status: 200}}\n",
        f"version: 1\ninteractions:\n- request: {{method: GET, uri: {tag}}}\n  response: {{status: 200}}\n",
        f"version: 1\ninteractions:\n- request: {{method: GET, uri: 'http://x/', headers: {{A: [{tag}]}}}}\n  response: {{status: 200}}\n",
        f"version: 1\ninteractions:\n- request: {{method: GET, uri: 'http://x/'}}\n  response: {{status: {{code: {tag}}}, body: {{string: ''}}}}\n",
        f"version: 1\ninteractions:\n- request: {{method: GET, uri: 'http://x/'}}\n  response:\n    status: 200\n    body:\n      string: {tag}\n",
        f"version: 1\ninteractions: []\nmetadata: {{recorded_at: {tag}}}\n? {tag}\n: key\n",
    ]
    text = slots[slot]
    if fmt == "flow":
        text = text.replace("\n- ", "\n-   ")
    if fmt == "directive":
        text = "%TAG !py! tag:yaml.org,2002:python/\n---\n" + text
    path = write_case("tagged.yaml", text.encode())
    check_loads_or_refuses(path)
    result = invoke(["list", "--format", "json", str(path)])
    assert result.exit_code in (0, 3)
    if template in CODE_TAGS and ("python/object" in template or "python/name" in template or "python/module" in template):
        # A code tag is refused outright (not silently read as something else) ...
        assert json.loads(result.stdout)[0]["error"], text
    assert not MARKER.exists(), text


@pytest.mark.parametrize("template", CODE_TAGS[:5])
def test_the_marker_would_catch_a_tag_that_ran(template: str) -> None:
    # The check above can fail: an unsafe loader really creates the marker with these payloads.
    WORK.mkdir(exist_ok=True)
    yaml.unsafe_load(f"x: {tag_text(template)}")
    assert MARKER.exists()
    MARKER.unlink()


@pytest.mark.parametrize("template", CODE_TAGS)
def test_every_code_running_tag_is_named_in_a_one_line_error(template: str) -> None:
    path = write_case("evil.yaml", f"version: 1\ninteractions:\n- {tag_text(template)}\n".encode())
    with pytest.raises(CassetteFormatError, match="never executed") as info:
        load_cassette(path)
    check_one_line_naming(path, str(info.value))
    assert not MARKER.exists()


def alias_bomb(levels: int, where: str) -> str:
    lines = ['  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    last = f"*a{levels - 1}"
    value = {
        "header": f"{{method: GET, uri: 'http://x/', headers: {{X: {last}}}}}\n  response: {{status: 200}}",
        "request-body": f"{{method: GET, uri: 'http://x/', body: {last}}}\n  response: {{status: 200}}",
        "response-body": f"{{method: GET, uri: 'http://x/'}}\n  response: {{status: 200, body: {{string: {last}}}}}",
    }[where]
    return "lols:\n" + "\n".join(lines) + f"\nversion: 1\ninteractions:\n- request: {value}\n"


@pytest.mark.parametrize("where", ["header", "request-body", "response-body"])
def test_a_yaml_alias_bomb_is_refused_quickly_instead_of_expanding(where: str) -> None:
    # 9**9 (387 million) strings if expanded: without a bound this hangs and eats the memory.
    path = write_case("bomb.yaml", alias_bomb(9, where).encode())
    with time_limit(PER_FILE_SECONDS, "no result"), pytest.raises(CassetteFormatError, match="alias"):
        load_cassette(path)


def test_a_recursive_yaml_alias_is_refused() -> None:
    path = write_case("loop.yaml", b"version: 1\ninteractions:\n- request: {method: GET, uri: 'http://x/', body: &a [*a]}\n"
                                   b"  response: {status: 200}\n")
    with time_limit(PER_FILE_SECONDS, "no result"), pytest.raises(CassetteFormatError, match="refers to itself"):
        load_cassette(path)


def test_yaml_aliases_that_vcrpy_itself_writes_still_load() -> None:
    # yaml.dump writes &id001/*id001 when two interactions share one headers object.
    shared = {"Content-Type": ["application/json"]}
    interaction = {"request": {"method": "GET", "uri": "http://x/", "body": None, "headers": shared},
                   "response": {"status": {"code": 200, "message": "OK"}, "headers": shared, "body": {"string": "{}"}}}
    text = yaml.dump({"version": 1, "interactions": [interaction] * 300})
    assert "*id001" in text
    path = write_case("shared.yaml", text.encode())
    assert len(load_cassette(path)) == 300


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("values.yaml", "version: 1\ninteractions:\n- request: {method: GET, uri: 'http://x/', body: 2020-01-01}\n  response: {status: 200}\n"),
        ("set.yaml", "version: 1\ninteractions:\n- request: {method: GET, uri: 'http://x/'}\n  response: {status: 200, body: {string: !!set {a: null}}}\n"),
        ("inf.yaml", "version: 1\ninteractions:\n- request: {method: GET, uri: 'http://x/'}\n  response: {status: {code: .inf}}\n"),
        ("digits.yaml", "version: 1\ninteractions: []\nx: " + "7" * 5000 + "\n"),
        ("digits.json", '{"version": 1, "interactions": [], "x": ' + "7" * 5000 + "}"),
        # Found by hypothesis: list, audit, diff and refresh --dry-run all crashed on these URIs.
        ("ipv6.yaml", "version: 1\ninteractions:\n- request: {method: GET, uri: 'http://[::1/x'}\n  response: {status: 200}\n"),
        ("port.yaml", "version: 1\ninteractions:\n- request: {method: GET, uri: 'http://x:99999999/'}\n  response: {status: 200}\n"),
    ],
)
def test_valid_yaml_or_json_with_values_no_cassette_has_is_one_line(name: str, content: str) -> None:
    path = write_case(name, content.encode())
    with pytest.raises(CassetteFormatError) as info:
        load_cassette(path)
    check_one_line_naming(path, str(info.value))


@pytest.mark.parametrize("tagged", ["!!bool yes null", "!!timestamp x", "!!float", "!!int", "!!bool", "!!timestamp 2020-99-99", "!!int 0x",
                                    "!!int abc", "!!float .", "!!set [a]", "!!omap {a: 1}", "!!str [a]",
                                    "!!python/bytes [a]", "!!python/tuple {a: 1}"])
def test_standard_tags_with_impossible_values_are_one_line(tagged: str, good_cassette: Path) -> None:
    # Found by the slow fuzz run: PyYAML's constructors leak KeyError/AttributeError on these.
    for text in (f"version: 1\ninteractions: []\nx: {tagged}\n",
                 f"version: 1\ninteractions:\n- request: {{method: GET, uri: {tagged}}}\n  response: {{status: 200}}\n"):
        path = write_case("tagged.yaml", text.encode())
        check_loads_or_refuses(path)
        check_cli(path, good_cassette)


DEEP_CASES = [
    # libyaml's composer recurses in C: ~25,000 levels used to kill the process (SIGSEGV).
    ("deep-list.yaml", "[" * 50_000 + "]" * 50_000),
    ("deep-dashes.yaml", "- " * 60_000 + "x\n"),
    ("deep-keys.yaml", "? " * 60_000 + "x\n"),
    ("just-under-the-limit.yaml", "version: 1\ninteractions: []\nx: " + "[" * 9_000 + "]" * 9_000 + "\n"),
    # Loaded on the big-stack thread (under 100,000 openers): deep data reaches the commands.
    ("deep-extra.yaml", "version: 1\ninteractions: []\nx: " + "[" * 60_000 + "]" * 60_000 + "\n"),
    ("deep-over-the-limit.yaml", "version: 1\ninteractions: []\nx: " + "[" * 150_000 + "]" * 150_000 + "\n"),
    ("deep-interaction.yaml", "version: 1\ninteractions:\n- request: {method: GET, uri: 'http://x/', body: "
     + "[" * 9_000 + "]" * 9_000 + "}\n  response: {status: 200, headers: {A: " + "[" * 9_000 + "]" * 9_000 + "}}\n"),
    ("deep-map.yaml", "version: 1\ninteractions: []\nx: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n"),
    ("deep-block.yaml", "version: 1\ninteractions: []\nx:\n" + "".join(" " * i + "- \n" for i in range(1, 3000))),
    ("deep-body.json", '{"version": 1, "interactions": [{"request": {"method": "GET", "uri": "http://x/", "body": '
     + "[" * 50_000 + "]" * 50_000 + '}, "response": {"status": 200}}]}'),
    ("deep-string-body.yaml", "version: 1\ninteractions:\n- request: {method: GET, uri: 'http://x/'}\n"
     "  response: {status: 200, headers: {Content-Type: [application/json]}, body: {string: '"
     + "[" * 100_000 + "]" * 100_000 + "'}}\n"),
]


@pytest.mark.parametrize(("name", "content"), [pytest.param(name, content, id=name) for name, content in DEEP_CASES])
def test_deep_nesting_is_refused_or_read_never_a_recursion_traceback(name: str, content: str, good_cassette: Path) -> None:
    path = write_case(name, content.encode())
    check_loads_or_refuses(path)
    check_cli(path, good_cassette)


def huge_string_cassette(size: int, content_type: str, *, huge_parts: bool = True) -> bytes:
    """A ``size``-byte body; with ``huge_parts`` also a 100 kB URI and reason and a 200 kB header."""
    body = json.dumps({"items": ["x" * 1000] * (size // 1006)}) if content_type == "application/json" else "y" * size
    long, longer = (100_000, 200_000) if huge_parts else (10, 10)
    return to_yaml({"version": 1, "interactions": [{
        "request": {"method": "GET", "uri": "https://api.example.com/" + "p" * long, "body": None,
                    "headers": {"X-Long": ["h" * longer]}},
        "response": {"status": {"code": 200, "message": "O" * long},
                     "headers": {"Content-Type": [content_type]}, "body": {"string": body}},
    }]})


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_huge_strings_load_list_and_show_in_bounded_time(content_type: str, good_cassette: Path) -> None:
    # The bound is derived from this run: the same checks over a cassette with the same 4 MB body
    # and ordinary URI, header and reason. Huge strings may cost more, never a different order.
    ordinary = write_case("ordinary.yaml", huge_string_cassette(4 * 1024 * 1024, content_type, huge_parts=False))
    baseline = measure(lambda: (check_loads_or_refuses(ordinary, HANG), check_cli(ordinary, good_cassette, HANG)))
    limit = bound(baseline, 20, PER_FILE_SECONDS)
    path = write_case("huge.yaml", huge_string_cassette(4 * 1024 * 1024, content_type))
    check_loads_or_refuses(path, limit)
    check_cli(path, good_cassette, limit)


def random_folder(folder: Path, count: int, seed: int) -> None:
    """``count`` mutated cassettes without hypothesis (for subprocess runs of the real CLI)."""
    rng = random.Random(seed)
    for i in range(count):
        data = bytearray(GOOD.encode())
        for _ in range(rng.randint(0, 3)):
            op = rng.choice(["truncate", "flip", "tag", "splice"])
            at = rng.randint(0, len(data))
            if op == "truncate":
                del data[at:]
            elif op == "flip" and data:
                data[min(at, len(data) - 1)] = rng.randint(0, 255)
            elif op == "tag":
                spot = data.find(b": ", at)
                if spot >= 0:
                    data[spot + 2:spot + 2] = (tag_text(rng.choice(ALL_TAGS)) + " ").encode()
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 20))
        (folder / f"c{i:04d}{rng.choice(['.yaml', '.yml', '.json', ''])}").write_bytes(bytes(data))


def real_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run_cli_process(args, env={**os.environ, "NO_COLOR": "1"}, timeout=timeout)


def check_cli_subprocess_over_folder(folder: Path) -> None:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    listed = real_cli("list", "--format", "json", str(folder))
    assert "Traceback" not in listed.stderr and "internal error" not in listed.stderr, listed.stderr
    assert listed.returncode in (0, 3)
    rows = json.loads(listed.stdout)
    assert all(row["error"] is None or "\n" not in row["error"] for row in rows)
    audited = real_cli("audit", "--format", "json", str(folder))
    assert "Traceback" not in audited.stderr and "internal error" not in audited.stderr, audited.stderr
    assert audited.returncode in (0, 1, 3)
    for path in files[:: max(1, len(files) // 10)]:
        shown = real_cli("show", str(path))
        assert shown.returncode in (0, 3) and "Traceback" not in shown.stderr and "internal error" not in shown.stderr
        assert len(shown.stderr.strip().splitlines()) <= 1
    assert not MARKER.exists()


def test_the_real_cli_in_a_subprocess_survives_a_folder_of_mutated_cassettes(tmp_path: Path) -> None:
    random_folder(tmp_path, 150, seed=9)
    check_cli_subprocess_over_folder(tmp_path)


# ---------------------------------------------------------------------------------------------
# Long variants: `python -m pytest -m slow tests/test_fuzz.py`


@pytest.mark.slow
@fuzz(SLOW_EXAMPLES * 2)
@given(data=file_contents)
def test_slow_the_reader_survives_many_more_files(data: tuple[str, bytes]) -> None:
    run_property(data, WORK)


@pytest.mark.slow
@fuzz(SLOW_EXAMPLES)
@given(data=file_contents)
def test_slow_the_commands_survive_many_more_files(data: tuple[str, bytes], good_cassette: Path) -> None:
    name, content = data
    check_cli(write_case(name, content), good_cassette)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_slow_the_real_cli_survives_large_mutated_folders(tmp_path: Path, seed: int) -> None:
    random_folder(tmp_path, 1000, seed=seed)
    check_cli_subprocess_over_folder(tmp_path)


# ---------------------------------------------------------------------------------------------
# Drift reports: `report`, `merge` and `accept --dry-run` read JSON that users and CI jobs pass
# around; a damaged or hand-edited report gets one line, never a traceback.

DRIFTED = GOOD.replace('"tags": ["a"]', '"tags": "a", "new": 1')


@pytest.fixture(scope="module")
def valid_report(good_cassette: Path) -> dict[str, Any]:
    drifted = WORK / "drifted.yaml"
    drifted.write_text(DRIFTED)
    result = run_cli(["diff", "--format", "json", str(good_cassette), str(drifted)])
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["summary"]["findings"]["breaking"] >= 1  # the seed report has real findings
    return report


@st.composite
def mutated_reports(draw: st.DrawFn, seed: dict[str, Any]) -> bytes:
    """The seed report with 1-4 random subtrees replaced by any JSON value or deleted."""
    document: Any = json.loads(json.dumps(seed))
    for _ in range(draw(st.integers(1, 4))):
        parent: Any = None
        key: Any = None
        node = document
        for _ in range(draw(st.integers(0, 7))):
            if isinstance(node, dict) and node:
                key = draw(st.sampled_from(sorted(node)))
            elif isinstance(node, list) and node:
                key = draw(st.integers(0, len(node) - 1))
            else:
                break
            parent, node = node, node[key]
        if parent is None:
            document = draw(any_json)
        elif isinstance(parent, dict) and draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(any_json)
    return json.dumps(document).encode()


def check_report_commands(path: Path) -> None:
    for args in (["report", str(path), "--format", "text"], ["report", str(path), "--format", "junit"],
                 ["report", str(path), "--format", "html", "--output", str(path.with_suffix(".html"))],
                 ["merge", str(path), str(path), "--output", str(path.with_suffix(".merged.json"))],
                 ["accept", str(path), "--dry-run"]):
        result = invoke(args)
        assert result.exit_code in (0, 1, 2, 3), (args, result.stderr)
        assert len([line for line in result.stderr.splitlines() if "error" in line]) <= 1, result.stderr


@fuzz(DEFAULT_EXAMPLES // 2)
@given(data=st.data())
def test_report_merge_and_accept_never_raise_on_a_damaged_report(data: st.DataObject,
                                                                 valid_report: dict[str, Any]) -> None:
    content = data.draw(st.one_of(mutated_reports(valid_report), st.binary(max_size=200)))
    path = write_case("report.json", content)
    check_report_commands(path)


@pytest.mark.slow
@fuzz(SLOW_EXAMPLES // 2)
@given(data=st.data())
def test_slow_report_merge_and_accept_survive_many_more_damaged_reports(data: st.DataObject,
                                                                         valid_report: dict[str, Any]) -> None:
    path = write_case("report.json", data.draw(st.one_of(mutated_reports(valid_report), st.binary(max_size=200))))
    check_report_commands(path)


# ---------------------------------------------------------------------------------------------
# Usage ledgers and configuration: hand-edited or damaged files get one line.


SEED_LEDGER: dict[str, Any] = {
    "schema_version": 1, "tool": {"name": "cassettes", "version": "0.1.0"},
    "started_at": "2026-11-24T03:00:00Z", "finished_at": "2026-11-24T03:00:42Z", "complete": True,
    "incomplete_reasons": [],
    "cassettes": {"c.yaml": {"tests": ["tests/test_x.py::test_a"], "interactions": 2, "played": [0, 1]}},
}


def check_ledger_commands(ledger: Path, cassette: Path) -> None:
    for args in (["list", "--format", "json", "--usage", str(ledger), str(cassette)],
                 ["prune", "--format", "json", "--usage", str(ledger), str(cassette)],
                 ["prune", "--interactions", "--format", "json", "--usage", str(ledger), str(cassette)]):
        result = invoke(args)
        assert result.exit_code in (0, 2, 3), (args, result.stderr)
        assert len([line for line in result.stderr.splitlines() if "error" in line]) <= 1, result.stderr
    assert cassette.read_text() == GOOD  # dry runs only: never touched


@fuzz(DEFAULT_EXAMPLES // 2)
@given(data=st.data())
def test_list_and_prune_never_raise_on_a_damaged_usage_ledger(data: st.DataObject) -> None:
    folder = Path(tempfile.mkdtemp(dir=WORK))
    cassette = folder / "c.yaml"
    cassette.write_text(GOOD)
    ledger = folder / ".cassettes" / "usage.json"
    ledger.parent.mkdir()
    ledger.write_bytes(data.draw(st.one_of(mutated_reports(SEED_LEDGER), st.binary(max_size=100))))
    check_ledger_commands(ledger, cassette)


SEED_CONFIG: dict[str, Any] = {
    "cassette_dir": "tests/cassettes", "record_mode": "none", "match_on": ["method", "path"], "max_age": "30d",
    "on_expired": "warn", "filter_headers": ["X-Key"], "filter_query_parameters": [], "filter_body_fields": [],
    "refresh": {"workers": 8, "timeout": 10.0, "retries": 2, "methods": ["GET"], "samples": 1,
                "fail_on": "breaking", "rewrite_hosts": {"api.example.com": "http://127.0.0.1:8080"}},
    "auth": {"api.example.com": {"header": "Authorization", "env": "TOKEN", "format": "Bearer {}"}},
    "drift": {"ignore": ["$.meta.request_id"], "watch_headers": ["content-type"]},
}


@fuzz(DEFAULT_EXAMPLES)
@given(data=st.data())
def test_any_tool_cassettes_table_is_a_config_or_one_config_error(data: st.DataObject) -> None:
    from cassettes_tool.core.config import parse_config
    from cassettes_tool.errors import ConfigError

    raw = json.loads(data.draw(mutated_reports(SEED_CONFIG)))
    if not isinstance(raw, dict):
        raw = {"cassette_dir": raw}
    with time_limit(PER_FILE_SECONDS, "no result"):
        try:
            parse_config(raw, root=WORK)
        except ConfigError as exc:
            assert "\n" not in str(exc)


@pytest.mark.slow
@fuzz(SLOW_EXAMPLES // 2)
@given(data=st.data())
def test_slow_list_and_prune_survive_many_more_damaged_ledgers(data: st.DataObject) -> None:
    test_list_and_prune_never_raise_on_a_damaged_usage_ledger.hypothesis.inner_test(data)  # type: ignore[attr-defined]


def leaf_paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, child in node.items():
            yield from leaf_paths(child, (*prefix, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from leaf_paths(child, (*prefix, index))
    else:
        yield prefix


def test_every_field_of_a_report_holding_a_value_of_another_type_is_handled(valid_report: dict[str, Any]) -> None:
    # Systematic where the fuzz above is random: it found `"reason": true` crashing the HTML report.
    odd_values: list[Any] = [True, 3.5, {}, ["x"], None]
    paths = list(leaf_paths(valid_report))
    assert len(paths) > 30
    for path in paths:
        for value in odd_values:
            document = json.loads(json.dumps(valid_report))
            node = document
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            check_report_commands(write_case("report.json", json.dumps(document).encode()))
