"""``cassettes diff OLD NEW``: structural drift between two cassette files, as a drift report.

OLD plays the recorded side and NEW the live side. Interactions pair by request as replay
matches them (:mod:`cassettes_tool.drift.pairing`). Decisions:

* the report has one cassette entry, NEW's path (relative to the working directory);
* a paired interaction is ``ok`` or ``drift``; its index is NEW's;
* a request only in NEW is ``skipped`` ("only in NEW ...": nothing recorded to compare with);
* a request only in OLD is ``skipped`` ("only in OLD ...", with OLD's index): a test that
  stopped making a request is not API drift, but the reviewer sees it;
* NEW's response is kept as the report's ``live`` response (bodies decoded; the file on disk is
  already filtered);
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
from cassettes_tool.core.reader import load_cassette
from cassettes_tool.core.storage import file_sha256, now_iso
from cassettes_tool.drift import cassette_key, compare_responses
from cassettes_tool.drift.pairing import pair_interactions
from cassettes_tool.review.report import (
    CassetteResult,
    InteractionResult,
    Report,
    cassette_status,
    interaction_status,
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
    recorded: dict[int, Response] = {}
    for pair in pair_interactions(old, new, config.match_on):
        if pair.old is not None and pair.new is not None:
            result.interactions.append(_compared(old.interactions[pair.old], new.interactions[pair.new],
                                                 pair.new, config, new_path))
            recorded[pair.new] = old.interactions[pair.old].response
        elif pair.new is not None:
            interaction = new.interactions[pair.new]
            result.interactions.append(InteractionResult(
                index=pair.new, method=interaction.request.method, uri=interaction.request.uri,
                status="skipped", reason="only in NEW: nothing recorded in OLD to compare with",
                live=_live(interaction),
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
    return CassetteDiff(report, recorded)


def _side(cassette: Cassette, path: Path) -> dict[str, str | None]:
    when, _ = recorded_at(cassette, path)
    stamp = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None
    return {"path": display_path(path), "recorded_at": stamp}


def _compared(old: Interaction, new: Interaction, index: int, config: Config, new_path: Path) -> InteractionResult:
    findings = compare_responses(old.response, [new.response], method=new.request.method,
                                 uri=new.request.uri, config=config.drift,
                                 cassette=cassette_key(new_path, config.root))
    return InteractionResult(
        index=index, method=new.request.method, uri=new.request.uri, status=interaction_status(findings),
        recorded=_recorded(old), live=_live(new), findings=findings,
    )


def _recorded(interaction: Interaction) -> dict[str, object]:
    return {"status": interaction.response.status, "content_type": interaction.response.content_type}


def _live(interaction: Interaction) -> Response:
    return interaction.response.decoded()
