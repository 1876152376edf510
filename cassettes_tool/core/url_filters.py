"""Filtering URLs and the short texts that carry them (headers, reason phrases).

A URL keeps its shape: credential query parameters and fragment parameters
(``#access_token=...``) get the placeholder as their value, the password of user info
(``https://user:pass@host``) becomes the placeholder, and a token of a known format in the path
(:data:`~cassettes_tool.core.secrets.TOKEN_FORMATS`: ``/hooks/ghp_.../``, ``/bot123:AA.../``)
becomes the placeholder too, the rest of its segment kept. ``Location``, ``Content-Location`` and
``Link`` headers (every ``<...>`` target) are URLs; any other text (a reason phrase, an error
message) has its URLs and its ``name=value`` / ``name: value`` pairs filtered.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from cassettes_tool.core.body_filters import quote_key
from cassettes_tool.core.secrets import PLACEHOLDER, TOKEN_FORMATS, TOKEN_PREFIXES

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"']+")
_LINK_TARGET = re.compile(r"<([^<>]*)>")
_PAIR = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)(?P<sep>\s*[=:]\s*)(?P<value>[^\s&;,\"'<>]+)")
_TOKENS = tuple(re.compile(pattern) for _, _, pattern in TOKEN_FORMATS)
# One search that finds wherever any format would: most URLs hold no token, and vcrpy filters
# every request it matches, so the per-format patterns run only after this one hit.
_ANY_TOKEN = re.compile("|".join(f"(?:{pattern.replace('(?P<secret>', '(?:')})" for _, _, pattern in TOKEN_FORMATS))
# The prefixes first, in one search: most URLs hold none of them, and this runs on every request.
_ANY_PREFIX = re.compile("|".join(map(re.escape, TOKEN_PREFIXES)))
# Characters a re-encoded path segment keeps as they are (RFC 3986 pchar, and the placeholder's).
_SEGMENT_SAFE = "!$&'()*+,;=:@-._~<>"


def filter_uri(uri: str, names: frozenset[str]) -> str:
    """The URI with credential query and fragment parameters and a user-info password replaced.

    The order of parameters is kept; a URI with nothing to filter comes back as the same object.
    """
    token = may_hold_token(uri)
    if not token and "?" not in uri and "#" not in uri and "@" not in uri:
        return uri
    parts = urlsplit(uri)
    netloc = _filter_userinfo(parts.netloc)
    path = filter_path(parts.path) if token else parts.path
    query = _filter_pairs(parts.query, names)
    fragment = _filter_pairs(parts.fragment, names) if "=" in parts.fragment else parts.fragment
    if netloc is parts.netloc and path is parts.path and query is parts.query and fragment is parts.fragment:
        return uri
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def filter_path(path: str) -> str:
    """A URL path with every token of a known format replaced by the placeholder (the same object when none).

    Only the token goes (``/bot<FILTERED>/getMe``, ``/services/T0/B0/<FILTERED>``); a
    percent-encoded segment is read decoded and written back encoded. Deterministic, so the
    request vcrpy matches at replay is filtered into the recorded one.
    """
    if not may_hold_token(path):
        return path
    filtered = replace_tokens(path)
    if "%" in filtered:
        segments = filtered.split("/")
        for i, segment in enumerate(segments):
            if "%" in segment:
                plain = unquote(segment)
                replaced = replace_tokens(plain)
                if replaced != plain:
                    segments[i] = quote(replaced, safe=_SEGMENT_SAFE)
        filtered = "/".join(segments)
    return path if filtered == path else filtered


def may_hold_token(text: str) -> bool:
    """Could ``text`` (percent-encoded or not) hold a token of a known format? False is certain."""
    if _ANY_PREFIX.search(text) is None:
        return False
    return _ANY_TOKEN.search(text) is not None or ("%" in text and _ANY_TOKEN.search(unquote(text)) is not None)


def replace_tokens(text: str) -> str:
    """``text`` with every token of :data:`~cassettes_tool.core.secrets.TOKEN_FORMATS` replaced by the placeholder."""
    for pattern in _TOKENS:
        text = pattern.sub(_placeholder_for, text)
    return text


def _placeholder_for(match: re.Match[str]) -> str:
    if "secret" not in match.re.groupindex:
        return PLACEHOLDER
    start, end = match.span("secret")
    whole = match.group(0)
    offset = match.start()
    return whole[: start - offset] + PLACEHOLDER + whole[end - offset:]


def _filter_userinfo(netloc: str) -> str:
    if "@" not in netloc:
        return netloc
    userinfo, _, host = netloc.rpartition("@")
    user, colon, password = userinfo.partition(":")
    if not colon or unquote(password) == PLACEHOLDER:
        return netloc
    return f"{user}:{PLACEHOLDER}@{host}"


def _filter_pairs(query: str, names: frozenset[str]) -> str:
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k.lower() in names and v != PLACEHOLDER for k, v in pairs):
        return query
    return "&".join(
        f"{quote_key(k)}={PLACEHOLDER}" if k.lower() in names else urlencode([(k, v)]) for k, v in pairs
    )


def filter_link(value: str, names: frozenset[str]) -> str:
    """A ``Link`` header: every ``<target>`` filtered as a URI."""
    return _LINK_TARGET.sub(lambda m: f"<{filter_uri(m.group(1), names)}>", value)


def filter_text(text: str, names: frozenset[str]) -> str:
    """Free text (a reason phrase, an error): its URLs and its ``name=value`` pairs filtered."""
    if not text:
        return text
    if "://" in text:
        text = _URL.sub(lambda m: filter_uri(m.group(0), names), text)

    def pair(match: re.Match[str]) -> str:
        if match.group("name").lower() not in names or match.group("value") == PLACEHOLDER:
            return match.group(0)
        return f"{match.group('name')}{match.group('sep')}{PLACEHOLDER}"

    return _PAIR.sub(pair, text) if ("=" in text or ":" in text) else text
