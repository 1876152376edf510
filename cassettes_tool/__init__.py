"""cassettes: keep recorded HTTP interactions (vcrpy cassettes) honest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "use_cassette"]

if TYPE_CHECKING:
    from .recording.api import use_cassette


def __getattr__(name: str) -> Any:
    # Lazy: `import cassettes_tool` (the CLI, the pytest plugin) must not import vcrpy.
    if name == "use_cassette":
        from .recording.api import use_cassette

        return use_cassette
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
