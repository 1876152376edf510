"""``cassettes init``: a commented ``[tool.cassettes]`` section and, optionally, a CI workflow.

Never clobbers: an existing ``[tool.cassettes]`` table is left exactly as it is, and an existing
workflow file is only replaced with ``force``. A missing ``pyproject.toml`` is created holding just
the section (the config reader needs nothing else). The section is appended to the file's text,
so the rest of the file stays byte for byte what it was; the result is parsed and validated
before anything is written, and writes are atomic.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cassettes_tool.core.config import (
    DEFAULT_CASSETTE_DIR,
    DEFAULT_FAIL_ON,
    DEFAULT_FILTER_BODY_FIELDS,
    DEFAULT_FILTER_HEADERS,
    DEFAULT_FILTER_QUERY_PARAMETERS,
    DEFAULT_MATCH_ON,
    DEFAULT_METHODS,
    DEFAULT_ON_EXPIRED,
    DEFAULT_RECORD_MODE,
    DEFAULT_RETRIES,
    DEFAULT_SAMPLES,
    DEFAULT_TIMEOUT,
    DEFAULT_WATCH_HEADERS,
    DEFAULT_WORKERS,
    parse_config,
)
from cassettes_tool.core.storage import atomic_write_bytes
from cassettes_tool.errors import ConfigError, UsageError
from cassettes_tool.setup.ci_workflow import WORKFLOW_PATH, WorkflowOptions, render_workflow

CREATED, UPDATED, SKIPPED, REPLACED = "created", "updated", "skipped", "replaced"


def _toml(value: Any) -> str:
    """A TOML literal for a string, number or list of strings (JSON syntax is TOML here)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def _wrap_names(prefix: str, names: tuple[str, ...], width: int = 96) -> str:
    lines, line = [], prefix
    for name in names:
        piece = name + ", "
        if len(line) + len(piece) > width:
            lines.append(line.rstrip())
            line = "#   "
        line += piece
    lines.append(line.rstrip(", "))
    return "\n".join(lines)


COMMENT_COLUMN = 40


def _line(key: str, value: Any, comment: str = "", *, commented: bool = False) -> str:
    """``key = value`` with its comment aligned (``# key = value`` when commented out)."""
    text = f"{'# ' if commented else ''}{key} = {_toml(value)}"
    return f"{text.ljust(COMMENT_COLUMN - 1)} # {comment}" if comment else text


