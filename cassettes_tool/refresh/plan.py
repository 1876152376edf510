"""What a refresh would send where: the plan that ``--dry-run`` prints and the runner executes.

For each recorded interaction the plan decides, before any network traffic, whether it is sent
and exactly what goes out: the URL after ``--rewrite-host`` (only ``http``/``https``), the
recorded headers minus hop-by-hop and secret headers (:mod:`cassettes_tool.core.secrets`), never
a placeholder as a value, and which ``[tool.cassettes.auth]`` entry supplies credentials. Everything else is
``skipped`` with a reason. Redirects are never followed (each hop is its own recorded
interaction), so only the hosts of the plan are ever contacted.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from cassettes_tool.core.cassette import Request
from cassettes_tool.core.config import AuthConfig, Config, rewrite_key
from cassettes_tool.core.discovery import display_path
from cassettes_tool.core.filters import FilterRules, filter_uri
from cassettes_tool.core.jsonfile import document
from cassettes_tool.core.secrets import PLACEHOLDER
from cassettes_tool.errors import ConfigError
from cassettes_tool.refresh.select import Selected

SCHEMES = ("http", "https")
# RFC 9110 section 7.6.1 plus the headers requests computes itself for the new target.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length",
    "accept-encoding",
})
# Only encodings the comparison can undo are asked for (the recorded value may name zstd...).
ACCEPT_ENCODING = "gzip, deflate, br" if importlib.util.find_spec("brotli") else "gzip, deflate"


@dataclass(frozen=True)
class PlannedCall:
    """One recorded interaction and what the refresh does with it."""

    index: int
    method: str
    uri: str  # the recorded URI, filtered: what reports show
    action: str  # send | skip
    reason: str | None = None
    url: str | None = None  # what is sent (after --rewrite-host, placeholders dropped)
    origin: str | None = None  # scheme://host:port of ``url``: pools and per-host limits
    host: str | None = None  # the recorded host (auth entries and messages name it)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    auth: AuthConfig | None = None

    @property
    def sent(self) -> bool:
        return self.action == "send"


@dataclass
class CassettePlan:
    """The planned calls of one selected cassette (none if it could not be read)."""

    selected: Selected
    display: str
    calls: list[PlannedCall] = field(default_factory=list)


@dataclass
class Plan:
    """The whole refresh plan, plus notes worth telling the user (unused rewrites...)."""

    cassettes: list[CassettePlan]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # shown by --dry-run: what would fail tonight

    def calls(self) -> Iterable[tuple[CassettePlan, PlannedCall]]:
        for cassette in self.cassettes:
            for call in cassette.calls:
                yield cassette, call

    @property
    def origins(self) -> set[str]:
        """The allow-list: every origin the refresh may contact."""
        return {c.origin for _, c in self.calls() if c.sent and c.origin}

    def auth_entries(self) -> dict[str, AuthConfig]:
        """The auth entries some sent call needs, by recorded host."""
        return {c.host: c.auth for _, c in self.calls() if c.sent and c.auth and c.host}


def parse_rewrite(values: Sequence[str]) -> dict[str, str]:
    """``["api.example.com=http://127.0.0.1:8080"]`` -> mapping; bad entries are ConfigErrors."""
    result: dict[str, str] = {}
    for value in values:
        host, sep, base = value.partition("=")
        parts = urlsplit(base.strip())
        if not sep or not host.strip() or parts.scheme not in SCHEMES or not parts.netloc:
            raise ConfigError(
                f"--rewrite-host {value!r}: expected HOST=BASE_URL with an http(s) base URL, "
                "like api.example.com=http://127.0.0.1:8080"
            )
        result[rewrite_key(host)] = base.strip().rstrip("/")
    return result


def _lookup(table: Mapping[str, str] | Mapping[str, AuthConfig], request: Request) -> str | None:
    """The key of ``table`` naming the request's host: ``host:port`` first, then ``host``."""
    netloc = request.parts.netloc.rpartition("@")[2].lower()
    for key in (netloc, request.host):
        if key and key in table:
            return key
    return None


def target_url(request: Request, rewrites: Mapping[str, str]) -> tuple[str, str | None]:
    """The URL to send (placeholder query values dropped) and the rewrite key used, if any."""
    parts = request.parts
    query = _drop_placeholder_params(parts.query)
    key = _lookup(rewrites, request)
    # Userinfo (user:password@) in a recorded URI is never sent: credentials come from auth.
    base = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if key is None else rewrites[key]
    path = parts.path or "/"
    return base + path + (f"?{query}" if query else ""), key


