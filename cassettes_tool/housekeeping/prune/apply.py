"""Carry out a prune plan: delete unused cassettes, or drop never-played interactions.

Each file is handled on its own, in one cassette transaction (:mod:`cassettes_tool.core.transaction`:
under its lock): one failure is recorded on its row and never stops or touches the others.
Deleting is an ``unlink`` (atomic); dropping interactions is an atomic rewrite through the
cassette model that keeps the remaining interactions' stored mappings and order, so vcrpy still
loads the file. The metadata is not stamped: no response was recorded.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from cassettes_tool.core.storage import lock_path
from cassettes_tool.core.transaction import cassette_transaction
from cassettes_tool.errors import CassetteError
from cassettes_tool.housekeeping.prune.plan import PrunePlan, PruneRow
from cassettes_tool.recording.ledger import CassetteUsage


def apply_plan(plan: PrunePlan) -> None:
    """Delete (mode ``cassettes``) or rewrite (mode ``interactions``) every candidate row."""
    for row in plan.candidates:
        try:
            if plan.mode == "interactions":
                _drop_interactions(row)
            else:
                _delete(row)
        except CassetteError as exc:
            row.error = str(exc)
        except OSError as exc:
            row.error = f"{row.display}: {exc.strerror or exc}"
    plan.applied = True
    if plan.mode == "interactions":
        _update_ledger(plan)
    else:
        _remove_empty_folders(plan)


def _remove_empty_folders(plan: PrunePlan) -> None:
    """Folders the deletions left empty, up to (not including) the folders prune was given.

    ``rmdir`` removes a folder only when it is empty, so a file written meanwhile keeps it."""
    roots = [r.resolve() for r in plan.roots]
    for row in plan.rows:
        if not row.deleted:
            continue
        folder = row.path.resolve().parent
        while any(root in folder.parents for root in roots):
            try:
                folder.rmdir()
            except OSError:
                break  # not empty (or not ours to remove): stop climbing
            plan.removed_folders.append(folder)
            folder = folder.parent


def _delete(row: PruneRow) -> None:
    with cassette_transaction(row.path, create=True) as transaction:
        transaction.delete()
    row.deleted = True
    with contextlib.suppress(OSError):
        lock_path(row.path).unlink()


def _drop_interactions(row: PruneRow) -> None:
    with cassette_transaction(row.path) as transaction:
        cassette = transaction.cassette
        if row.interactions is not None and len(cassette) != row.interactions:
            raise CassetteError(row.path, "changed while prune was running", "run prune again")
        drop = set(row.unplayed)
        cassette.interactions = [i for n, i in enumerate(cassette.interactions) if n not in drop]
        transaction.save(record=False)
    row.dropped = len(drop)


def _update_ledger(plan: PrunePlan) -> None:
    """Renumber the rewritten cassettes in the ledger, so it still describes the files."""
    ledger = plan.ledger.ledger
    if ledger is None or not any(r.dropped for r in plan.rows):
        return
    for row in plan.rows:
        if not row.dropped:
            continue
        key = ledger.key(row.path)
        usage = ledger.cassettes.get(key)
        if usage is None or row.interactions is None:
            continue
        kept = row.interactions - row.dropped
        ledger.cassettes[key] = CassetteUsage(tests=list(usage.tests), interactions=kept, played=list(range(kept)))
    ledger.save(Path(plan.ledger.path))
