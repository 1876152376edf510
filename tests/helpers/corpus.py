"""The real-world cassettes in the shared corpus (tests using them skip when it is absent)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from vcr.serialize import deserialize
from vcr.serializers import jsonserializer, yamlserializer

from cassettes_tool.core.discovery import find_cassettes

CORPUS = Path(os.environ.get("CASSETTES_CORPUS", Path(__file__).resolve().parents[2].parent / "shared" / "corpus"))
FILES = sorted(find_cassettes([CORPUS])) if CORPUS.is_dir() else []
SKIP_REASON = f"corpus not found at {CORPUS}"


def serializer_for(path: Path) -> Any:
    """vcrpy's serializer for ``path`` (JSON for a .json name, else YAML)."""
    return jsonserializer if path.suffix == ".json" else yamlserializer


def vcrpy_count(path: Path) -> int | None:
    """Interactions plain vcrpy reads from ``path``, or None when vcrpy cannot load it."""
    try:
        requests, *_ = deserialize(path.read_bytes().decode("utf-8"), serializer_for(path))
    except Exception:
        return None
    return len(requests)


def vcrpy_loadable(path: Path) -> bool:
    """Whether plain vcrpy loads ``path``."""
    return vcrpy_count(path) is not None


# The corpus files vcrpy itself can load (for comparisons with vcrpy's own behaviour).
CORPUS_FILES = [p for p in FILES if vcrpy_loadable(p)]