def _drop_placeholder_params(query: str) -> str:
    if not query or PLACEHOLDER not in unquote_plus(query):
        return query
    kept = [piece for piece in query.split("&")
            if PLACEHOLDER not in unquote_plus(piece.partition("=")[2])]
    return "&".join(kept)


def outgoing_headers(request: Request, rules: FilterRules, auth: AuthConfig | None) -> dict[str, str]:
    """Recorded headers minus hop-by-hop, secret and placeholder-valued ones (auth added later)."""
    drop = HOP_BY_HOP | rules.headers | ({auth.header.lower()} if auth else frozenset())
    headers: dict[str, str] = {}
    for name, values in request.headers.items():
        if name.lower() in drop or any(PLACEHOLDER in v for v in values):
            continue
        if not _TOKEN.fullmatch(name):
            continue  # not an HTTP header name (a recording quirk): it cannot be sent at all
        headers[name] = _wire_text(", ".join(values))
    headers["Accept-Encoding"] = ACCEPT_ENCODING
    return headers


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _wire_text(value: str) -> str:
    """A header value http.client can send: it encodes str as latin-1, so a value outside
    latin-1 (httpx records UTF-8 values) is passed as its UTF-8 bytes seen through latin-1."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape").decode("latin-1")
    return value


def plan_call(
    index: int, request: Request, *, config: Config, rules: FilterRules,
    rewrites: Mapping[str, str], methods: Sequence[str], used: set[str],
) -> PlannedCall:
    """Decide what happens to one recorded request."""
    method = request.method.upper()
    shown = filter_uri(request.uri, rules.query_parameters)

    def skip(reason: str) -> PlannedCall:
        return PlannedCall(index=index, method=method, uri=shown, action="skip", reason=reason)

    if not request.host:
        return skip("the recorded URI has no host")
    url, key = target_url(request, rewrites)
    if key is not None:
        used.add(key)
    target = urlsplit(url)
    # The recorded scheme decides (a ws:// request rewritten to an http base is still not HTTP).
    for scheme in (request.scheme, target.scheme.lower()):
        if scheme not in SCHEMES:
            return skip(f"scheme {scheme or '(none)'!r} is not sent live (only http and https)")
    if method not in methods:
        return skip(f"method {method} is not sent live (allowed: {', '.join(methods)}; "
                    "widen with --allow-methods)")
    if PLACEHOLDER in unquote_plus(request.path):
        return skip(f"the recorded URL path holds a filtered value ({PLACEHOLDER}); it is never sent")
    if request.body and PLACEHOLDER.encode() in request.body:
        return skip(f"the recorded request body holds a filtered value ({PLACEHOLDER}); it is never sent")
    auth_key = _lookup(config.auth, request)
    auth = config.auth[auth_key] if auth_key else None
    return PlannedCall(
        index=index, method=method, uri=shown, action="send", url=url,
        origin=f"{target.scheme.lower()}://{target.netloc.lower()}", host=request.host,
        headers=outgoing_headers(request, rules, auth), body=request.body or None, auth=auth,
    )


def build_plan(
    selected: Sequence[Selected], *, config: Config, rules: FilterRules,
    rewrites: Mapping[str, str], methods: Sequence[str],
) -> Plan:
    """The plan for every selected cassette (unreadable ones have no calls)."""
    methods = tuple(m.upper() for m in methods)
    used: set[str] = set()
    cassettes: list[CassettePlan] = []
    for item in selected:
        plan = CassettePlan(selected=item, display=display_path(item.path))
        if item.cassette is not None:
            plan.calls = [
                plan_call(i, interaction.request, config=config, rules=rules, rewrites=rewrites,
                          methods=methods, used=used)
                for i, interaction in enumerate(item.cassette.interactions)
            ]
        cassettes.append(plan)
    notes = [
        f"--rewrite-host {host}: no selected cassette records this host (rewrite unused)"
        for host in sorted(set(rewrites) - used)
    ]
    return Plan(cassettes=cassettes, notes=notes, warnings=_warnings(cassettes, rules, rewrites))


def _warnings(cassettes: Sequence[CassettePlan], rules: FilterRules, rewrites: Mapping[str, str]) -> list[str]:
    """What would make the real run fail although the plan looks fine: a credential header the
    recording filtered with no auth entry for its host (401 tonight), and hosts that only exist
    on the machine that recorded them (localhost, private addresses) and are not rewritten."""
    missing_auth: dict[str, set[str]] = {}
    local: set[str] = set()
    for cassette in cassettes:
        if cassette.selected.cassette is None:
            continue
        interactions = cassette.selected.cassette.interactions
        for call in cassette.calls:
            if not call.sent or call.host is None:
                continue
            request = interactions[call.index].request
            if call.auth is None:
                for name, values in request.headers.items():
                    if name.lower() in rules.headers and any(PLACEHOLDER in v for v in values):
                        missing_auth.setdefault(call.host, set()).add(name)
            if _lookup(rewrites, request) is None and is_local_host(call.host):
                local.add(call.origin or call.host)
    warnings = [
        f"warning: {host}: the recorded {', '.join(sorted(names))} header was filtered and no "
        f'[tool.cassettes.auth."{host}"] entry supplies it; the live calls will likely be refused '
        "(401). Add the entry (header, env, format) before the real run"
        for host, names in sorted(missing_auth.items())
    ]
    warnings.extend(
        f"warning: {origin} is localhost or a private address (recorded on a developer's machine?); "
        "the refresh would call it from wherever it runs. Point it at the real API with "
        "--rewrite-host or [tool.cassettes.refresh] rewrite_hosts, or leave these cassettes out"
        for origin in sorted(local)
    )
    return warnings


def is_local_host(host: str) -> bool:
    """localhost, a loopback, private, link-local or unspecified address, or a ``.local`` name."""
    import ipaddress

    name = host.strip("[]").lower().rstrip(".")
    if name in ("localhost", "localhost.localdomain") or name.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def resolve_credentials(plan: Plan, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Header values by recorded host, from the environment; a missing variable is a ConfigError."""
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for host, auth in sorted(plan.auth_entries().items()):
        secret = environ.get(auth.env)
        if not secret:
            raise ConfigError(
                f'[tool.cassettes.auth."{auth.host}"]: environment variable {auth.env} is not set '
                f"(it holds the credentials for {host}); export it, or remove the auth entry"
            )
        values[host] = auth.format.replace("{}", secret, 1)
    return values


