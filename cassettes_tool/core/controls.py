"""Control characters from cassettes and reports never reach a terminal raw.

A cassette or a report is data from elsewhere: an ESC in a URI, a reason phrase or a body could
move the cursor, retitle the window or hide lines when printed. Every text we print or render
goes through :func:`escape_controls`, which writes them as visible ``\\x1b`` escapes.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, and the C1 controls (0x9b is a one-byte CSI to some terminals).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """``text`` with every control character but tab and newline written as ``\\xNN``."""
    if _CONTROLS.search(text) is None:
        return text
    return _CONTROLS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def escape_value(value: object) -> object:
    """:func:`escape_controls` for a string; other values as they are."""
    return escape_controls(value) if isinstance(value, str) else value
