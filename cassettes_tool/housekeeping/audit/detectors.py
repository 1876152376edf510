"""What counts as a secret: token formats, credential names, entropy and placeholders.

Token formats come from detect-secrets' regex plugins (AWS, GitHub, Slack, Stripe, JWT, private
keys, basic-auth URLs, ...), used in-process on decoded values; its global settings are never
touched and no plugin ever verifies a secret over the network. This module adds what
detect-secrets lacks for HTTP: credential header, query-parameter and body-field names (the
recording filter lists plus common ones), cookie parsing, and the token formats of
:data:`cassettes_tool.core.secrets.TOKEN_FORMATS` (those it misses: Google API keys, Stripe test
keys, GitHub fine-grained tokens, new OpenAI keys; and every format recording replaces in URL paths).
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cassettes_tool.core.config import Config
from cassettes_tool.core.filters import FilterRules
from cassettes_tool.core.secrets import (
    AUDIT_EXTRA_BODY_FIELDS,
    AUDIT_EXTRA_HEADERS,
    AUDIT_EXTRA_QUERY_PARAMETERS,
    COOKIE_HEADERS,
    FILTER_BODY_FIELDS,
    FILTER_HEADERS,
    FILTER_QUERY_PARAMETERS,
    FILTER_RESPONSE_HEADERS,
    PLACEHOLDER,
    PLACEHOLDER_WORDS,
    TOKEN_FORMATS,
    is_credential_like,
)

# detect-secrets plugins left out: the keyword and entropy plugins are built for source code
# (we apply entropy only to credential-like names), and a public IP address is not a secret.
_EXCLUDED_PLUGINS = {
    "KeywordDetector", "Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector",
}

# Formats detect-secrets lacks or matches only in their old shape, and every format the recording
# filter replaces in URL paths: the one table in core/secrets.py.
_TOKEN_FORMATS: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (rule, description, re.compile(pattern)) for rule, description, pattern in TOKEN_FORMATS
)
_PEM_BLOCK = re.compile(
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
_PUTTY_BLOCK = re.compile(r"PuTTY-User-Key-File-2.*?(?:Private-MAC: *\S+|\Z)", re.DOTALL)

# A JWT's signature after detect-secrets' lazy match; "/" ends it (a token in a URL path is
# followed by the next segment, which is no part of it).
_SIGNATURE_TAIL = re.compile(r"[A-Za-z0-9_\-.+=]*")
_BASE64_CHARSET = string.ascii_letters + string.digits + "+/\\-_="
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9+/=_\-.~%:]+")
_AUTH_SCHEME = re.compile(r"^(?:bearer|basic|token|digest|bot|apikey|key|sso-key|hmac|aws4-hmac-sha256)\s+", re.I)
_TEMPLATE = re.compile(r"^(?:\$\{[^}]*\}|\{\{.*\}\}|%\([^)]*\)s|<[^<>]*>|\[[^\[\]]*\]|\$[A-Z_][A-Z0-9_]*)$")

# Entropy thresholds: detect-secrets' defaults for its base64 and hex plugins.
BASE64_LIMIT = 4.5
HEX_LIMIT = 3.0
MIN_ENTROPY_LENGTH = 16


@dataclass(frozen=True)
class Hit:
    """One secret inside one value.

    ``target`` is the exact text to scrub inside the value, or None when the whole value is
    the credential (a credential header, query parameter or field).
    """

    rule: str
    description: str
    secret: str
    target: str | None = None
    replacement: str = PLACEHOLDER


@dataclass(frozen=True)
class NameRules:
    """Lower-cased credential names for headers, query parameters and body fields."""

    headers: frozenset[str]
    query_parameters: frozenset[str]
    body_fields: frozenset[str]
    #: The recording filter's rules: what it would still change on disk is a finding too.
    filter_rules: FilterRules = field(default_factory=FilterRules)

    @property
    def json_fields(self) -> frozenset[str]:
        """JSON keys: body fields and credential header names (an echo API returns ``"Authorization"``)."""
        return self.body_fields | (self.headers - set(COOKIE_HEADERS))

    @property
    def form_fields(self) -> frozenset[str]:
        """Form bodies: body fields and query names, except the bare ``key`` (S3 uploads name the object with it)."""
        return self.body_fields | (self.query_parameters - {"key"})

    @classmethod
    def from_config(cls, config: Config | None = None) -> NameRules:
        """The recording filter lists (defaults + the config's) plus common credential names."""
        headers = set(config.all_filter_headers if config else FILTER_HEADERS)
        query = set(config.all_filter_query_parameters if config else FILTER_QUERY_PARAMETERS)
        fields = set(config.all_filter_body_fields if config else FILTER_BODY_FIELDS)
        return cls(
            headers=frozenset(headers | set(AUDIT_EXTRA_HEADERS) | set(FILTER_RESPONSE_HEADERS)),
            query_parameters=frozenset(query | set(AUDIT_EXTRA_QUERY_PARAMETERS)),
            body_fields=frozenset(fields | set(AUDIT_EXTRA_BODY_FIELDS)),
            filter_rules=FilterRules.from_config(config),
        )


@cache
def slug(secret_type: str) -> str:
    """``'AWS Access Key'`` -> ``'aws-access-key'``: a stable rule id from a plugin's type."""
    return re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-")


@cache
def _plugins() -> tuple[Any, ...]:
    # Imported lazily: detect-secrets loads every plugin module on first use.
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    return tuple(
        cls() for cls in sorted(classes, key=lambda c: str(c.__name__)) if cls.__name__ not in _EXCLUDED_PLUGINS
    )


@cache
def _entropy_plugins() -> tuple[Any, Any]:
    from detect_secrets.plugins.high_entropy_strings import (
        Base64HighEntropyString,
        HexHighEntropyString,
    )

    return Base64HighEntropyString(limit=BASE64_LIMIT), HexHighEntropyString(limit=HEX_LIMIT)


_SCOPED_FLAGS = (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL), ("x", re.VERBOSE))


