"""Show a secret without revealing it."""

from __future__ import annotations

ELLIPSIS = "…"


def mask(secret: str) -> str:
    """A few leading characters, an ellipsis and the length: ``'ghp_…(40 chars)'``.

    Short secrets show fewer characters (none under 8), so the mask never gives away a
    meaningful part of the value; private keys show only their length.
    """
    text = secret.strip()
    length = len(text)
    if text.startswith("-----BEGIN") or text.startswith("PuTTY"):
        shown = ""
    elif length >= 16:
        shown = text[:4]
    elif length >= 8:
        shown = text[:2]
    else:
        shown = ""
    return f"{shown}{ELLIPSIS}({length} chars)"
