"""Parse durations such as ``30d``, ``12h`` or ``1w2d``."""

from __future__ import annotations

import re
from datetime import timedelta

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Ten digits per part are plenty (1000000000s is 31 years); longer numbers are typos or attacks.
_PART = re.compile(r"(\d{1,10}(?:\.\d{1,6})?)([smhdw])")
# A hundred years: longer ages overflow dates and mean nothing for a cassette.
MAX_DURATION = timedelta(days=36500)


def parse_duration(text: str) -> timedelta:
    """Return the timedelta for ``text`` (``90s``, ``30m``, ``12h``, ``30d``, ``2w``, ``1d12h``).

    Raises ValueError with the accepted syntax in the message, also for durations longer than
    :data:`MAX_DURATION` (``99999999999w`` would overflow a date).
    """
    cleaned = text.strip().lower().replace(" ", "")
    pos = 0
    seconds = 0.0
    for match in _PART.finditer(cleaned):
        if match.start() != pos:
            break
        seconds += float(match.group(1)) * UNITS[match.group(2)]
        pos = match.end()
    if not cleaned or pos != len(cleaned) or len(cleaned) > 100:
        raise ValueError(
            f"{text[:40]!r} is not a duration; use a number with a unit s, m, h, d or w, "
            "for example 90s, 12h, 30d or 1w2d"
        )
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"{text[:40]!r} is longer than 100 years (36500d); use a shorter duration")
    return timedelta(seconds=seconds)
