"""Examples for the document: a recorded body, already through the secret filter, made safe twice.

The filter (:mod:`cassettes_tool.core.filters`) replaces the values of the configured credential
names. An example is published, so it gets the audit's stricter eye too: a value under any
credential-like name (:func:`~cassettes_tool.core.secrets.is_credential_like`) and any string
holding a known token format (:func:`~cassettes_tool.housekeeping.audit.detectors.scan_text`:
a Stripe key in a free-text note, a bearer token echoed back) becomes the placeholder.
"""

from __future__ import annotations

from typing import Any

from cassettes_tool.core.secrets import PLACEHOLDER, is_credential_like
from cassettes_tool.drift.shape import is_id_like
from cassettes_tool.housekeeping.audit.detectors import is_high_entropy, scan_text


def safe_example(value: Any) -> Any:
    """A copy of ``value`` with every credential-like field and token-looking string replaced."""
    if isinstance(value, dict):
        return {key: PLACEHOLDER if _secret_name(key, child) else safe_example(child)
                for key, child in value.items()}
    if isinstance(value, list):
        return [safe_example(item) for item in value]
    if isinstance(value, str) and (scan_text(value) or _token_like(value)):
        return PLACEHOLDER
    return value


def _secret_name(key: Any, child: Any) -> bool:
    return isinstance(child, str | int | float) and not isinstance(child, bool) and is_credential_like(str(key))


def _token_like(value: str) -> bool:
    """One long word of high entropy (an opaque token), not a sentence, a URL or an id."""
    if " " in value or "/" in value or len(value) < 20 or is_id_like(value):
        return False
    return is_high_entropy(value)
