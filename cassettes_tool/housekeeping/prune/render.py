"""Text rendering of a prune plan: the ledger, each candidate with its reason and size, a total."""

from __future__ import annotations

from cassettes_tool.core.discovery import display_path
from cassettes_tool.housekeeping.prune.plan import PrunePlan, PruneRow
from cassettes_tool.housekeeping.render_table import human_size


def render_text(plan: PrunePlan, *, verbose: bool = False) -> str:
    """Candidates with both signals; kept cassettes too when ``verbose``."""
    lines = [_ledger_line(plan)]
    if plan.mode == "interactions":
        lines.extend(_interactions(plan, verbose))
    else:
        lines.extend(_cassettes(plan, verbose))
    for row in plan.rows:
        if row.error:
            lines.append(f"error: {row.error}")
    return "\n".join(lines) + "\n"


def _ledger_line(plan: PrunePlan) -> str:
    check = plan.ledger
    text = f"usage ledger: {check.to_json()['path']} ({check.state}"
    if check.finished_at:
        text += f", run of {check.finished_at}"
    if check.reasons:
        text += f": {'; '.join(check.reasons)}"
    text += ")"
    if plan.forced and not check.usable:
        text += " -- used anyway (--force)"
    sources = ", ".join(display_path(p) for p in plan.test_paths)
    return text + f"\ntest sources: {sources} ({plan.references} cassette reference(s))"


def _cassettes(plan: PrunePlan, verbose: bool) -> list[str]:
    lines: list[str] = []
    candidates = plan.candidates
    if not candidates:
        lines.append(f"no unused cassettes among {len(plan.rows)}")
    else:
        verb = "removed" if plan.applied else "would remove"
        lines.append(f"{verb} {len(candidates)} unused cassette(s) of {len(plan.rows)}, "
                     f"{human_size(plan.candidate_bytes)}:")
        for row in candidates:
            mark = "" if not plan.applied or row.deleted else " [NOT removed]"
            lines.append(f"  {row.display}  {human_size(row.size)}  {row.reason}{mark}")
    if plan.removed_folders:
        lines.append(f"removed {len(plan.removed_folders)} folder(s) left empty: "
                     + ", ".join(display_path(p) for p in plan.removed_folders))
    kept = [r for r in plan.rows if not r.unused]
    if verbose and kept:
        lines.append(f"kept {len(kept)} cassette(s):")
        lines.extend(f"  {r.display}  {r.reason}" for r in kept)
    elif kept and plan.applied:
        lines.append(f"kept {len(kept)} cassette(s) (-v says why)")
    if candidates and not plan.applied:
        lines.append("dry run: nothing was removed; pass --delete to remove them")
    return lines


def _interactions(plan: PrunePlan, verbose: bool) -> list[str]:
    lines: list[str] = []
    candidates = plan.candidates
    total = sum(len(r.unplayed) for r in candidates)
    if not candidates:
        lines.append(f"no never-played interactions in {len(plan.rows)} cassette(s)")
    else:
        verb = "dropped" if plan.applied else "would drop"
        lines.append(f"{verb} {total} never-played interaction(s) in {len(candidates)} cassette(s):")
        lines.extend(_interaction_row(r, plan.applied) for r in candidates)
    if verbose:
        others = [r for r in plan.rows if not r.unplayed and not r.error]
        if others:
            lines.append(f"left alone {len(others)} cassette(s):")
            lines.extend(f"  {r.display}  {r.reason}" for r in others)
    if candidates and not plan.applied:
        lines.append("dry run: nothing was changed; pass --delete to drop them")
    return lines


def _interaction_row(row: PruneRow, applied: bool) -> str:
    mark = "" if not applied or row.dropped else " [NOT changed]"
    return f"  {row.display}  {row.reason}{mark}"