@cache
def _candidate_filter() -> re.Pattern[str] | None:
    """One regex that matches wherever any plugin's regex does (all of them, as alternatives).

    Most strings in a cassette hold no secret; one C-level search over them replaces the
    per-plugin Python loop (23 plugins, 45 regexes), which made ``audit`` ~2 MB/s on JSON bodies.
    None (no filter: every plugin runs) if a plugin has no regexes or the patterns do not combine.
    """
    parts: list[str] = []
    for plugin in _plugins():
        denylist = getattr(plugin, "denylist", None)
        if denylist is None:
            return None
        for regex in denylist:
            flags = "".join(letter for letter, bit in _SCOPED_FLAGS if regex.flags & bit)
            # A verbose pattern may end in a comment: the newline keeps the ")" out of it.
            parts.append(f"(?{flags}:{regex.pattern}\n)" if "x" in flags else f"(?{flags}:{regex.pattern})")
    try:
        return re.compile("|".join(parts))
    except re.error:  # pragma: no cover - depends on detect-secrets' patterns
        return None


def plugin_names() -> list[str]:
    """The detect-secrets plugin classes in use (for ``--help`` and the docs)."""
    return [type(p).__name__ for p in _plugins()]


def scan_text(text: str) -> list[Hit]:
    """Known token formats anywhere in ``text`` (placeholders excluded, overlaps merged)."""
    if not text or len(text) < 8:
        return []
    hits: list[Hit] = []
    candidates = _candidate_filter()
    plugins = _plugins() if candidates is None or candidates.search(text) else ()
    for plugin in plugins:
        secret_type = str(plugin.secret_type)
        rule = slug(secret_type)
        try:
            matches = list(_matches(plugin, text))
        except (ValueError, TypeError, RecursionError):  # a plugin's own bug must not stop an audit
            continue
        for match in matches:
            hit = _hit_for(rule, secret_type, str(match), text)
            if hit is not None:
                hits.append(hit)
    for rule, description, pattern in _TOKEN_FORMATS:
        for found in pattern.finditer(text):
            token = found.group("secret") if "secret" in pattern.groupindex else found.group(0)
            hit = _hit_for(rule, description, token, text)
            if hit is not None:
                hits.append(hit)
    return merge_hits(hits)


def _matches(plugin: Any, text: str) -> Iterator[str]:
    """The secrets a regex plugin finds, as whole tokens.

    detect-secrets' own ``analyze_string`` yields a regex's *groups* when it has some: the secret
    of ``keyword = value`` patterns and the password of a basic-auth URL, but only the ``ghp``
    prefix of a GitHub token. Here a group wins only when it is the value of an assignment (16+
    characters, not the token's own prefix) or a basic-auth password; else the whole match.
    """
    from detect_secrets.plugins.base import RegexBasedDetector

    denylist = getattr(plugin, "denylist", None)
    if denylist is None:
        yield from plugin.analyze_string(text)
        return
    validates = type(plugin).analyze_string is not RegexBasedDetector.analyze_string  # e.g. JWT
    basic_auth = type(plugin).__name__ == "BasicAuthDetector"
    for regex in denylist:
        for found in regex.finditer(text):
            whole = found.group(0)
            groups = [g for g in found.groups() if g]
            longest = max(groups, key=len) if groups else ""
            if longest and (basic_auth or (len(longest) >= 16 and not whole.startswith(longest))):
                candidate = longest
            else:
                candidate = whole
                if validates:
                    # The JWT pattern ends lazily and stops before the signature: take it too.
                    tail = _SIGNATURE_TAIL.match(text, found.end())
                    candidate += tail.group(0) if tail else ""
            if validates and not any(True for _ in plugin.analyze_string(candidate)):
                continue
            yield candidate


