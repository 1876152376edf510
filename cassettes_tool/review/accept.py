"""``cassettes accept``: write the live responses kept in a drift report into their cassettes.

No API call: the report already holds each live response (filtered). The write goes through
:func:`cassettes_tool.core.updating.apply_responses`, the same path as ``refresh --update``: secret
filters applied again, minimal diff, lock, atomic rename. A cassette whose bytes changed since
the report was made (its sha256 differs) is refused, before anything is written, unless
``force``.

What is accepted: the interactions with status ``drift`` that kept a live response — all of
them, or those selected by cassette path or by finding fingerprint (each selection adds).

Each response goes to the interaction that made its request: the report's index when the request
there is still the same (method and URL), else — a cassette changed and accepted with ``force`` —
the same request elsewhere in the file, else the same endpoint (method + path template + query
keys, :mod:`cassettes_tool.drift.templates`), in order. A request found nowhere stops the accept
before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cassettes_tool.core.filters import FilterRules, filter_response
from cassettes_tool.core.jsonfile import document
from cassettes_tool.core.project import inside_project
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
    already: bool = False  # the cassette already held these responses (a second accept): nothing written


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
                base: Path | None = None, root: Path | None = None) -> AcceptPlan:
    """Which interactions ``accept`` writes; unknown selections are a one-line UsageError.

    A planned cassette whose path resolves outside ``root`` (the project; default ``base``) is a
    one-line ReportError: a crafted report cannot make ``accept`` write anywhere else.
    """
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
            inside_project(_resolve(cassette.path, base), root or base, source="the report")
            plan.cassettes.append((cassette, chosen))
    return plan


def _resolve(path: str, base: Path) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else base / candidate


def accept(plan: AcceptPlan, rules: FilterRules, *, force: bool = False,
           base: Path | None = None, root: Path | None = None) -> list[AcceptedCassette]:
    """Write the planned live responses. Every cassette is checked before the first write.

    Paths outside ``root`` (the project; default ``base``) are refused first, even with ``force``.
    """
    base = base or Path.cwd()
    for cassette, _ in plan.cassettes:
        inside_project(_resolve(cassette.path, base), root or base, source="the report")
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
    located = {cassette.path: locate(_resolve(cassette.path, base), items)
               for cassette, items in plan.cassettes if cassette.path not in already}
    done = []
    for cassette, items in plan.cassettes:
        path = _resolve(cassette.path, base)
        where = located.get(cassette.path) or {item.index: item.index for item in items}
        updates = {where[item.index]: item.live for item in items if item.live is not None}
        if cassette.path not in already:
            apply_responses(path, updates, rules, expected_sha256=None if force else cassette.sha256)
        done.append(AcceptedCassette(cassette.path, sorted(updates), already=cassette.path in already))
    return done


def locate(path: Path, items: Sequence[InteractionResult]) -> dict[int, int]:
    """Report index -> the index of the interaction in ``path`` that made the same request.

    The report's index when its request is the same, else the first unused interaction with the
    same method and URL, else with the same endpoint; a :class:`CassetteError` when none is left.
    """
    from cassettes_tool.drift.templates import Templater

    cassette = load_cassette(path)
    requests = [(i.request.method.upper(), i.request.uri) for i in cassette.interactions]
    where: dict[int, int] = {}
    used: set[int] = set()
    waiting = []
    for item in items:
        wanted = (item.method.upper(), item.uri)
        if 0 <= item.index < len(requests) and requests[item.index] == wanted and item.index not in used:
            where[item.index] = item.index
            used.add(item.index)
        else:
            waiting.append(item)
    if not waiting:
        return where
    templater = Templater([uri for _, uri in requests] + [item.uri for item in waiting])
    for same in (lambda a, b: a == b,
                 lambda a, b: templater.endpoint(*a) == templater.endpoint(*b)):
        for item in list(waiting):
            wanted = (item.method.upper(), item.uri)
            found = next((n for n, request in enumerate(requests) if n not in used and same(request, wanted)), None)
            if found is not None:
                where[item.index] = found
                used.add(found)
                waiting.remove(item)
    if waiting:
        item = waiting[0]
        raise CassetteError(path, f"no longer makes the request of the report's interaction {item.index} "
                            f"({item.method} {item.uri}); nothing was written",
                            "run `cassettes refresh` again for a fresh report")
    return where
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
