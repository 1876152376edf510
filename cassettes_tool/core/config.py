"""Configuration: ``[tool.cassettes]`` in the nearest ``pyproject.toml``.

Frozen dataclasses with ``DEFAULT_*`` constants; :func:`parse_config` validates a mapping and
every error names the key, the bad value and what is accepted. :func:`load_config` finds the
file. Precedence between sources (CLI > marker > fixture > file > defaults) is applied by the
callers with :meth:`Config.with_overrides`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from cassettes_tool.core import secrets
from cassettes_tool.core.durations import parse_duration
from cassettes_tool.errors import ConfigError, UsageError

_T = TypeVar("_T")

RECORD_MODES = ("none", "once", "new_episodes", "all")
ON_EXPIRED = ("warn", "fail", "rerecord")
FAIL_ON = ("breaking", "warning", "info", "never")
KNOWN_MATCHERS = (
    "method", "scheme", "host", "port", "path", "query", "uri", "url",
    "headers", "body", "raw_body",
)

DEFAULT_CASSETTE_DIR = "tests/cassettes"
DEFAULT_RECORD_MODE = "none"
DEFAULT_MATCH_ON = ("method", "scheme", "host", "port", "path", "query")
DEFAULT_ON_EXPIRED = "warn"
DEFAULT_WORKERS = 8
DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 2
DEFAULT_METHODS = ("GET", "HEAD", "OPTIONS")
DEFAULT_SAMPLES = 1
DEFAULT_FAIL_ON = "breaking"
DEFAULT_UPDATE = "never"
DEFAULT_BACKOFF_FACTOR = 0.5  # seconds; urllib3 doubles it on each retry
DEFAULT_RETRY_AFTER_MAX = 60.0  # a longer Retry-After must not stall the nightly job
DEFAULT_MAX_BODY = 64 * 1024 * 1024
# Upper bounds: a typo such as workers = 10**18 is a validation error, not a hang.
MAX_WORKERS = 256
MAX_RETRIES = 20
MAX_SAMPLES = 100
MAX_TIMEOUT = 3600.0
UPDATE_MODES = ("never", "drift", "all")
DEFAULT_WATCH_HEADERS = ("content-type",)

# Secrets filtered by default (docs/recording.md); the rules live in core/secrets.py. User lists extend these.
DEFAULT_FILTER_HEADERS = secrets.FILTER_HEADERS
DEFAULT_FILTER_RESPONSE_HEADERS = secrets.FILTER_RESPONSE_HEADERS
DEFAULT_FILTER_QUERY_PARAMETERS = secrets.FILTER_QUERY_PARAMETERS
DEFAULT_FILTER_BODY_FIELDS = secrets.FILTER_BODY_FIELDS
FILTERED_PLACEHOLDER = secrets.PLACEHOLDER


@dataclass(frozen=True)
class AuthConfig:
    """Credentials injected for one host at refresh time (never recorded)."""

    host: str
    env: str
    header: str = "Authorization"
    format: str = "{}"


def rewrite_key(host: str) -> str:
    """A ``rewrite_hosts`` key as it is looked up: ``host`` or ``host:port``, lower-case.

    Applied once, when ``[tool.cassettes.refresh]`` is read and when ``--rewrite-host`` is
    given, so ``API.Example.com`` in pyproject.toml matches a recorded ``api.example.com``.
    """
    return host.strip().lower()


def _pick(value: _T | None, default: _T) -> _T:
    return default if value is None else value


@dataclass(frozen=True)
class RefreshSettings:
    """How a refresh runs: ``[tool.cassettes.refresh]``, then the command line on top.

    The one home of the refresh defaults. ``per_host`` (None: as many as ``workers``), ``update``
    and the backoff knobs have no config key; tests and the demo set them through
    :meth:`overridden` like the command line does.
    """

    workers: int = DEFAULT_WORKERS
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    methods: tuple[str, ...] = DEFAULT_METHODS
    samples: int = DEFAULT_SAMPLES
    fail_on: str = DEFAULT_FAIL_ON
    rewrite_hosts: Mapping[str, str] = field(default_factory=dict)
    per_host: int | None = None
    update: str = DEFAULT_UPDATE
    backoff_factor: float = DEFAULT_BACKOFF_FACTOR
    retry_after_max: float = DEFAULT_RETRY_AFTER_MAX
    max_body: int = DEFAULT_MAX_BODY

    @property
    def host_limit(self) -> int:
        """Concurrent calls allowed to one origin."""
        return self.per_host or self.workers

    def overridden(
        self, *, rewrite_hosts: Mapping[str, str] | None = None, workers: int | None = None,
        per_host: int | None = None, timeout: float | None = None, retries: int | None = None,
        samples: int | None = None, methods: Sequence[str] | None = None, update: str | None = None,
        fail_on: str | None = None, backoff_factor: float | None = None,
        retry_after_max: float | None = None, max_body: int | None = None,
    ) -> RefreshSettings:
        """A copy with every argument that is not None winning; ``rewrite_hosts`` adds to the table."""
        hosts = dict(self.rewrite_hosts)
        hosts.update({rewrite_key(host): url for host, url in (rewrite_hosts or {}).items()})
        return RefreshSettings(
            workers=_pick(workers, self.workers), timeout=_pick(timeout, self.timeout),
            retries=_pick(retries, self.retries),
            methods=self.methods if methods is None else tuple(m.upper() for m in methods),
            samples=_pick(samples, self.samples), fail_on=_pick(fail_on, self.fail_on),
            rewrite_hosts=hosts, per_host=_pick(per_host, self.per_host), update=_pick(update, self.update),
            backoff_factor=_pick(backoff_factor, self.backoff_factor),
            retry_after_max=_pick(retry_after_max, self.retry_after_max),
            max_body=_pick(max_body, self.max_body),
        )

    def validate(self) -> None:
        """Raise a :class:`UsageError` naming the option, the value and what is accepted."""
        if self.update not in UPDATE_MODES:
            raise UsageError(f"--update {self.update!r} is not valid; accepted: {' | '.join(UPDATE_MODES)}")
        if self.fail_on not in FAIL_ON:
            raise UsageError(f"--fail-on {self.fail_on!r} is not valid; accepted: {' | '.join(FAIL_ON)}")
        for name, value, minimum, maximum in (
                ("workers", self.workers, 1, MAX_WORKERS), ("samples", self.samples, 1, MAX_SAMPLES),
                ("per-host", self.per_host, 1, MAX_WORKERS), ("retries", self.retries, 0, MAX_RETRIES)):
            if value is not None and not minimum <= value <= maximum:
                raise UsageError(f"--{name} {_short(value)} is not valid; "
                                 f"accepted: an integer >= {minimum} and <= {maximum}")
        if not 0 < self.timeout <= MAX_TIMEOUT:  # also false for NaN
            raise UsageError(f"--timeout {self.timeout:g} is not valid; "
                             f"accepted: a number of seconds > 0 and <= {MAX_TIMEOUT:g}")
        if not self.methods:
            raise UsageError("--allow-methods names no method; accepted: a list like GET,HEAD")


@dataclass(frozen=True)
class DriftConfig:
    """``[tool.cassettes.drift]``."""

    ignore: tuple[str, ...] = ()
    watch_headers: tuple[str, ...] = DEFAULT_WATCH_HEADERS
    strict_numbers: bool = False


@dataclass(frozen=True)
class AuditAllow:
    """One ``[[tool.cassettes.audit.allow]]`` entry: findings the project acknowledges.

    ``path`` and ``location`` are globs (``path`` on the cassette's path relative to the project
    folder), ``rule`` a rule id, ``fingerprint`` one finding's id; every given key must match."""

    path: str | None = None
    rule: str | None = None
    location: str | None = None
    fingerprint: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class AuditConfig:
    """``[tool.cassettes.audit]``: the allowlist, and an audit baseline file of fingerprints."""

    allow: tuple[AuditAllow, ...] = ()
    baseline: Path | None = None


