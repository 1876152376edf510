"""Shapes for display: a body as rows of ``(path, type)`` for the HTML side-by-side view.

The shapes are the drift engine's own (:func:`cassettes_tool.drift.shape.shape_of` over
:func:`cassettes_tool.drift.body.view_body`), so the paths shown are exactly the paths findings
name (``$.user.id``, ``$.items[*]``, ``$.by_id.*``). Each path is one row: its JSON types joined
(``string|null``), ``?`` when the key is missing from some objects, ``array (empty)`` for an array
with no elements. Non-JSON bodies are one row with their kind and media type.

:func:`body_rows` is pure. :func:`recorded_rows` reads the cassettes a report names (the HTML
renderer itself stays pure: callers pass what this returns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.storage import checksum
from cassettes_tool.drift.body import JSON_KINDS, view_body
from cassettes_tool.drift.paths import ITEM, parse_path
from cassettes_tool.drift.shape import shape_of
from cassettes_tool.errors import PathSyntaxError
from cassettes_tool.review.report import Finding, Report

MAX_ROWS = 400  # a huge body is cut: the view is for people
ShapeKey = tuple[str, int]  # (cassette path as written in the report, interaction index)


@dataclass(frozen=True)
class ShapeRow:
    path: str
    kind: str  # "string", "integer|string", "object?", "array (empty)", "non-JSON (text/csv)"


@dataclass(frozen=True)
class RecordedShape:
    """The recorded side of one interaction, or why it cannot be shown."""

    rows: tuple[ShapeRow, ...] | None
    note: str | None = None


def _order(path: str) -> tuple[str, ...]:
    try:
        return parse_path(path)
    except PathSyntaxError:
        return (path,)


def body_rows(response: Response) -> tuple[ShapeRow, ...]:
    """The display shape of a response body, one row per path, parents before children."""
    view = view_body(response)
    if view.kind not in JSON_KINDS:
        return (ShapeRow("$", view.label),)
    shape = shape_of(view.values)
    rows = []
    for path in sorted(shape, key=_order)[:MAX_ROWS]:
        info = shape[path]
        label = info.descriptor or "unknown"
        if info.types == {"array"} and path + ITEM not in shape:
            label = "array (empty)" + ("|null" if info.nullable else "")
        rows.append(ShapeRow(path, label + ("" if info.always else "?")))
    return tuple(rows)


def _segments(path: str) -> tuple[str, ...] | None:
    try:
        return parse_path(path)
    except PathSyntaxError:
        return None


def path_matches(row_path: str, finding_path: str) -> bool:
    """Does a finding's path name this row? ``[*]``, ``.*`` and ``[N]`` match any one segment."""
    if row_path == finding_path:
        return True
    a, b = _segments(row_path), _segments(finding_path)
    if a is None or b is None or len(a) != len(b):
        return False
    return all(x == y or "*" in (x, y) for x, y in zip(a, b, strict=True))


def merge_rows(recorded: tuple[ShapeRow, ...], live: tuple[ShapeRow, ...]) -> list[tuple[str, str | None, str | None]]:
    """Both sides aligned by path: ``(path, recorded kind, live kind)`` in document order."""
    order = [r.path for r in recorded]
    positions = set(order)
    previous: str | None = None
    for row in live:
        if row.path not in positions:
            at = order.index(previous) + 1 if previous in positions else len(order)
            order.insert(at, row.path)
            positions.add(row.path)
        previous = row.path
    rec = {r.path: r.kind for r in recorded}
    liv = {r.path: r.kind for r in live}
    return [(p, rec.get(p), liv.get(p)) for p in order]


def live_rows(live: Response) -> tuple[ShapeRow, ...]:
    """The display shape of a report's live response."""
    return body_rows(live)


def recorded_rows(report: Report, base: Path | None = None) -> dict[ShapeKey, RecordedShape]:
    """Read each cassette of the report and return the recorded shapes of its drifted interactions.

    A cassette that is gone, unreadable, or changed since the report (its sha256 differs) gives a
    note instead of rows: the shape on disk would not be the one that was compared.
    """
    from cassettes_tool.core.reader import parse_cassette
    from cassettes_tool.errors import CassetteError

    base = base or Path.cwd()
    shapes: dict[ShapeKey, RecordedShape] = {}
    for cassette in report.cassettes:
        wanted = [i.index for i in cassette.interactions if i.findings]
        if not wanted:
            continue
        path = Path(cassette.path)
        path = path if path.is_absolute() else base / path
        try:
            data = path.read_bytes()
        except OSError:
            for index in wanted:
                shapes[(cassette.path, index)] = RecordedShape(None, "cassette file not found")
            continue
        if cassette.sha256 and checksum(data) != cassette.sha256:
            for index in wanted:
                shapes[(cassette.path, index)] = RecordedShape(None, "cassette changed since the report")
            continue
        try:
            loaded = parse_cassette(path, data)
        except CassetteError as exc:
            for index in wanted:
                shapes[(cassette.path, index)] = RecordedShape(None, f"cassette unreadable: {exc.problem}")
            continue
        for index in wanted:
            if 0 <= index < len(loaded.interactions):
                shapes[(cassette.path, index)] = RecordedShape(body_rows(loaded.interactions[index].response))
    return shapes


ShapeLine = tuple[str, str | None, str | None, str | None]  # path, recorded, live, highlight


def highlight(rows: list[tuple[str, str | None, str | None]], findings: Sequence[Finding], *,
              recorded_known: bool = True) -> list[ShapeLine]:
    """Rows marked with the worst severity of a body finding naming their path.

    A finding whose path is in neither shape (the recorded side is unknown and a field was
    removed) gets a row of its own from the finding's values; when the recorded side is not
    known, a highlighted row takes its recorded type from the finding. Acknowledged findings mark
    their rows ``acknowledged``, below every severity.
    """
    rank = {"acknowledged": 0, "info": 1, "warning": 2, "breaking": 3}
    body = [f for f in findings if f.path and f.location == "body"]
    out: list[ShapeLine] = []
    for path, rec, live in rows:
        named = [f for f in body if path_matches(path, f.path or "")]
        hits = ["acknowledged" if f.acknowledged else f.severity for f in named]
        if rec is None and not recorded_known and named:
            rec = _text(named[0].recorded)
        out.append((path, rec, live, max(hits, key=rank.__getitem__) if hits else None))
    for finding in body:
        path = finding.path or "$"
        if not any(path_matches(row[0], path) for row in out):
            severity = "acknowledged" if finding.acknowledged else finding.severity
            out.append((path, _text(finding.recorded), _text(finding.live), severity))
    out.sort(key=lambda row: _order(row[0]))
    return out


def _text(value: object) -> str | None:
    return None if value is None else str(value)
