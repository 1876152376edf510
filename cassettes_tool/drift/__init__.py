"""The drift engine: what changed in the *contract* between a recorded and a live response.

Layers, each producing :class:`~cassettes_tool.review.report.Finding` objects (docs/drift-kinds.md):
status (:mod:`.classify`), then — unless the status class changed, when the body is another
document altogether — media type, watched headers, body format (:mod:`.body`) and the body
shape (:mod:`.shape` -> :mod:`.compare` (deepdiff) -> :mod:`.classify`). ``ignore`` paths of
``[tool.cassettes.drift]`` are dropped last (:mod:`.paths`).

With an endpoint shape from the endpoint model (:mod:`.endpoints`), classification knows what
every recorded sample of the endpoint showed. :func:`compare_interaction` also says when one side
gave nothing structural to compare (the ``not_compared`` status).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cassettes_tool.core.bodies import is_json_media
from cassettes_tool.core.cassette import Response
from cassettes_tool.core.config import DriftConfig
from cassettes_tool.core.gcpause import collector_paused
from cassettes_tool.drift.body import EMPTY, JSON_KINDS, OTHER, BodyView, view_body
from cassettes_tool.drift.classify import (
    RequestId,
    body_format_finding,
    content_type_finding,
    header_findings,
    shape_findings,
    sort_findings,
    status_finding,
)
from cassettes_tool.drift.compare import diff_shapes
from cassettes_tool.drift.endpoints import EndpointShape
from cassettes_tool.drift.fingerprint import cassette_key, fingerprint, request_key
from cassettes_tool.drift.paths import IgnoreRules
from cassettes_tool.drift.shape import ARRAY, OBJECT, Shape, shape_of
from cassettes_tool.errors import DriftEngineError
from cassettes_tool.review.report import Finding

__all__ = ["Comparison", "DriftEngineError", "cassette_key", "compare_interaction", "compare_responses",
           "fingerprint", "request_key"]

_CONTAINERS = frozenset((OBJECT, ARRAY))


@dataclass
class Comparison:
    """The findings, and why nothing could be compared (None when something was)."""

    findings: list[Finding] = field(default_factory=list)
    not_compared: str | None = None

    @property
    def status(self) -> str:
        if self.findings:
            return "drift"
        return "not_compared" if self.not_compared else "ok"


def compare_responses(
    recorded: Response,
    live: Sequence[Response],
    *,
    method: str,
    uri: str,
    config: DriftConfig,
    cassette: str = "",
    known: EndpointShape | None = None,
) -> list[Finding]:
    """Structural findings, sorted deterministically (severity, then path). Never raises on any bytes.

    ``live`` holds 1..N samples of the same request. Status, content type, headers and body
    format are compared with the first sample; the body shapes of all samples of the first
    sample's body kind merge into one, so a field that is sometimes null or absent is not drift.
    ``known``: the endpoint's merged recorded shape (suite knowledge, docs/drift-kinds.md).
    """
    return compare_interaction(recorded, live, method=method, uri=uri, config=config, cassette=cassette,
                               known=known).findings


def compare_interaction(
    recorded: Response,
    live: Sequence[Response],
    *,
    method: str,
    uri: str,
    config: DriftConfig,
    cassette: str = "",
    known: EndpointShape | Callable[[], EndpointShape | None] | None = None,
    sides: tuple[str, str] = ("recorded", "live"),
) -> Comparison:
    """:func:`compare_responses`, and whether anything structural was compared at all.

    ``known`` may be a function that gives the endpoint's shape: it is called only when the body
    shapes differ (refresh builds the endpoint model while its first calls are in flight).

    Not compared (when there is no finding): both bodies should be JSON and neither parses, or
    one side's JSON holds no field or value (``[]``, ``{}``, ``{"items": []}``) while the
    other's does. ``sides`` names the two sides in that reason.
    """
    if not live:
        raise ValueError("compare_responses needs at least one live response")
    request = RequestId(method, uri, cassette)
    first = live[0]
    findings: list[Finding] = []
    if recorded.status != first.status:
        findings.append(status_finding(request, recorded.status, first.status))
        if recorded.status // 100 != first.status // 100:
            # Another class of status means another document (an error page, a redirect):
            # comparing its body with the recorded one would only add noise.
            return Comparison(findings)
    skip_headers: list[str] = []
    recorded_media, live_media = recorded.content_type, first.content_type
    if recorded_media and live_media and recorded_media != live_media:
        findings.append(content_type_finding(request, recorded_media, live_media))
        skip_headers.append("content-type")  # the same change, already reported
    findings += header_findings(request, config.watch_headers, recorded.headers, first.headers,
                                skip=skip_headers)
    with collector_paused():  # parsed JSON has no cycles: see core/gcpause.py
        not_compared = _compare_bodies(request, recorded, live, config, known, sides, findings)
    ignore = IgnoreRules(config.ignore)
    if ignore:
        findings = [f for f in findings if not (f.location == "body" and ignore.covers(f.path))]
    return Comparison(sort_findings(findings), None if findings else not_compared)


def _compare_bodies(request: RequestId, recorded: Response, live: Sequence[Response], config: DriftConfig,
                    known: EndpointShape | Callable[[], EndpointShape | None] | None, sides: tuple[str, str],
                    findings: list[Finding]) -> str | None:
    """Body format and body shape findings (appended to ``findings``); why nothing was compared."""
    first = live[0]
    before, after = view_body(recorded), view_body(first)
    not_compared: str | None = None
    # An empty recorded body had no format a consumer could depend on: a body appearing is not drift.
    if before.kind != after.kind and before.kind != EMPTY and (before.kind in JSON_KINDS or after.kind in JSON_KINDS):
        findings.append(body_format_finding(request, before.kind, before.label, after.kind, after.label))
    elif before.kind in JSON_KINDS:
        samples = [value for view in (after, *map(view_body, live[1:])) if view.kind == after.kind
                   for value in view.values]
        strict = config.strict_numbers
        recorded_shape = shape_of(before.values, strict_numbers=strict)
        live_shape = shape_of(samples, strict_numbers=strict)
        delta = diff_shapes(recorded_shape, live_shape)
        if delta:
            suite = known() if callable(known) else known
            findings += shape_findings(request, recorded_shape, live_shape, delta, suite, strict_numbers=strict)
        not_compared = _one_side_empty(recorded_shape, live_shape, sides)
    elif _unparseable(before) and _unparseable(after):
        not_compared = f"not compared: neither body parses as JSON ({before.label}, {after.label})"
    return not_compared


def _has_fields(shape: Shape) -> bool:
    """Does the shape hold a value anywhere (a string, number, boolean or null), not only
    empty arrays and objects?"""
    return any(info.nullable or not info.types <= _CONTAINERS for info in shape.values())


def _one_side_empty(recorded: Shape, live: Shape, sides: tuple[str, str]) -> str | None:
    has_recorded, has_live = _has_fields(recorded), _has_fields(live)
    if has_recorded == has_live:
        return None
    empty, full = (sides[1], sides[0]) if has_recorded else (sides[0], sides[1])
    return (f"not compared: the {empty} body is an empty array or object, nothing to compare "
            f"with the {full} one")


def _unparseable(view: BodyView) -> bool:
    """A body that says it is JSON and does not parse."""
    return view.kind == OTHER and is_json_media(view.media)