def section_text(cassette_dir: str = DEFAULT_CASSETTE_DIR) -> str:
    """The commented ``[tool.cassettes]`` section (every key at its default)."""
    lines = [
        "[tool.cassettes]",
        "# Written by `cassettes init`. Every key is optional; the values shown are the defaults.",
        "# Every key, default and accepted value: docs/configuration.md of the cassettes project.",
        _line("cassette_dir", cassette_dir, "relative to this file; default PATH of list/refresh/prune"),
        _line("record_mode", DEFAULT_RECORD_MODE, "none (replay only, CI-safe) | once | new_episodes | all"),
        _line("match_on", DEFAULT_MATCH_ON),
        _line("max_age", "30d", "older cassettes are expired (units s, m, h, d, w)", commented=True),
        _line("on_expired", DEFAULT_ON_EXPIRED, "warn | fail | rerecord"),
        "# Secrets are filtered before anything reaches disk. These lists EXTEND the built-in defaults:",
        _wrap_names("#   headers: ", DEFAULT_FILTER_HEADERS),
        _wrap_names("#   query parameters: ", DEFAULT_FILTER_QUERY_PARAMETERS),
        _wrap_names("#   JSON body fields (any depth): ", DEFAULT_FILTER_BODY_FIELDS),
        _line("filter_headers", []),
        _line("filter_query_parameters", []),
        _line("filter_body_fields", []),
        "# Audit findings acknowledged on purpose (fake secrets a test sends to a scanner, say):",
        '# audit = { baseline = ".cassettes-audit-baseline.json", allow = [{ path = "tests/cassettes/scanner/*", '
        'reason = "fake keys" }] }',
        "",
        "[tool.cassettes.refresh]",
        "# `cassettes refresh`: the nightly job that re-plays recorded requests against the live API.",
        _line("workers", DEFAULT_WORKERS, "concurrent live calls"),
        _line("timeout", DEFAULT_TIMEOUT, "seconds per request"),
        _line("retries", DEFAULT_RETRIES, "on connection errors, 429, 502, 503, 504; honours Retry-After"),
        _line("methods", DEFAULT_METHODS, "only these are sent live; the others are skipped"),
        _line("samples", DEFAULT_SAMPLES, "live calls per interaction; 2+ learns volatile fields"),
        _line("fail_on", DEFAULT_FAIL_ON, "breaking | warning | info | never"),
        "# Send a recorded host's requests elsewhere (a staging server, a local fake):",
        '# rewrite_hosts = { "api.example.com" = "https://staging.example.com" }',
        "",
        "# Credentials sent at refresh time only (never recorded, never in reports), per host:",
        '# [tool.cassettes.auth."api.example.com"]',
        _line("header", "Authorization", commented=True),
        _line("env", "EXAMPLE_TOKEN", "the environment variable that holds the token", commented=True),
        _line("format", "Bearer {}", commented=True),
        "",
        "[tool.cassettes.drift]",
        '# Body paths never reported ($ is the root, [*] any array element), e.g. "$.meta.request_id".',
        _line("ignore", []),
        _line("watch_headers", DEFAULT_WATCH_HEADERS, "response headers compared"),
        _line("strict_numbers", False, "true: integer and float are different types"),
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class InitOptions:
    """What ``cassettes init`` is asked to do."""

    project_dir: Path
    cassette_dir: str | None = None  # None: detect an existing folder, else the default
    ci: str | None = None  # "github" or None
    workflow: WorkflowOptions = field(default_factory=WorkflowOptions)
    force: bool = False  # replace an existing workflow file (never an existing [tool.cassettes])


@dataclass(frozen=True)
class Action:
    """One file ``init`` looked at: what it did and why."""

    path: Path
    outcome: str  # created | updated | replaced | skipped
    detail: str


def _read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix it, then run cassettes init again") from None


def _write(path: Path, text: str) -> None:
    """Atomic write; an OS refusal is a one-line usage error naming the file."""
    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror or exc}); check the folder's permissions") from None


def add_config_section(pyproject: Path, cassette_dir: str = DEFAULT_CASSETTE_DIR) -> Action:
    """Append the commented section to ``pyproject`` (created if missing); skip if one exists."""
    if pyproject.exists():
        text, document = _read_toml(pyproject)
        tool = document.get("tool")
        if isinstance(tool, dict) and "cassettes" in tool:
            return Action(pyproject, SKIPPED, "already has [tool.cassettes]; left unchanged")
        outcome = UPDATED
    else:
        text, outcome = "", CREATED
    # One blank line between the file as it was (kept byte for byte) and the new section.
    separator = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
    new_text = text + separator + section_text(cassette_dir)
    try:
        table = tomllib.loads(new_text)["tool"]["cassettes"]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        # e.g. the file defines `tool` as an inline table, which cannot be extended.
        raise ConfigError(
            f"{pyproject}: cannot append [tool.cassettes] to this file ({exc}); add the section by hand "
            "(see docs/configuration.md)"
        ) from None
    parse_config(table, root=pyproject.parent, source=pyproject)  # our own text must validate
    _write(pyproject, new_text)
    what = "created with a commented [tool.cassettes] section" if outcome == CREATED \
        else "added a commented [tool.cassettes] section"
    return Action(pyproject, outcome, f"{what} (cassette_dir = {_toml(cassette_dir)})")


