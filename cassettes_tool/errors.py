"""Exceptions raised by cassettes_tool.

Every error the tool raises on purpose derives from :class:`CassettesError` and carries the
process exit code the CLI turns it into. The CLI catches them in one place (``cli.main``) and
prints ``str(error)`` as a single line on stderr.

Hierarchy::

    CassettesError (exit 2)
    ├── UsageError (exit 2)              bad arguments or combinations of arguments
    ├── ConfigError (exit 2)             [tool.cassettes] unknown key or bad value
    ├── CassetteError (exit 3)           a cassette file could not be read or written
    │   ├── CassetteNotFoundError
    │   └── CassetteFormatError          not YAML/JSON, not a vcrpy cassette, unsafe tag ...
    ├── ReportError (exit 2)             a drift report is malformed or of another schema
    └── LiveError (exit 3)               the live API could not be reached at all
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_DRIFT = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


class CassettesError(Exception):
    """Base of every error cassettes_tool raises deliberately."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str) -> None:
        # One line, always: messages are printed as-is by the CLI.
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)


class UsageError(CassettesError):
    """The command line asked for something impossible."""


class ConfigError(CassettesError):
    """The configuration has an unknown key or an invalid value."""


class CassetteError(CassettesError):
    """A cassette could not be read or written."""

    exit_code = EXIT_INCOMPLETE

    def __init__(self, path: Path | str, problem: str, fix: str | None = None) -> None:
        self.path = Path(path)
        self.problem = problem
        self.fix = fix
        text = f"{path}: {problem}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)


class CassetteNotFoundError(CassetteError):
    """The cassette file does not exist."""


class CassetteFormatError(CassetteError):
    """The file exists but is not a cassette this tool can read."""


class ReportError(CassettesError):
    """A drift report file is malformed or has an unsupported schema version."""


class LiveError(CassettesError):
    """The live API could not be used at all (not a per-interaction failure)."""

    exit_code = EXIT_INCOMPLETE
