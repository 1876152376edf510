"""Parse durations such as ``30d``, ``12h`` or ``1w2d``."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_duration(text: str) -> timedelta:
    """Return the timedelta for ``text`` (``90s``, ``30m``, ``12h``, ``30d``, ``2w``, ``1d12h``).

    Raises ValueError with the accepted syntax in the message.
    """
    cleaned = text.strip().lower().replace(" ", "")
    pos = 0
    seconds = 0.0
    for match in _PART.finditer(cleaned):
        if match.start() != pos:
            break
        seconds += float(match.group(1)) * UNITS[match.group(2)]
        pos = match.end()
    if not cleaned or pos != len(cleaned):
        raise ValueError(
            f"{text!r} is not a duration; use a number with a unit s, m, h, d or w, "
            "for example 90s, 12h, 30d or 1w2d"
        )
    return timedelta(seconds=seconds)
