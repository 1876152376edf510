"""Findings from differences, exactly per the table in docs/drift-kinds.md.

| kind | severity |
| --- | --- |
| status_changed | breaking if the class changes (2xx -> 4xx), else warning |
| content_type_changed | breaking (media type; parameters such as charset ignored); warning between two JSON media types (application/json, *+json) |
| body_format_changed | breaking (JSON became non-JSON or the reverse) |
| field_removed | breaking if the field was always present, warning if optional; info when other recorded samples of the endpoint lack it |
| field_added | info |
| type_changed | breaking |
| nullability_changed | warning when a value became null; info when null became a value |
| header_changed | info, or warning for a watched header removed |

Not drift: values, array lengths and order, an empty array (or map) that is now full or the
reverse, integer vs float (unless ``strict_numbers``), a field that the live samples show
sometimes null or sometimes absent, live types that the recording already showed — or that any
recorded sample of the same endpoint showed (the endpoint model, :mod:`.endpoints`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cassettes_tool.core.bodies import is_json_media
from cassettes_tool.drift.compare import ShapeDelta
from cassettes_tool.drift.endpoints import EndpointShape
from cassettes_tool.drift.fingerprint import fingerprint
from cassettes_tool.drift.shape import ARRAY, NULL, OBJECT, PathInfo, Shape
from cassettes_tool.review.report import Finding

BREAKING, WARNING, INFO = "breaking", "warning", "info"
_CONTAINER_OF = {"key": OBJECT, "member": OBJECT, "item": ARRAY}


@dataclass(frozen=True)
class RequestId:
    """The request a finding belongs to (for its fingerprint)."""

    method: str
    uri: str
    cassette: str = ""

    def finding(
        self, severity: str, kind: str, location: str, path: str | None,
        recorded: object, live: object, message: str,
    ) -> Finding:
        return Finding(
            fingerprint=fingerprint(self.method, self.uri, kind, path, self.cassette), severity=severity, kind=kind,
            location=location, path=path, recorded=recorded, live=live, message=message,
        )


def status_finding(request: RequestId, recorded: int, live: int) -> Finding:
    """``status_changed``: breaking across classes (2xx -> 4xx), warning within one (200 -> 201)."""
    severity = BREAKING if recorded // 100 != live // 100 else WARNING
    return request.finding(severity, "status_changed", "status", None, recorded, live,
                           f"status changed from {recorded} to {live}")


def content_type_finding(request: RequestId, recorded: str, live: str) -> Finding:
    """Breaking, except between two JSON media types (``application/json`` and ``*+json``):
    the body still parses the same way, so a warning."""
    if is_json_media(recorded) and is_json_media(live):
        return request.finding(WARNING, "content_type_changed", "content_type", None, recorded, live,
                               f"content type changed from {recorded} to {live} (both JSON)")
    return request.finding(BREAKING, "content_type_changed", "content_type", None, recorded, live,
                           f"content type changed from {recorded} to {live}")


def body_format_finding(request: RequestId, recorded_kind: str, recorded_label: str,
                        live_kind: str, live_label: str) -> Finding:
    return request.finding(BREAKING, "body_format_changed", "body", "$", recorded_kind, live_kind,
                           f"body changed from {recorded_label} to {live_label}")


def header_findings(
    request: RequestId, watched: Iterable[str],
    recorded: dict[str, list[str]], live: dict[str, list[str]], *, skip: Iterable[str] = (),
) -> list[Finding]:
    """``header_changed`` for each watched header: removed = warning, added or changed = info."""
    old, new = _lower(recorded), _lower(live)
    skipped = {s.lower() for s in skip}
    findings = []
    for name in dict.fromkeys(h.lower() for h in watched):
        if name in skipped:
            continue
        before, after = old.get(name), new.get(name)
        if before is not None and after is None:
            findings.append(request.finding(WARNING, "header_changed", "headers", name, before, None,
                                            f"header {name} was removed (was {before!r})"))
        elif before is None and after is not None:
            findings.append(request.finding(INFO, "header_changed", "headers", name, None, after,
                                            f"header {name} was added ({after!r})"))
        elif before is not None and after is not None and _norm(name, before) != _norm(name, after):
            findings.append(request.finding(INFO, "header_changed", "headers", name, before, after,
                                            f"header {name} changed from {before!r} to {after!r}"))
    return findings


def _lower(headers: dict[str, list[str]]) -> dict[str, str]:
    joined: dict[str, list[str]] = {}
    for name, values in headers.items():
        joined.setdefault(name.lower(), []).extend(values)
    return {name: ", ".join(values) for name, values in joined.items()}


def _norm(name: str, value: str) -> str:
    # Media-type-like values differ only in spacing and case of their parameters.
    text = " ".join(value.split())
    return text.lower().replace("; ", ";") if name == "content-type" else text


def shape_findings(request: RequestId, recorded: Shape, live: Shape, delta: ShapeDelta,
                   known: EndpointShape | None = None, *, strict_numbers: bool = False) -> list[Finding]:
    """Classify the paths deepdiff found between two body shapes.

    ``known`` is what every recorded sample of the endpoint shows (the endpoint model): a field
    other samples lack is optional (its removal is info, with the evidence in the message), and
    a type or null any sample showed is not a change.
    """
    findings: list[Finding] = []
    for path in delta.removed:
        info = recorded[path]
        if _covered(info, live):
            continue
        absent = known.absent_in(path) if known is not None else None
        if absent is not None:
            findings.append(request.finding(
                INFO, "field_removed", "body", path, info.type_name, None,
                f"optional field {path} ({info.type_name}) is gone "
                f"(optional: absent in {absent[0]} of {absent[1]} recorded samples)",
            ))
            continue
        severity = BREAKING if info.always else WARNING
        optional = "" if info.always else "optional "
        findings.append(request.finding(
            severity, "field_removed", "body", path, info.type_name, None,
            f"{optional}field {path} ({info.type_name}) is gone",
        ))
    for path in delta.added:
        info = live[path]
        if _covered(info, recorded):
            continue
        findings.append(request.finding(
            INFO, "field_added", "body", path, None, info.type_name,
            f"new field {path} ({info.type_name})",
        ))
    for path in delta.changed:
        finding = _changed(request, recorded[path], live[path], known, strict_numbers)
        if finding is not None:
            findings.append(finding)
    return findings


def _covered(info: PathInfo, other: Shape) -> bool:
    """Is a path present on one side only *not* a finding of its own?

    It is not when its parent is missing on the other side (the parent is the finding), when
    the parent there is no longer the container this path lives in (a type or nullability
    change of the parent is the finding), and when it is an array element or map member while
    the container there is empty (lengths are not drift).
    """
    if info.parent is None:
        return False
    parent = other.get(info.parent)
    if parent is None:
        return True
    if _CONTAINER_OF[info.segment] not in parent.types:
        return True
    return info.segment in ("item", "member")


def _changed(request: RequestId, before: PathInfo, after: PathInfo,
             known: EndpointShape | None = None, strict_numbers: bool = False) -> Finding | None:
    path = before.path
    if before.types and not after.types:  # always null now
        if before.nullable or (known is not None and known.null_seen(path)):
            return None  # the recording (or another recorded sample) already showed null here
        return request.finding(WARNING, "nullability_changed", "body", path, before.type_name, NULL,
                               f"{path} became null (was {before.type_name})")
    if not before.types and after.types:  # only null was recorded
        return request.finding(INFO, "nullability_changed", "body", path, NULL, after.type_name,
                               f"{path} is no longer null (now {after.type_name})")
    new_types = after.types - before.types
    if new_types and known is not None:
        new_types -= known.types_seen(path, strict_numbers=strict_numbers)  # a union seen before
    if new_types:
        return request.finding(BREAKING, "type_changed", "body", path, before.type_name, after.type_name,
                               f"{path} changed type from {before.type_name} to {after.type_name}")
    return None  # narrower or equal types, or null seen in only some samples: not drift


SEVERITY_ORDER = {BREAKING: 0, WARNING: 1, INFO: 2}
LOCATION_ORDER = {"status": 0, "content_type": 1, "headers": 2, "body": 3}


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Deterministic order: severity, then location, then path, then kind."""
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), LOCATION_ORDER.get(f.location, 9),
                                           f.path or "", f.kind, f.fingerprint))
