"""Which operations and response codes of a spec the cassettes exercise (``check --coverage``)."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Any

from cassettes_tool.core.jsonfile import document
from cassettes_tool.openapi.spec import Spec

COVERAGE_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Coverage:
    """Counts, percentages and what no cassette records."""

    operations: int
    operations_covered: int
    responses: int
    responses_covered: int
    uncovered_operations: tuple[str, ...]
    uncovered_responses: tuple[str, ...]  # "GET /users/{id} 404"

    @staticmethod
    def percent(part: int, whole: int) -> float:
        return round(100.0 * part / whole, 1) if whole else 100.0

    def to_json(self) -> dict[str, Any]:
        return document(COVERAGE_SCHEMA_VERSION, {
            "operations": {"total": self.operations, "covered": self.operations_covered,
                           "percent": self.percent(self.operations_covered, self.operations)},
            "responses": {"total": self.responses, "covered": self.responses_covered,
                          "percent": self.percent(self.responses_covered, self.responses)},
            "uncovered_operations": list(self.uncovered_operations),
            "uncovered_responses": list(self.uncovered_responses),
        })


def coverage(spec: Spec, exercised: Set[tuple[str, str]]) -> Coverage:
    """Coverage of ``spec`` by the (operation name, response key) pairs seen."""
    operations = sorted(spec.operations, key=lambda op: (op.path, op.method))
    covered_ops = {name for name, _ in exercised}
    pairs = [(op.name, code) for op in operations for code in sorted(op.responses)]
    return Coverage(
        operations=len(operations),
        operations_covered=sum(1 for op in operations if op.name in covered_ops),
        responses=len(pairs),
        responses_covered=sum(1 for pair in pairs if pair in exercised),
        uncovered_operations=tuple(op.name for op in operations if op.name not in covered_ops),
        uncovered_responses=tuple(f"{name} {code}" for name, code in pairs if (name, code) not in exercised),
    )


def render_coverage(cov: Coverage, fmt: str) -> str:
    """Text, Markdown or JSON."""
    if fmt == "json":
        from cassettes_tool.core.jsonfile import dumps_document

        return dumps_document(cov.to_json())
    ops = f"{cov.operations_covered}/{cov.operations} ({cov.percent(cov.operations_covered, cov.operations)}%)"
    res = f"{cov.responses_covered}/{cov.responses} ({cov.percent(cov.responses_covered, cov.responses)}%)"
    if fmt == "markdown":
        lines = ["## Spec coverage", "", "| | covered |", "| --- | --- |",
                 f"| operations | {ops} |", f"| response codes | {res} |", ""]
        if cov.uncovered_operations:
            lines += ["Operations no cassette records:", ""] + [f"- `{name}`" for name in cov.uncovered_operations]
            lines.append("")
        if cov.uncovered_responses:
            lines += ["Response codes no cassette records:", ""] + [f"- `{name}`" for name in cov.uncovered_responses]
            lines.append("")
        return "\n".join(lines)
    lines = [f"spec coverage: operations {ops}, response codes {res}"]
    if cov.uncovered_operations:
        lines.append("operations no cassette records:")
        lines += [f"  {name}" for name in cov.uncovered_operations]
    if cov.uncovered_responses:
        lines.append("response codes no cassette records:")
        lines += [f"  {name}" for name in cov.uncovered_responses]
    return "\n".join(lines) + "\n"
