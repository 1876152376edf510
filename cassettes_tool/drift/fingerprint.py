"""Stable finding fingerprints: the key of baselines and ``accept --fingerprint``."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from cassettes_tool.core.discovery import project_key


def request_key(method: str, uri: str) -> str:
    """``GET https://api.example.com/users?page&q``: method and URI without query *values*.

    Query keys are kept (sorted: their order carries no meaning), values dropped (page numbers,
    cursors and timestamps change between runs); scheme and host are lower-cased, the fragment
    is dropped.
    """
    try:
        parts = urlsplit(uri)
        keys = sorted(key for key, _ in parse_qsl(parts.query, keep_blank_values=True))
        base = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"
    except ValueError:  # e.g. an unbalanced IPv6 bracket: fall back to the text before "?"
        base, _, query = uri.partition("?")
        keys = sorted(part.partition("=")[0] for part in query.split("&") if part)
    query_keys = "&".join(keys)
    return f"{method.upper()} {base}" + (f"?{query_keys}" if query_keys else "")


def cassette_key(path: Path, root: Path) -> str:
    """The cassette part of a fingerprint: its path relative to the project root (POSIX).

    Relative to the root, not the working directory, so a baseline keeps matching whichever
    folder ``cassettes`` runs from.
    """
    return project_key(path, root)


def fingerprint(method: str, uri: str, kind: str, path: str | None, cassette: str = "") -> str:
    """12 hex characters, stable for the same cassette + method + URI (query keys, not values)
    + kind + path (docs/drift-kinds.md)."""
    text = "\n".join((cassette, request_key(method, uri), kind, path or ""))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
