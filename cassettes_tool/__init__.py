"""cassettes: keep recorded HTTP interactions (vcrpy cassettes) honest.

The public API is what ``__all__`` lists; every submodule is internal and may change between
releases. Names load lazily: ``import cassettes_tool`` (the CLI, the pytest plugin) imports
neither vcrpy nor deepdiff.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cassettes_tool._version import __version__

if TYPE_CHECKING:
    from cassettes_tool.core.cassette import Cassette, Interaction, Request, Response
    from cassettes_tool.core.reader import load_cassette
    from cassettes_tool.drift import compare_responses
    from cassettes_tool.errors import (
        CassetteError,
        CassettesError,
        ConfigError,
        ExitCode,
        ReportError,
        UsageError,
    )
    from cassettes_tool.recording.api import use_cassette
    from cassettes_tool.review.render import render_report
    from cassettes_tool.review.report import Report, load_report

#: public name -> the module that defines it
_PUBLIC: dict[str, str] = {
    "Cassette": "cassettes_tool.core.cassette",
    "CassetteError": "cassettes_tool.errors",
    "CassettesError": "cassettes_tool.errors",
    "ConfigError": "cassettes_tool.errors",
    "ExitCode": "cassettes_tool.errors",
    "Interaction": "cassettes_tool.core.cassette",
    "Report": "cassettes_tool.review.report",
    "ReportError": "cassettes_tool.errors",
    "Request": "cassettes_tool.core.cassette",
    "Response": "cassettes_tool.core.cassette",
    "UsageError": "cassettes_tool.errors",
    "compare_responses": "cassettes_tool.drift",
    "load_cassette": "cassettes_tool.core.reader",
    "load_report": "cassettes_tool.review.report",
    "render_report": "cassettes_tool.review.render",
    "use_cassette": "cassettes_tool.recording.api",
}

__all__ = [
    "Cassette",
    "CassetteError",
    "CassettesError",
    "ConfigError",
    "ExitCode",
    "Interaction",
    "Report",
    "ReportError",
    "Request",
    "Response",
    "UsageError",
    "__version__",
    "compare_responses",
    "load_cassette",
    "load_report",
    "render_report",
    "use_cassette",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
