"""Write new responses into an existing cassette: used by ``refresh --update`` and ``accept``.

Same rules for both: the secret filters of recording are applied, the interaction order and
every untouched interaction's stored mapping are preserved byte for byte (no git churn), the
request mapping of a replaced interaction is kept, ``metadata.recorded_at`` is set, and the
write is atomic under the cassette's lock. Read-only variants are refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.filters import FilterRules, filter_response
from cassettes_tool.core.reader import parse_cassette
from cassettes_tool.core.storage import atomic_write_bytes, locked, serialize_document, stamp
from cassettes_tool.errors import CassetteChangedError, CassetteError


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def apply_responses(
    path: Path,
    updates: Mapping[int, Response],
    rules: FilterRules,
    *,
    expected_sha256: str | None = None,
) -> None:
    """Replace the responses of the interactions ``updates`` names (by index) in ``path``.

    ``expected_sha256`` (from a report) makes the update refuse when the file changed since.
    """
    if not updates:
        return
    with locked(path):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CassetteError(path, f"cannot be read: {exc.strerror or exc}") from None
        if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
            raise CassetteChangedError(
                path, "changed since the report was made",
                "run `cassettes refresh` again for a fresh report, or pass --force to accept anyway",
            )
        cassette = parse_cassette(path, data)
        if not cassette.writable:
            raise CassetteError(
                path, f"is a {cassette.variant} cassette and is read-only here",
                "re-record it with vcrpy to let cassettes update it",
            )
        for index, response in sorted(updates.items()):
            if not 0 <= index < len(cassette.interactions):
                raise CassetteError(path, f"has no interaction {index} (it has {len(cassette)})",
                                    "the report does not match this cassette; refresh again")
            cassette.interactions[index].replace_response(filter_response(response, rules))
        stamp(cassette)
        atomic_write_bytes(path, serialize_document(cassette.to_document(), cassette.format))
