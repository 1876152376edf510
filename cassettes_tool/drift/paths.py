"""Body paths in the documented syntax (docs/drift.md): ``$``, ``.key``, ``['odd key']``, ``[*]`` (array elements), ``.*``.

``.*`` stands for every member of an object used as a map (keys that are ids, UUIDs or dates,
see :mod:`cassettes_tool.drift.shape`). The same module parses ``[tool.cassettes.drift] ignore``
patterns and decides which finding paths they cover.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cassettes_tool.errors import PathSyntaxError

ROOT = "$"
ITEM = "[*]"  # any element of an array
MEMBER = ".*"  # any member of an object used as a map

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DOTTED = re.compile(r"[^.\[\]]+")  # a key after "." runs to the next ".", "[" or "]"
_INDEX = re.compile(r"\[(\d+)\]")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


@lru_cache(maxsize=65536)
def key_segment(key: str) -> str:
    """The path segment of an object key: ``.name`` or ``['odd key']`` (quotes escaped)."""
    if _IDENTIFIER.match(key):
        return "." + key
    out = []
    for char in key:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 or 0xD800 <= ord(char) < 0xE000:
            # Control characters and lone surrogates would break one-line messages and JSON.
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "['" + "".join(out) + "']"


def child(path: str, key: str) -> str:
    """``child("$.a", "b c")`` -> ``"$.a['b c']"``."""
    return path + key_segment(key)


WILDCARD = "*"


def parse_path(path: str) -> tuple[str, ...]:
    """Split a report path into segments: keys as themselves, ``[*]``/``.*`` as ``*``, ``[N]`` as ``*``.

    Indices are folded into ``*`` because findings are always about every element of an array.
    Keys are returned with a leading marker so that the key ``"*"`` (written ``['*']``) differs
    from the wildcard: ``k:name`` for keys, ``*`` for wildcards.
    """
    if not path.startswith(ROOT):
        raise PathSyntaxError(f"path {path!r} does not start with $")
    segments: list[str] = []
    i, n = 1, len(path)
    while i < n:
        char = path[i]
        if char == ".":
            match = _DOTTED.match(path, i + 1)
            if not match:
                raise PathSyntaxError(f"path {path!r}: empty key after '.' at {i}")
            name = match.group(0)
            segments.append(WILDCARD if name == "*" else "k:" + name)
            i = match.end()
        elif char == "[":
            if path.startswith("[*]", i):
                segments.append(WILDCARD)
                i += 3
                continue
            index = _INDEX.match(path, i)
            if index:
                segments.append(WILDCARD)
                i = index.end()
                continue
            if i + 1 < n and path[i + 1] in "'\"":
                name, i = _quoted(path, i + 1)
                if not path.startswith("]", i):
                    raise PathSyntaxError(f"path {path!r}: expected ] at {i}")
                segments.append("k:" + name)
                i += 1
                continue
            raise PathSyntaxError(f"path {path!r}: unexpected [ at {i}")
        else:
            raise PathSyntaxError(f"path {path!r}: unexpected {char!r} at {i}")
    return tuple(segments)


def _quoted(path: str, start: int) -> tuple[str, int]:
    quote = path[start]
    out: list[str] = []
    i = start + 1
    while i < len(path):
        char = path[i]
        if char == "\\" and i + 1 < len(path):
            nxt = path[i + 1]
            if nxt == "u" and _HEX4.match(path, i + 2):
                out.append(chr(int(path[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append({"n": "\n", "r": "\r", "t": "\t"}.get(nxt, nxt))
            i += 2
            continue
        if char == quote:
            return "".join(out), i + 1
        out.append(char)
        i += 1
    raise PathSyntaxError(f"path {path!r}: unterminated quote")


class IgnoreRules:
    """``[tool.cassettes.drift] ignore``: a finding is dropped when a pattern covers its path.

    A pattern covers its own path and everything below it (``$.meta`` covers
    ``$.meta.request_id``). ``[*]``, ``.*`` and ``[N]`` in a pattern match any one segment. A
    pattern that is not valid path syntax covers paths that start with it, character for character.
    """

    def __init__(self, patterns: tuple[str, ...] | list[str]) -> None:
        self._parsed: list[tuple[str, ...]] = []
        self._raw: list[str] = []
        for pattern in patterns:
            try:
                self._parsed.append(parse_path(pattern))
            except PathSyntaxError:
                self._raw.append(pattern)

    def __bool__(self) -> bool:
        return bool(self._parsed or self._raw)

    def covers(self, path: str | None) -> bool:
        """True when ``path`` (a body path) is ignored."""
        if path is None or not self:
            return False
        if any(path.startswith(raw) for raw in self._raw):
            return True
        try:
            segments = parse_path(path)
        except PathSyntaxError:
            return False
        for pattern in self._parsed:
            if len(pattern) <= len(segments) and all(
                p in (WILDCARD, s) for p, s in zip(pattern, segments, strict=False)
            ):
                return True
        return False