@dataclass(frozen=True)
class Config:
    """The whole ``[tool.cassettes]`` table, validated. ``root`` is the project folder."""

    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    cassette_dir: Path = Path(DEFAULT_CASSETTE_DIR)
    record_mode: str = DEFAULT_RECORD_MODE
    match_on: tuple[str, ...] = DEFAULT_MATCH_ON
    max_age: timedelta | None = None
    on_expired: str = DEFAULT_ON_EXPIRED
    filter_headers: tuple[str, ...] = ()
    filter_query_parameters: tuple[str, ...] = ()
    filter_body_fields: tuple[str, ...] = ()
    refresh: RefreshSettings = field(default_factory=RefreshSettings)
    auth: Mapping[str, AuthConfig] = field(default_factory=dict)
    drift: DriftConfig = field(default_factory=DriftConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)

    @property
    def cassette_path(self) -> Path:
        """``cassette_dir`` resolved against the project root."""
        return self.cassette_dir if self.cassette_dir.is_absolute() else self.root / self.cassette_dir

    @property
    def usage_path(self) -> Path:
        """Where the usage ledger lives: ``.cassettes/usage.json`` next to pyproject.toml."""
        return self.root / ".cassettes" / "usage.json"

    @property
    def all_filter_headers(self) -> tuple[str, ...]:
        return _merge(DEFAULT_FILTER_HEADERS, self.filter_headers)

    @property
    def all_filter_query_parameters(self) -> tuple[str, ...]:
        return _merge(DEFAULT_FILTER_QUERY_PARAMETERS, self.filter_query_parameters)

    @property
    def all_filter_body_fields(self) -> tuple[str, ...]:
        return _merge(DEFAULT_FILTER_BODY_FIELDS, self.filter_body_fields)

    def with_overrides(self, overrides: Mapping[str, Any], *, origin: str = "override") -> Config:
        """Return a copy with top-level keys of ``[tool.cassettes]`` replaced (validated)."""
        if not overrides:
            return self
        merged = _config_to_raw(self)
        for key, value in overrides.items():
            if key in ("refresh", "drift", "auth", "audit") and isinstance(value, Mapping):
                inner = dict(merged.get(key, {}))
                inner.update(value)
                merged[key] = inner
            else:
                merged[key] = value
        return parse_config(merged, root=self.root, source=self.source, origin=origin)


