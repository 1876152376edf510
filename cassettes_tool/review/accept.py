"""``cassettes accept``: write the live responses kept in a drift report into their cassettes.

No API call: the report already holds each live response (filtered). The write goes through
:func:`cassettes_tool.core.updating.apply_responses`, the same path as ``refresh --update``: secret
filters applied again, minimal diff, lock, atomic rename. A cassette whose bytes changed since
the report was made (its sha256 differs) is refused, before anything is written, unless
``force``.

What is accepted: the interactions with status ``drift`` that kept a live response — all of
them, or those selected by cassette path or by finding fingerprint (each selection adds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cassettes_tool.core.filters import FilterRules, filter_response
from cassettes_tool.core.jsonfile import document
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.core.storage import file_sha256
from cassettes_tool.core.updating import apply_responses
from cassettes_tool.errors import CassetteChangedError, CassetteError, UsageError
from cassettes_tool.review.report import CassetteResult, InteractionResult, Report


@dataclass
class AcceptedCassette:
    """What was (or would be) written into one cassette."""

    path: str
    indexes: list[int] = field(default_factory=list)


@dataclass
class AcceptPlan:
    """The interactions to write, per cassette, and the drifted ones that cannot be accepted."""

    cassettes: list[tuple[CassetteResult, list[InteractionResult]]] = field(default_factory=list)
    without_live: list[tuple[str, int]] = field(default_factory=list)

    @property
    def interaction_count(self) -> int:
        return sum(len(items) for _, items in self.cassettes)


def _already_accepted(path: Path, items: Sequence[Any], rules: FilterRules) -> bool:
    """Does ``path`` already hold exactly the (filtered) live responses ``items`` would write?

    That is what a killed ``accept`` leaves in the cassettes it finished: re-running it must
    resume, not refuse (the file's checksum no longer matches the report, by its own doing).
    """
    try:
        cassette = load_cassette(path)
    except CassetteError:
        return False
    for item in items:
        if item.live is None or not 0 <= item.index < len(cassette.interactions):
            return False
        wanted = filter_response(item.live, rules)
        stored = cassette.interactions[item.index].response
        if (stored.status, stored.headers, stored.body) != (wanted.status, wanted.headers, wanted.body):
            return False
    return True


def _same_path(a: str, b: str, base: Path) -> bool:
    if a == b:
        return True
    pa, pb = Path(a), Path(b)
    return (pa if pa.is_absolute() else base / pa).resolve() == (pb if pb.is_absolute() else base / pb).resolve()


def plan_accept(report: Report, *, cassettes: Sequence[str] = (), fingerprints: Sequence[str] = (),
                base: Path | None = None) -> AcceptPlan:
    """Which interactions ``accept`` writes; unknown selections are a one-line UsageError."""
    base = base or Path.cwd()
    for wanted in cassettes:
        if not any(_same_path(wanted, c.path, base) for c in report.cassettes):
            raise UsageError(f"--cassette {wanted}: not in the report (its cassettes are listed by "
                             "`cassettes report REPORT.json`)")
    known = {f.fingerprint for f in report.findings()}
    for fp in fingerprints:
        if fp not in known:
            raise UsageError(f"--fingerprint {fp}: no finding of the report has it (fingerprints are "
                             "listed by `cassettes report REPORT.json`)")
    everything = not cassettes and not fingerprints
    plan = AcceptPlan()
    for cassette in sorted(report.cassettes, key=lambda c: c.path):
        whole = everything or any(_same_path(w, cassette.path, base) for w in cassettes)
        chosen = []
        for item in sorted(cassette.interactions, key=lambda i: i.index):
            if item.status != "drift":
                continue
            if not whole and not any(f.fingerprint in fingerprints for f in item.findings):
                continue
            if item.live is None:
                plan.without_live.append((cassette.path, item.index))
                continue
            chosen.append(item)
        if chosen:
            plan.cassettes.append((cassette, chosen))
    return plan


def _resolve(path: str, base: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else base / candidate


def accept(plan: AcceptPlan, rules: FilterRules, *, force: bool = False,
           base: Path | None = None) -> list[AcceptedCassette]:
    """Write the planned live responses. Every cassette is checked before the first write."""
    base = base or Path.cwd()
    already: set[str] = set()
    if not force:
        for cassette, items in plan.cassettes:
            path = _resolve(cassette.path, base)
            if cassette.sha256 is None:
                raise UsageError(
                    f"{cassette.path}: the report has no checksum of this cassette, so a change since "
                    "the report cannot be ruled out; pass --force to accept anyway"
                )
            try:
                current = file_sha256(path)
            except FileNotFoundError:
                raise CassetteError(path, "no longer exists", "the report is older than the cassettes; "
                                    "run `cassettes refresh` again") from None
            except OSError as exc:
                raise CassetteError(path, f"cannot be read: {exc.strerror or exc}") from None
            if current != cassette.sha256 and _already_accepted(path, items, rules):
                already.add(cassette.path)  # this accept's own earlier write (a re-run after a crash)
            elif current != cassette.sha256:
                raise CassetteChangedError(
                    path, "changed since the report was made; nothing was written",
                    "run `cassettes refresh` again for a fresh report, or pass --force to accept anyway",
                )
    done = []
    for cassette, items in plan.cassettes:
        path = _resolve(cassette.path, base)
        updates = {item.index: item.live for item in items if item.live is not None}
        if cassette.path not in already:
            apply_responses(path, updates, rules, expected_sha256=None if force else cassette.sha256)
        done.append(AcceptedCassette(cassette.path, sorted(updates)))
    return done


ACCEPT_SCHEMA_VERSION = 1


def accept_json(plan: AcceptPlan, done: Sequence[AcceptedCassette], *, dry_run: bool) -> dict[str, Any]:
    """The document of ``cassettes accept --format json`` (schema in docs/cli.md).

    ``cassettes`` lists what was written, or with ``dry_run`` what would be; ``not_accepted``
    the selected drifted interactions whose live response the report did not keep.
    """
    if dry_run:
        listed = [{"path": cassette.path, "interactions": sorted(item.index for item in items)}
                  for cassette, items in plan.cassettes]
    else:
        listed = [{"path": item.path, "interactions": list(item.indexes)} for item in done]
    return document(ACCEPT_SCHEMA_VERSION, {
        "dry_run": dry_run,
        "cassettes": listed,
        "accepted": sum(len(entry["interactions"]) for entry in listed),
        "not_accepted": [{"path": path, "interaction": index, "reason": "no live response in the report"}
                         for path, index in plan.without_live],
    })