def _hit_for(rule: str, description: str, match: str, text: str) -> Hit | None:
    match = match.strip(" \t\r\n\"'=:")
    if not match:
        return None
    if rule == "private-key":
        block = _PEM_BLOCK.search(text) if "PuTTY" not in match else _PUTTY_BLOCK.search(text)
        secret = block.group(0) if block else match
        return Hit(rule, description, secret, target=secret)
    if rule == "basic-auth-credentials":
        # detect-secrets yields the password of ``scheme://user:password@host``.
        if is_placeholder(match):
            return None
        return Hit(rule, description, match, target=f":{match}@", replacement=f":{PLACEHOLDER}@")
    if is_placeholder(match):
        return None
    if match.lower().startswith(("http://", "https://")):
        # A secret URL (Slack webhook): scrub its last path segment, keep the URL readable.
        last = match.rstrip("/").rsplit("/", 1)[-1]
        if last and not is_placeholder(last):
            return Hit(rule, description, last, target=last)
    return Hit(rule, description, match, target=match)


def merge_hits(hits: Iterable[Hit]) -> list[Hit]:
    """One hit per secret: a hit whose secret lies inside a longer one is dropped."""
    ordered = sorted(hits, key=lambda h: (-len(h.secret), h.rule))
    kept: list[Hit] = []
    for hit in ordered:
        if any(hit.secret in other.secret for other in kept):
            continue
        kept.append(hit)
    return kept


def is_placeholder(value: str) -> bool:
    """True for values that stand in for a secret: ``<FILTERED>``, ``**REDACTED**``, ``xxxx``, ``${TOKEN}``..."""
    text = value.strip().strip("\"'")
    if not text or PLACEHOLDER in text:
        return True
    text = _AUTH_SCHEME.sub("", text).strip()
    if not text:
        return True
    if re.fullmatch(r"[\s*xX#._\-<>\[\](){}0]*", text):
        return True
    lowered = text.lower()
    if any(word in lowered for word in PLACEHOLDER_WORDS):
        return True
    return bool(_TEMPLATE.match(text))


def is_session_cookie_name(name: str) -> bool:
    """A cookie name that says it carries a session or a credential (``sessionid``, ``PHPSESSID``, ``auth_token``)."""
    return "sess" in name.lower() or is_credential_like(name)


def is_high_entropy(value: str) -> bool:
    """A random-looking token (detect-secrets' base64 and hex entropy limits)."""
    text = _AUTH_SCHEME.sub("", value.strip())
    if len(text) < MIN_ENTROPY_LENGTH or not _TOKEN_CHARS.fullmatch(text):
        return False
    base64_plugin, hex_plugin = _entropy_plugins()
    if all(c in string.hexdigits for c in text):
        return float(hex_plugin.calculate_shannon_entropy(text)) > HEX_LIMIT
    pieces = [p for p in re.split(r"[^" + re.escape(_BASE64_CHARSET) + r"]", text) if p]
    candidate = max(pieces, key=len) if pieces else text
    return len(candidate) >= MIN_ENTROPY_LENGTH and float(
        base64_plugin.calculate_shannon_entropy(candidate)
    ) > min(BASE64_LIMIT, _max_entropy(len(candidate)) - 0.35)


def _max_entropy(length: int) -> float:
    # A string of n characters has at most log2(n) bits per character; short tokens (20-24
    # characters) can never reach 4.5, so the bar is lowered just below their ceiling.
    return math.log2(length)


def value_hit(rule: str, description: str, value: str) -> Hit | None:
    """A whole-value hit unless the value is empty or a placeholder."""
    if is_placeholder(value):
        return None
    # Mask the credential, not its scheme: "Bearer q8Xf…", not "Bear…".
    secret = _AUTH_SCHEME.sub("", value.strip()) or value.strip()
    return Hit(rule, description, secret, target=None)


# -- the value's form under token-like names ----------------------------------------------------

# Paging and search state that APIs name ``token``: ``next:naip:mt_m_4811501_se_11``.
_STATE_WORDS = ("next", "prev", "previous", "page", "cursor", "after", "before", "offset", "start",
                "continue", "search", "geo", "query", "result", "results", "first", "last")
_CURSOR = re.compile(r"(?i)(?:" + "|".join(_STATE_WORDS) + r")(?:[:|][\w.\-]+)+")
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/_\-]{12,}={0,2}")


def is_token_name(name: str) -> bool:
    """A name that says "token" (``token``, ``page_token``, ``x-amz-security-token``)."""
    return "token" in name.lower()


def is_data_value(value: str) -> bool:
    """A value under a token-like name that is data, not a credential: a paging or search cursor
    (``next:naip:...``), or base64 of readable structured text (a search's state as JSON or
    ``key=value``). A known token format is never data."""
    text = value.strip()
    if not text or scan_text(text):
        return False
    if _CURSOR.fullmatch(text):
        return True
    decoded = _base64_text(text)
    return decoded is not None and any(mark in decoded for mark in (":", "=", "{", '"', "&", ","))


def _base64_text(text: str) -> str | None:
    import base64
    import binascii

    if not _BASE64_TEXT.fullmatch(text):
        return None
    padded = text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if not decoded or not all(c.isprintable() or c in "\t\r\n" for c in decoded):
        return None
    return decoded
