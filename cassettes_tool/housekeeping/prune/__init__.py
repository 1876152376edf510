"""``cassettes prune``: find cassettes (or interactions) no test uses, and remove them safely.

:func:`plan_prune` decides (dry run), :func:`apply_plan` acts, :func:`render_text` shows.
"""

from __future__ import annotations

from cassettes_tool.errors import PruneRefused
from cassettes_tool.housekeeping.prune.apply import apply_plan
from cassettes_tool.housekeeping.prune.plan import (
    LedgerCheck,
    PrunePlan,
    PruneRow,
    check_ledger,
    default_test_paths,
    load_check,
    plan_prune,
    require_usable_ledger,
)
from cassettes_tool.housekeeping.prune.render import render_text

__all__ = [
    "LedgerCheck", "PrunePlan", "PruneRefused", "PruneRow", "apply_plan", "check_ledger",
    "default_test_paths", "load_check", "plan_prune", "render_text", "require_usable_ledger",
]
