"""Write new responses into an existing cassette: used by ``refresh --update`` and ``accept``.

Same rules for both: the secret filters of recording are applied, the interaction order and
every untouched interaction's stored mapping are preserved byte for byte (no git churn), the
request mapping of a replaced interaction is kept, ``metadata.recorded_at`` is set, and the
write goes through the one cassette transaction (:mod:`.transaction`: locked, checked against
the report's checksum, atomic; read-only variants refused).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.filters import FilterRules, filter_response
from cassettes_tool.core.transaction import cassette_transaction
from cassettes_tool.errors import CassetteError


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
    with cassette_transaction(path, expected_sha256=expected_sha256) as transaction:
        cassette = transaction.cassette
        for index, response in sorted(updates.items()):
            if not 0 <= index < len(cassette.interactions):
                raise CassetteError(path, f"has no interaction {index} (it has {len(cassette)})",
                                    "the report does not match this cassette; refresh again")
            cassette.interactions[index].replace_response(filter_response(response, rules))
        transaction.save(record=True)
