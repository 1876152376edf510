"""Every secret rule in one place: which names hold a credential, and what replaces its value.

Recording and updating filter with :data:`FILTER_HEADERS`, :data:`FILTER_RESPONSE_HEADERS`,
:data:`FILTER_QUERY_PARAMETERS` and :data:`FILTER_BODY_FIELDS` (users extend them in
``[tool.cassettes]``; :mod:`.config` exposes them as its ``DEFAULT_FILTER_*``). The audit looks for
those names plus the ``AUDIT_EXTRA_*`` ones, cookies in :data:`COOKIE_HEADERS`, and any name
:func:`is_credential_like` accepts. Refresh never sends a header in the filter lists nor any value
holding :data:`PLACEHOLDER`. No other module spells a credential name.

Extension points (what a new rule touches):

- a header, query parameter or JSON/form field that always holds a credential: add it to the
  ``FILTER_*`` tuple (filtered at record time, by ``audit --fix``, never sent by refresh), or to an
  ``AUDIT_EXTRA_*`` tuple when it should only be reported, not filtered by default;
- a new place a secret can sit (a compressed or XML body, a GraphQL variable, a ``Location`` or
  ``Link`` header, a form body in a response): body formats are
  :mod:`cassettes_tool.core.body_filters`, URLs, URL headers and reason phrases
  :mod:`cassettes_tool.core.url_filters`, both called by
  :func:`cassettes_tool.core.filters.filter_request_parts` /
  :func:`~cassettes_tool.core.filters.filter_response_parts` (one implementation for the model
  and for vcrpy's objects); the audit reports whatever that filter would still change
  (:mod:`cassettes_tool.housekeeping.audit.filtered`); the names stay here;
- a word that makes a name credential-like (or bookkeeping about one): :data:`CREDENTIAL_WORDS`,
  :data:`CREDENTIAL_WORD_PAIRS`, :data:`NOT_CREDENTIAL_WORDS`;
- a value that already stands in for a secret: :data:`PLACEHOLDER_WORDS`;
- a token recognised by its shape alone (a fixed prefix, a JWT's three parts): :data:`TOKEN_FORMATS`
  (replaced in URL paths when recording, looked for everywhere by the audit).

All names are lower case; matching is case-insensitive.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
import urllib.parse
from collections.abc import Iterable

#: What a filtered value becomes: kept, not dropped, so a reader sees a credential was there.
PLACEHOLDER = "<FILTERED>"
#: A removed credential shorter than this is not scrubbed from what a server echoes: shorter
#: values would redact ordinary words from bodies; real credentials are longer.
MIN_REDACTED_LENGTH = 6

# -- filtered when recording (users extend these lists) ------------------------------------

FILTER_HEADERS = (
    "authorization", "proxy-authorization", "cookie", "x-api-key", "x-auth-token", "api-key",
)
#: Filtered in responses only, on top of :data:`FILTER_HEADERS`.
FILTER_RESPONSE_HEADERS = ("set-cookie",)
#: Headers whose value is a URL (or, for Link, URLs in ``<...>``): their query, fragment and
#: user-info credentials are filtered like a request URI's.
URL_HEADERS = ("location", "content-location", "link", "referer", "refresh")
#: Filtered in URL headers only, on top of the query list: an OAuth redirect's ``?code=``.
URL_HEADER_QUERY_PARAMETERS = ("code", "id_token", "refresh_token", "client_secret")
#: Names too common as ordinary XML elements and GraphQL arguments to filter there
#: (S3 lists objects as ``<Key>``; ``node(key: ...)``).
NOT_IN_MARKUP = ("key",)
FILTER_QUERY_PARAMETERS = (
    "access_token", "api_key", "apikey", "key", "token", "client_secret", "signature", "sig",
    "password",
)
FILTER_BODY_FIELDS = (
    "password", "client_secret", "access_token", "refresh_token", "id_token", "api_key",
)

# -- reported by the audit on top of the filter lists -----------------------------------------

AUDIT_EXTRA_HEADERS = (
    "x-amz-security-token", "x-goog-api-key", "private-token", "x-access-token", "x-api-token",
    "x-client-secret", "x-vault-token", "x-auth-key", "x-session-token", "ocp-apim-subscription-key",
)
AUDIT_EXTRA_QUERY_PARAMETERS = (
    "auth_token", "client_secret", "private_token", "refresh_token", "id_token", "secret",
    "x-amz-security-token", "session_token", "passwd", "api-key",
)
AUDIT_EXTRA_BODY_FIELDS = (
    "secret", "secret_key", "private_key", "secret_access_key", "aws_secret_access_key",
    "session_token", "auth_token", "passwd", "apikey", "api-key", "client_assertion",
)
COOKIE_HEADERS = ("cookie", "set-cookie")

# -- credential-like names (the audit's entropy rule) -----------------------------------------

#: Name words that mean "a credential" ...
CREDENTIAL_WORDS = frozenset({
    "secret", "password", "passwd", "pwd", "passphrase", "token", "apikey", "credential",
    "credentials", "auth", "authorization", "signature", "sig", "sessionid", "sid", "jwt",
    "privatekey", "accesskey", "secretkey",
})
#: ... or two adjacent words that do ...
CREDENTIAL_WORD_PAIRS = frozenset({
    ("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"),
    ("session", "id"), ("client", "secret"), ("session", "key"),
})
#: ... unless another word says it is bookkeeping about a credential, not the credential itself.
NOT_CREDENTIAL_WORDS = frozenset({
    "page", "cursor", "next", "previous", "prev", "continuation", "csrf", "xsrf", "count", "type",
    "usage", "limit", "max", "min", "expires", "expiry", "expiration", "ttl", "url", "uri", "endpoint",
    "hint", "format", "name", "length", "id", "ids", "method", "scheme", "scope", "scopes", "status",
    "required", "enabled", "mode", "version", "algorithm", "alg", "kind", "provider", "policy",
    "header", "location", "path", "file", "filename", "fingerprint", "last4", "prefix", "hash",
})
#: Words in a value that say it stands in for a secret (``**REDACTED**``, ``your_token``...).
PLACEHOLDER_WORDS = (
    "filtered", "redacted", "removed", "hidden", "masked", "sanitized", "sanitised", "scrubbed",
    "placeholder", "dummy", "changeme", "your_", "your-", "<your", "example", "xxxx", "****",
    "fake", "not-a-real", "notreal",
)

# -- token formats (recognised by their shape, no name around them) ---------------------------

#: ``(rule, description, regex)``: formats with a fixed prefix or structure, so confident that
#: the recording filter replaces them in URL paths (``/hooks/ghp_.../deliveries``), where no name
#: says "secret"; the audit looks for them in every value too. A ``secret`` group, when there is
#: one, is the part replaced (the rest is context: Telegram's ``bot`` prefix, a Slack webhook's
#: team and channel ids). Ids, UUIDs, hashes, slugs and dates match none of them.
TOKEN_FORMATS: tuple[tuple[str, str, str], ...] = (
    ("github-token", "GitHub token", r"(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9])"),
    ("github-token", "GitHub fine-grained token", r"github_pat_[A-Za-z0-9_]{60,}"),
    ("gitlab-token", "GitLab token", r"(?<![A-Za-z0-9])gl(?:pat|ptt|dt|rt)-[A-Za-z0-9_\-]{20,}"),
    ("slack-token", "Slack token", r"(?<![A-Za-z0-9])xox[abposr]-[0-9]{6,}-[A-Za-z0-9\-]{10,}"),
    ("slack-webhook", "Slack webhook secret",
     r"services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/(?P<secret>[A-Za-z0-9]{20,})(?![A-Za-z0-9])"),
    ("telegram-bot-token", "Telegram bot token",
     r"(?<![A-Za-z0-9])bot(?P<secret>[0-9]{6,12}:[A-Za-z0-9_\-]{35})(?![A-Za-z0-9_\-])"),
    ("stripe-key", "Stripe secret or restricted key", r"\b(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{24,}"),
    ("json-web-token", "JSON Web Token",
     r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*"),
    ("aws-access-key", "AWS access key id", r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Za-z0-9])"),
    ("google-api-key", "Google API key", r"AIza[0-9A-Za-z_\-]{35}"),
    ("openai-token", "OpenAI key", r"\bsk-(?:proj|svcacct|admin|ant-api\d\d)-[A-Za-z0-9_\-]{32,}"),
    ("openai-token", "OpenAI key", r"(?<![A-Za-z0-9])sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"),
    ("npm-tokens", "npm token", r"(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
    ("pypi-token", "PyPI token", r"pypi-AgE(?:IcHlwaS5vcmc|NdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{50,}"),
    ("sendgrid-api-key", "SendGrid API key", r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}"),
    ("shopify-token", "Shopify token", r"(?<![A-Za-z0-9])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])"),
)
#: Literal text every :data:`TOKEN_FORMATS` match contains (none of it ever percent-encoded): a
#: text holding none of them holds no token, found with plain substring tests, far cheaper than
#: the patterns on the request URIs vcrpy filters at every replay. Keep it in step with the table.
TOKEN_PREFIXES = (
    "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "glptt-", "gldt-", "glrt-", "xox",
    "services/T", "bot", "k_live_", "k_test_", "eyJ", "AKIA", "ASIA", "ABIA", "ACCA", "AIza", "sk-",
    "npm_", "pypi-", "SG.", "shp",
)

_NAME_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def name_words(name: str) -> list[str]:
    """``'X-Api-Key'`` -> ``['x', 'api', 'key']``; ``'refreshToken'`` -> ``['refresh', 'token']``."""
    return [w.lower() for w in _NAME_WORDS.findall(name)]


def is_credential_like(name: str) -> bool:
    """A name that suggests a credential (``session_token``, ``ClientSecret``), not bookkeeping about one."""
    words = name_words(name)
    if not words or any(w in NOT_CREDENTIAL_WORDS for w in words):
        return False
    if any(w in CREDENTIAL_WORDS for w in words):
        return True
    return any(pair in CREDENTIAL_WORD_PAIRS for pair in itertools.pairwise(words))


def derived_forms(secret: str) -> set[str]:
    """Every form a known secret can take once echoed: as is, percent-encoded, JSON-escaped, base64, HTML.

    Refresh scrubs each of them from what a live API sends back (``[tool.cassettes.auth]`` values).
    """
    raw = secret.encode("utf-8")
    forms = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        urllib.parse.quote(secret, safe="").lower(),  # %2f as well as %2F
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret),
        base64.b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    }
    return {form for form in forms if form}


def redaction_forms(values: Iterable[str]) -> tuple[str, ...]:
    """The derived forms of every value worth scrubbing, longest first (the order to replace them in).

    Values and forms shorter than :data:`MIN_REDACTED_LENGTH`, and values already holding the
    placeholder, are left out.
    """
    forms = {form for value in values if len(value) >= MIN_REDACTED_LENGTH and PLACEHOLDER not in value
             for form in derived_forms(value) if len(form) >= MIN_REDACTED_LENGTH}
    return tuple(sorted(forms, key=lambda form: (-len(form), form)))
