"""``cassettes refresh``: re-play recorded requests live, detect drift, report, update safely.

Modules: :mod:`.select` (which cassettes: paths, shards, age), :mod:`.plan` (what is sent
where, ``--dry-run``), :mod:`.live` (HTTP with pooling, retries, timeouts, auth),
:mod:`.runner` (worker pool, drift engine, report, ``--update``).
"""

from __future__ import annotations

from cassettes_tool.refresh.plan import Plan, build_plan, describe_plan, parse_rewrite, plan_to_json
from cassettes_tool.refresh.runner import (
    UPDATE_MODES,
    RefreshOptions,
    RefreshOutcome,
    prepare,
    run_refresh,
    skipped_note,
    skipped_notes,
    summary_line,
)
from cassettes_tool.refresh.select import Shard, parse_shard, select_cassettes

__all__ = [
    "UPDATE_MODES",
    "Plan",
    "RefreshOptions",
    "RefreshOutcome",
    "Shard",
    "build_plan",
    "describe_plan",
    "parse_rewrite",
    "parse_shard",
    "plan_to_json",
    "prepare",
    "run_refresh",
    "select_cassettes",
    "skipped_note",
    "skipped_notes",
    "summary_line",
]
