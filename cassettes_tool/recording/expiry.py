"""Expiry of cassettes: ``max_age`` and ``on_expired`` (docs/recording.md).

The age of a cassette is ``metadata.recorded_at``, else its last git commit, else its mtime
(:func:`cassettes_tool.core.age.recorded_at`). An expired cassette, depending on ``on_expired``:

- ``warn``: emits :class:`CassetteExpiredWarning` naming the cassette, its age and the command
  that re-records it;
- ``fail``: raises :class:`CassetteExpiredError` (the test fails with that one line);
- ``rerecord``: the cassette is recorded afresh (vcrpy's ``all`` mode keeping only what is
  recorded now) when the record mode allows recording; with ``record_mode = "none"`` nothing can
  be recorded, so it warns instead and says so.

A cassette that is being re-recorded already (record mode ``all``) is never reported.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cassettes_tool.core.age import parse_timestamp, recorded_at


class CassetteExpiredWarning(UserWarning):
    """A cassette is older than ``max_age``."""


@dataclass(frozen=True)
class ExpiryPolicy:
    """``max_age``/``on_expired`` for one cassette, and who uses it (for the message)."""

    max_age: timedelta
    on_expired: str
    test_id: str | None = None


@dataclass(frozen=True)
class Expired:
    path: Path
    age: timedelta
    max_age: timedelta

    def describe(self) -> str:
        return f"recorded {format_age(self.age)} ago, older than max_age {format_age(self.max_age)}"


def format_age(age: timedelta) -> str:
    """``45d``, ``3h``, ``12m`` or ``30s``: the largest unit that fits, rounded down."""
    seconds = int(age.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def check(path: Path, metadata: dict[str, Any], max_age: timedelta,
          now: datetime | None = None) -> Expired | None:
    """``Expired`` when the cassette at ``path`` is older than ``max_age``."""
    when = parse_timestamp(metadata.get("recorded_at"))
    if when is None:
        when, _ = recorded_at(None, path)
    if when is None:
        return None
    age = (now or datetime.now(UTC)) - when
    return Expired(path, age, max_age) if age > max_age else None


def rerecord_command(test_id: str | None) -> str:
    """The command that re-records a cassette used by ``test_id``."""
    if test_id:
        return f"pytest {shlex.quote(test_id)} --cassettes-record-mode=all"
    return "re-run the code with record_mode='all'"