def _merge(defaults: Sequence[str], extra: Sequence[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in (*defaults, *extra):
        seen.setdefault(name.lower(), None)
    return tuple(seen)


_TOP_KEYS = {
    "cassette_dir", "record_mode", "match_on", "max_age", "on_expired", "filter_headers",
    "filter_query_parameters", "filter_body_fields", "refresh", "auth", "drift", "audit",
}
_REFRESH_KEYS = {"workers", "timeout", "retries", "methods", "samples", "fail_on", "rewrite_hosts"}
_DRIFT_KEYS = {"ignore", "watch_headers", "strict_numbers"}
_AUTH_KEYS = {"header", "env", "format"}
_AUDIT_KEYS = {"allow", "baseline"}
_ALLOW_KEYS = {"path", "rule", "location", "fingerprint", "reason"}


def _fail(where: str, key: str, value: Any, accepted: str) -> ConfigError:
    return ConfigError(f"{where}: {key} = {_short(value)} is not valid; accepted: {accepted}")


def _choice(where: str, key: str, value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _fail(where, key, value, " | ".join(choices))
    return value


def _str_list(where: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise _fail(where, key, value, "a list of non-empty strings")
    return tuple(value)


def _short(value: Any) -> str:
    """``repr(value)``, cut short: a 400-digit number is not echoed whole."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def _int(where: str, key: str, value: Any, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ConfigError(f"{where}: {key} = {_short(value)} is not valid; "
                          f"accepted: an integer >= {minimum} and <= {maximum}")
    return value


def _duration(where: str, key: str, value: Any) -> timedelta | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(where, key, value, "a duration such as 12h, 30d or 2w (units s, m, h, d, w)")
    try:
        return parse_duration(value)
    except ValueError:
        raise _fail(where, key, value, "a duration such as 12h, 30d or 2w (units s, m, h, d, w)") from None


def _unknown(where: str, table: str, raw: Mapping[str, Any], known: set[str]) -> None:
    for key in raw:
        if key not in known:
            raise ConfigError(
                f"{where}: unknown key {table}{key!r}; accepted keys: {', '.join(sorted(known))}"
            )


def _base_url(where: str, key: str, value: Any) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise _fail(where, key, value, "a base URL such as http://127.0.0.1:8080")
    return str(value).rstrip("/")


def parse_config(
    raw: Mapping[str, Any],
    *,
    root: Path | None = None,
    source: Path | None = None,
    origin: str | None = None,
) -> Config:
    """Validate a ``[tool.cassettes]`` mapping and return a frozen :class:`Config`."""
    where = origin or (f"{source} [tool.cassettes]" if source else "[tool.cassettes]")
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a table, got {type(raw).__name__}")
    _unknown(where, "", raw, _TOP_KEYS)
    kwargs: dict[str, Any] = {"root": root or Path.cwd(), "source": source}
    if "cassette_dir" in raw:
        value = raw["cassette_dir"]
        if not isinstance(value, str | Path) or not str(value):
            raise _fail(where, "cassette_dir", value, "a folder path, relative to pyproject.toml")
        kwargs["cassette_dir"] = Path(value)
    if "record_mode" in raw:
        kwargs["record_mode"] = _choice(where, "record_mode", raw["record_mode"], RECORD_MODES)
    if "match_on" in raw:
        match_on = _str_list(where, "match_on", raw["match_on"])
        kwargs["match_on"] = match_on
    if "max_age" in raw:
        kwargs["max_age"] = _duration(where, "max_age", raw["max_age"])
    if "on_expired" in raw:
        kwargs["on_expired"] = _choice(where, "on_expired", raw["on_expired"], ON_EXPIRED)
    for key in ("filter_headers", "filter_query_parameters", "filter_body_fields"):
        if key in raw:
            kwargs[key] = _str_list(where, key, raw[key])
    if "refresh" in raw:
        kwargs["refresh"] = _parse_refresh(where, raw["refresh"])
    if "drift" in raw:
        kwargs["drift"] = _parse_drift(where, raw["drift"])
    if "auth" in raw:
        kwargs["auth"] = _parse_auth(where, raw["auth"])
    if "audit" in raw:
        kwargs["audit"] = _parse_audit(where, raw["audit"])
    return Config(**kwargs)


def _parse_audit(where: str, raw: Any) -> AuditConfig:
    if not isinstance(raw, Mapping):
        raise _fail(where, "audit", raw, "a table [tool.cassettes.audit]")
    _unknown(where, "audit.", raw, _AUDIT_KEYS)
    baseline = None
    if "baseline" in raw:
        value = raw["baseline"]
        if not isinstance(value, str | Path) or not str(value):
            raise _fail(where, "audit.baseline", value, "a file path, relative to pyproject.toml")
        baseline = Path(value)
    entries: list[AuditAllow] = []
    allow = raw.get("allow", [])
    if not isinstance(allow, list | tuple):
        raise _fail(where, "audit.allow", allow, "a list of tables [[tool.cassettes.audit.allow]]")
    for number, entry in enumerate(allow):
        key = f"audit.allow[{number}]"
        if not isinstance(entry, Mapping):
            raise _fail(where, key, entry, "a table with path, rule, location, fingerprint, reason")
        _unknown(where, f"{key}.", entry, _ALLOW_KEYS)
        for name, value in entry.items():
            if not isinstance(value, str) or not value:
                raise _fail(where, f"{key}.{name}", value, "a non-empty string")
        if not any(k in entry for k in ("path", "rule", "fingerprint")):
            raise ConfigError(f"{where}: {key} allows every finding; give at least one of path, rule or "
                              "fingerprint")
        entries.append(AuditAllow(path=entry.get("path"), rule=entry.get("rule"), location=entry.get("location"),
                                  fingerprint=entry.get("fingerprint"), reason=entry.get("reason", "")))
    return AuditConfig(allow=tuple(entries), baseline=baseline)


def _parse_refresh(where: str, raw: Any) -> RefreshSettings:
    if not isinstance(raw, Mapping):
        raise _fail(where, "refresh", raw, "a table [tool.cassettes.refresh]")
    _unknown(where, "refresh.", raw, _REFRESH_KEYS)
    kw: dict[str, Any] = {}
    if "workers" in raw:
        kw["workers"] = _int(where, "refresh.workers", raw["workers"], 1, MAX_WORKERS)
    if "timeout" in raw:
        value = raw["timeout"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_TIMEOUT:
            raise ConfigError(f"{where}: refresh.timeout = {_short(value)} is not valid; "
                              f"accepted: a number of seconds > 0 and <= {MAX_TIMEOUT:g}")
        kw["timeout"] = float(value)
    if "retries" in raw:
        kw["retries"] = _int(where, "refresh.retries", raw["retries"], 0, MAX_RETRIES)
    if "methods" in raw:
        kw["methods"] = tuple(m.upper() for m in _str_list(where, "refresh.methods", raw["methods"]))
    if "samples" in raw:
        kw["samples"] = _int(where, "refresh.samples", raw["samples"], 1, MAX_SAMPLES)
    if "fail_on" in raw:
        kw["fail_on"] = _choice(where, "refresh.fail_on", raw["fail_on"], FAIL_ON)
    if "rewrite_hosts" in raw:
        value = raw["rewrite_hosts"]
        if not isinstance(value, Mapping):
            raise _fail(where, "refresh.rewrite_hosts", value, 'a table {"host" = "http://base"}')
        hosts: dict[str, str] = {}
        for host, url in value.items():
            key = rewrite_key(str(host))
            if key in hosts:
                raise _fail(where, f"refresh.rewrite_hosts.{host}", url,
                            f"one entry per host (host names are case-insensitive: {key!r} is set twice)")
            hosts[key] = _base_url(where, f"refresh.rewrite_hosts.{host}", url)
        kw["rewrite_hosts"] = hosts
    return RefreshSettings(**kw)


def _parse_drift(where: str, raw: Any) -> DriftConfig:
    if not isinstance(raw, Mapping):
        raise _fail(where, "drift", raw, "a table [tool.cassettes.drift]")
    _unknown(where, "drift.", raw, _DRIFT_KEYS)
    kw: dict[str, Any] = {}
    if "ignore" in raw:
        paths = _str_list(where, "drift.ignore", raw["ignore"])
        for path in paths:
            if not path.startswith("$"):
                raise _fail(where, "drift.ignore", path, "paths starting with $, like $.meta.request_id")
        kw["ignore"] = paths
    if "watch_headers" in raw:
        kw["watch_headers"] = tuple(
            h.lower() for h in _str_list(where, "drift.watch_headers", raw["watch_headers"])
        )
    if "strict_numbers" in raw:
        if not isinstance(raw["strict_numbers"], bool):
            raise _fail(where, "drift.strict_numbers", raw["strict_numbers"], "true | false")
        kw["strict_numbers"] = raw["strict_numbers"]
    return DriftConfig(**kw)


def _parse_auth(where: str, raw: Any) -> dict[str, AuthConfig]:
    if not isinstance(raw, Mapping):
        raise _fail(where, "auth", raw, 'tables like [tool.cassettes.auth."api.example.com"]')
    result: dict[str, AuthConfig] = {}
    for host, entry in raw.items():
        key = f"auth.{host}"
        if not isinstance(entry, Mapping):
            raise _fail(where, key, entry, "a table with header, env and format")
        _unknown(where, f"auth.{host}.", entry, _AUTH_KEYS)
        if not isinstance(entry.get("env"), str) or not entry["env"]:
            raise _fail(where, f"{key}.env", entry.get("env"), "the name of an environment variable")
        header = entry.get("header", "Authorization")
        if not isinstance(header, str) or not header:
            raise _fail(where, f"{key}.header", header, "a header name")
        fmt = entry.get("format", "{}")
        if not isinstance(fmt, str) or fmt.count("{}") != 1:
            raise _fail(where, f"{key}.format", fmt, 'a string with one "{}", like "Bearer {}"')
        result[str(host).lower()] = AuthConfig(host=str(host).lower(), env=entry["env"], header=header, format=fmt)
    return result


def _config_to_raw(config: Config) -> dict[str, Any]:
    """The inverse of :func:`parse_config`, for layering overrides."""
    raw: dict[str, Any] = {
        "cassette_dir": str(config.cassette_dir),
        "record_mode": config.record_mode,
        "match_on": list(config.match_on),
        "on_expired": config.on_expired,
        "filter_headers": list(config.filter_headers),
        "filter_query_parameters": list(config.filter_query_parameters),
        "filter_body_fields": list(config.filter_body_fields),
    }
    if config.max_age is not None:
        raw["max_age"] = f"{int(config.max_age.total_seconds())}s"
    refresh = config.refresh
    raw["refresh"] = {
        "workers": refresh.workers, "timeout": refresh.timeout, "retries": refresh.retries,
        "methods": list(refresh.methods), "samples": refresh.samples, "fail_on": refresh.fail_on,
        "rewrite_hosts": dict(refresh.rewrite_hosts),
    }
    raw["drift"] = {
        "ignore": list(config.drift.ignore),
        "watch_headers": list(config.drift.watch_headers),
        "strict_numbers": config.drift.strict_numbers,
    }
    raw["auth"] = {
        host: {"header": a.header, "env": a.env, "format": a.format} for host, a in config.auth.items()
    }
    audit: dict[str, Any] = {"allow": [
        {k: v for k, v in (("path", a.path), ("rule", a.rule), ("location", a.location),
                           ("fingerprint", a.fingerprint), ("reason", a.reason)) if v}
        for a in config.audit.allow
    ]}
    if config.audit.baseline is not None:
        audit["baseline"] = str(config.audit.baseline)
    raw["audit"] = audit
    return raw


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | str | None = None, *, start: Path | None = None) -> Config:
    """Read ``[tool.cassettes]`` from ``path`` or the nearest pyproject.toml; defaults if none."""
    env_path = os.environ.get("CASSETTES_CONFIG")
    if path is None and env_path:
        path = env_path
    if path is not None:
        source = Path(path)
        if not source.is_file():
            raise ConfigError(f"{source}: config file not found (check --config)")
    else:
        found = find_pyproject(start)
        if found is None:
            return Config(root=(start or Path.cwd()).resolve())
        source = found
    try:
        document = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot read config: {exc}") from None
    if source.name == "pyproject.toml" or "tool" in document:
        table = document.get("tool", {}).get("cassettes", {})
    else:
        # A dedicated config file may hold the keys at top level or under [tool.cassettes].
        table = document
    return parse_config(table, root=source.resolve().parent, source=source)
