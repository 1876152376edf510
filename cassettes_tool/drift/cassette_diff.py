"""``cassettes diff OLD NEW``: structural drift between two cassette files, as a drift report.

OLD plays the recorded side and NEW the live side. Interactions pair by request as replay
matches them, then by endpoint (:mod:`cassettes_tool.drift.pairing`), with the templates of the
endpoint model: the project's cassettes (``cassette_dir``, NEW left out) and OLD teach shapes,
NEW's URLs teach templates too. Decisions:

* the report has one cassette entry, NEW's path (relative to the working directory);
* a paired interaction is ``ok``, ``drift`` or ``not_compared``; its index is NEW's; its
  ``pairing`` says how it was paired (``request`` or ``endpoint``, with OLD's URL in ``reason``);
* a request only in NEW is ``skipped`` ("only in NEW ...": nothing recorded to compare with);
* a request only in OLD is ``skipped`` ("only in OLD ...", with OLD's index): a test that
  stopped making a request is not API drift, but the reviewer sees it;
* NEW's response is kept as the report's ``live`` response (bodies decoded), through the
  recording filter with the project's lists: NEW may come from a tool that filters nothing;
* the report's ``compared`` names the two files and when each was recorded (its
  ``recorded_at`` metadata, else its last git commit, else its modification time): that, not the
  few milliseconds the comparison took, is what a reader of the diff wants to know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from cassettes_tool.core.age import recorded_at
from cassettes_tool.core.cassette import Cassette, Interaction, Response
from cassettes_tool.core.config import Config
from cassettes_tool.core.discovery import display_path
from cassettes_tool.core.filters import FilterRules, filter_response
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.core.storage import file_sha256, now_iso
from cassettes_tool.drift import cassette_key, compare_interaction
from cassettes_tool.drift.endpoint_cache import suite_model
from cassettes_tool.drift.endpoints import EndpointModel, cassette_samples
from cassettes_tool.drift.grouping import group_findings
from cassettes_tool.drift.pairing import ENDPOINT, pair_interactions
from cassettes_tool.review.report import (
    CassetteResult,
    InteractionResult,
    Report,
    cassette_status,
)


@dataclass
class CassetteDiff:
    """The report, and OLD's response for each compared interaction (by NEW's index)."""

    report: Report
    recorded: dict[int, Response] = field(default_factory=dict)


def diff_cassettes(old_path: Path, new_path: Path, config: Config) -> CassetteDiff:
    """Compare two cassette files; unreadable files raise :class:`~cassettes_tool.errors.CassetteError`."""
    started = now_iso()
    old = load_cassette(old_path)
    new = load_cassette(new_path)
    result = CassetteResult(path=display_path(new_path), status="ok", sha256=file_sha256(new_path))
    model = suite_model(config, exclude=[old_path, new_path], uris=[i.request.uri for i in new.interactions],
                        extra=cassette_samples(old))
    recorded: dict[int, Response] = {}
    rules = FilterRules.from_config(config)
    for pair in pair_interactions(old, new, config.match_on, model.templater):
        if pair.old is not None and pair.new is not None:
            item = _compared(old.interactions[pair.old], new.interactions[pair.new], pair.new, config,
                             new_path, model, rules)
            item.pairing = pair.how
            if pair.how == ENDPOINT:
                endpoint = model.endpoint(item.method, item.uri)
                paired = (f"paired by endpoint {endpoint.short} with OLD's interaction {pair.old} "
                          f"({old.interactions[pair.old].request.uri})")
                item.reason = f"{paired}; {item.reason}" if item.reason else paired
            result.interactions.append(item)
            recorded[pair.new] = old.interactions[pair.old].response
        elif pair.new is not None:
            interaction = new.interactions[pair.new]
            result.interactions.append(InteractionResult(
                index=pair.new, method=interaction.request.method, uri=interaction.request.uri,
                status="skipped", reason="only in NEW: nothing recorded in OLD to compare with",
                live=_live(interaction, rules),
            ))
        elif pair.old is not None:
            interaction = old.interactions[pair.old]
            result.interactions.append(InteractionResult(
                index=pair.old, method=interaction.request.method, uri=interaction.request.uri,
                status="skipped",
                reason=f"only in OLD (interaction {pair.old} there): NEW no longer makes this request",
                recorded=_recorded(interaction),
            ))
    result.status = cassette_status(result)
    report = Report(started_at=started, finished_at=now_iso(), cassettes=[result], command="diff",
                    compared=[_side(old, old_path), _side(new, new_path)])
    group_findings(report, model=model)
    return CassetteDiff(report, recorded)


def _side(cassette: Cassette, path: Path) -> dict[str, str | None]:
    when, _ = recorded_at(cassette, path)
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None
    return {"path": display_path(path), "recorded_at": stamp}


def _compared(old: Interaction, new: Interaction, index: int, config: Config, new_path: Path,
              model: EndpointModel, rules: FilterRules) -> InteractionResult:
    known = model.shape(old.request.method, old.request.uri, old.response.status)
    comparison = compare_interaction(old.response, [new.response], method=new.request.method,
                                     uri=new.request.uri, config=config.drift,
                                     cassette=cassette_key(new_path, config.root), known=known,
                                     sides=("OLD", "NEW"))
    return InteractionResult(
        index=index, method=new.request.method, uri=new.request.uri, status=comparison.status,
        reason=comparison.not_compared, recorded=_recorded(old), live=_live(new, rules), findings=comparison.findings,
    )


def _recorded(interaction: Interaction) -> dict[str, object]:
    return {"status": interaction.response.status, "content_type": interaction.response.content_type}


def _live(interaction: Interaction, rules: FilterRules) -> Response:
    return filter_response(interaction.response.decoded(), rules)
