"""Is this file a cassette? The one guess from a file's first bytes, before any parsing.

Folder scans use it for files without a cassette suffix and to skip the JSON files cassettes
itself writes (a report saved into the cassette folder); ``audit --skip-non-cassettes`` uses it
to pass over the other YAML files a pre-commit hook names. It only guesses: the reader decides.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Literal

Kind = Literal["cassette", "own-output", "other"]

# Every JSON file cassettes writes (drift report, baseline, usage ledger, audit and prune
# output) opens with this key; a cassette never does (vcrpy writes "interactions" or "version").
_OWN_OUTPUT = re.compile(rb'\A\s*\{\s*"schema_version"\s*:')
# vcrpy (YAML, JSON), betamax ("http_interactions"), langchain's parallel lists, pre-1.0 vcrpy
# (a bare list of request/response pairs, or an empty one).
_INTERACTIONS = re.compile(rb"interactions")
_PARALLEL = (re.compile(rb"(?m)^requests:|\"requests\"\s*:"), re.compile(rb"(?m)^responses:|\"responses\"\s*:"))
_PRE_1_0 = re.compile(rb'\A\s*(?:-\s+(?:request|response):|\[\s*(?:\]|\{\s*"(?:request|response)"\s*:))')
MAX_GUNZIPPED = 16 * 1024 * 1024


def sniff(head: bytes) -> Kind:
    """What the first bytes of a file (gzipped or not) look like."""
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, MAX_GUNZIPPED)
        except zlib.error:
            return "cassette"  # cannot tell: let the reader say what is wrong with it
    if _OWN_OUTPUT.match(head):
        return "own-output"
    if _INTERACTIONS.search(head) or _PRE_1_0.match(head) or all(p.search(head) for p in _PARALLEL):
        return "cassette"
    return "other"


def sniff_file(path: Path, limit: int = -1, *, unreadable: Kind = "cassette") -> Kind:
    """:func:`sniff` of the first ``limit`` bytes of ``path`` (all with -1); ``unreadable`` when
    it cannot be read (by default it may be one: reading it will say what is wrong)."""
    try:
        with path.open("rb") as handle:
            return sniff(handle.read(limit))
    except OSError:
        return unreadable