def describe_plan(plan: Plan, environ: Mapping[str, str] | None = None) -> str:
    """The ``--dry-run`` listing: one line per interaction, what is sent where (no secrets)."""
    environ = os.environ if environ is None else environ
    lines: list[str] = []
    sent = skipped = 0
    for cassette in plan.cassettes:
        lines.append(cassette.display)
        if cassette.selected.error:
            lines.append(f"  error: {cassette.selected.error}")
        for call in cassette.calls:
            if call.sent:
                sent += 1
                where = call.url if call.url == call.uri else f"{call.url}  (recorded {call.uri})"
                line = f"  [{call.index}] send {call.method} {where}"
                if call.auth:
                    missing = "" if environ.get(call.auth.env) else ", NOT SET"
                    line += f"  auth: {call.auth.header} from ${call.auth.env}{missing}"
            else:
                skipped += 1
                line = f"  [{call.index}] skip {call.method} {call.uri}: {call.reason}"
            lines.append(line)
    lines.extend(f"note: {n}" for n in plan.notes)
    lines.extend(plan.warnings)
    lines.append(f"dry run: {sent} interaction(s) would be sent to {len(plan.origins)} host(s), "
                 f"{skipped} skipped, in {len(plan.cassettes)} cassette(s); nothing was sent")
    return "\n".join(lines) + "\n"


PLAN_SCHEMA_VERSION = 1


def plan_to_json(plan: Plan, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``--dry-run --format json`` document: the same facts as :func:`describe_plan`.

    Credentials appear only as the header and environment variable that would supply them, and
    whether that variable is set; never a value.
    """
    environ = os.environ if environ is None else environ
    cassettes: list[dict[str, Any]] = []
    sent = skipped = 0
    for cassette in plan.cassettes:
        calls: list[dict[str, Any]] = []
        for call in cassette.calls:
            entry: dict[str, Any] = {"index": call.index, "method": call.method, "uri": call.uri,
                                     "action": call.action}
            if call.sent:
                sent += 1
                entry["url"] = call.url
                if call.auth:
                    entry["auth"] = {"header": call.auth.header, "env": call.auth.env,
                                     "set": bool(environ.get(call.auth.env))}
            else:
                skipped += 1
                entry["reason"] = call.reason
            calls.append(entry)
        cassettes.append({"path": cassette.display, "error": cassette.selected.error, "interactions": calls})
    return document(PLAN_SCHEMA_VERSION, {
        "command": "refresh --dry-run",
        "summary": {"cassettes": len(plan.cassettes), "send": sent, "skip": skipped,
                    "hosts": sorted(plan.origins)},
        "cassettes": cassettes,
        "notes": [*plan.notes, *plan.warnings],
    })