def _auth_secrets(pyproject: Path) -> tuple[str, ...]:
    """Environment variables named by ``[tool.cassettes.auth]`` (become workflow secrets)."""
    if not pyproject.is_file():
        return ()
    _, document = _read_toml(pyproject)
    table = document.get("tool", {}).get("cassettes", {})
    config = parse_config(table, root=pyproject.parent, source=pyproject)
    return tuple(sorted({auth.env for auth in config.auth.values()}))


def write_workflow(project_dir: Path, options: WorkflowOptions, *, force: bool = False) -> Action:
    """Write ``.github/workflows/cassettes-refresh.yml`` (an existing one only with ``force``)."""
    path = project_dir / WORKFLOW_PATH
    existed = path.exists()
    if existed and not force:
        return Action(path, SKIPPED, "exists; left unchanged (use --force to regenerate it)")
    _write(path, render_workflow(options))
    detail = f"nightly refresh at cron {options.cron!r}"
    if options.shards > 1:
        detail += f", {options.shards} shards merged by `cassettes merge`"
    if options.pr_job:
        detail += ", pull request job"
    return Action(path, REPLACED if existed else CREATED, detail)


# Folder names that hold cassettes in real projects (vcrpy, pytest-recording, hand-made).
CASSETTE_FOLDER_NAMES = ("cassettes", "vcr_cassettes", "fixtures/cassettes", "fixtures/vcr_cassettes")
MAX_DEPTH = 5  # folders below the project searched for existing cassettes


def find_cassette_folders(project_dir: Path) -> list[str]:
    """Existing cassette folders anywhere in the project (outermost only), relative to it.

    A folder counts when its name says cassettes (``cassettes``, ``vcr_cassettes``,
    ``tests/clients/cassettes``, a top-level ``cassettes/``, ``recordings``) and it holds a
    cassette, or when it is a ``fixtures`` folder holding cassettes directly (extension-less
    ones included: the first bytes decide)."""
    import os

    from cassettes_tool.core.discovery import SKIP_DIRS, find_cassettes
    from cassettes_tool.core.sniff import sniff_file

    found: list[str] = []
    root = project_dir.resolve()
    for current, dirs, _ in os.walk(root):
        here = Path(current)
        depth = len(here.relative_to(root).parts)
        keep: list[str] = []
        for name in sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")):
            folder = here / name
            lowered = name.lower()
            if "cassette" in lowered or lowered == "recordings":
                if find_cassettes([folder]):
                    found.append(folder.relative_to(root).as_posix())
                    continue
            elif lowered == "fixtures" and any(
                    f.is_file() and sniff_file(f, 4096, unreadable="other") == "cassette" for f in folder.iterdir()):
                found.append(folder.relative_to(root).as_posix())
                continue
            if depth + 1 < MAX_DEPTH and (folder / "pyvenv.cfg").exists() is False:
                keep.append(name)
        dirs[:] = keep
    return found


def detect_cassette_dir(project_dir: Path) -> str | None:
    """The one existing cassette folder in the project, if there is exactly one."""
    found = find_cassette_folders(project_dir)
    return found[0] if len(found) == 1 else None


def run_init(options: InitOptions) -> list[Action]:
    """Do what ``cassettes init`` asks; return what happened to each file."""
    if not options.project_dir.is_dir():
        raise UsageError(f"{options.project_dir}: no such folder (check --project-dir)")
    if options.ci not in (None, "github"):
        raise UsageError(f"--ci {options.ci!r}: only github is supported")
    pyproject = options.project_dir / "pyproject.toml"
    cassette_dir = options.cassette_dir or detect_cassette_dir(options.project_dir) or DEFAULT_CASSETTE_DIR
    actions = [add_config_section(pyproject, cassette_dir)]
    if options.ci == "github":
        workflow = WorkflowOptions(
            shards=options.workflow.shards, pr_job=options.workflow.pr_job, cron=options.workflow.cron,
            python=options.workflow.python, secrets=_auth_secrets(pyproject),
            install=options.workflow.install, pin_actions=options.workflow.pin_actions,
        )
        actions.append(write_workflow(options.project_dir, workflow, force=options.force))
    return actions
