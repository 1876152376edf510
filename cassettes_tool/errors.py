"""Exceptions raised by cassettes_tool, and the exit codes of the command line.

Every error the tool raises on purpose derives from :class:`CassettesError` and carries the
process exit code the CLI turns it into. The CLI catches them in one place
(:mod:`cassettes_tool.cli`) and prints ``str(error)`` as a single line on stderr.

Exit codes (:class:`ExitCode`, the one table every command returns from)::

    0  OK           nothing to report
    1  FINDINGS     drift at or above fail_on, or secrets found
    2  USAGE        bad arguments, configuration, missing input file
    3  INCOMPLETE   some cassettes or interactions could not be checked
    70 INTERNAL     a bug in cassettes (run with -v for the traceback)
    130 INTERRUPTED Ctrl-C

Hierarchy of the errors users see (one line on stderr, then the exit code)::

    CassettesError (exit 2)
    ├── UsageError (exit 2)              bad arguments or combinations of arguments
    │   └── PruneRefused                 the usage ledger cannot be trusted and --force was not given
    ├── ConfigError (exit 2)             [tool.cassettes] unknown key or bad value
    ├── CassetteError (exit 3)           a cassette file could not be read or written
    │   ├── CassetteNotFoundError
    │   ├── CassetteFormatError          not YAML/JSON, not a vcrpy cassette, unsafe tag ...
    │   ├── CassetteChangedError         the file on disk is not the one a report was made from
    │   └── CassetteExpiredError         older than max_age with on_expired = "fail" (in tests)
    ├── ReportError (exit 2)             a drift report is malformed or of another schema
    └── LiveError (exit 3)               the live API could not be reached at all

Internal signals, caught inside the library and never shown as such::

    LiveFailure                          one live call could not be checked (the report's reason)
    AliasError, UnsafeTagError           (ValueError) hostile YAML, mapped to CassetteFormatError
    DeepDocumentError                    (RecursionError) YAML nested too deep, likewise
    PathSyntaxError                      (ValueError) a drift path in the config is malformed
    DriftEngineError                     (RuntimeError) a bug in the drift engine, never swallowed
    RecordedTestFailed                   the test's own failure, seen when its cassette closes
    RefreshInterrupted                   (KeyboardInterrupt) Ctrl-C during a refresh, with the partial outcome
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """The process exit codes, the same for every command."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    INCOMPLETE = 3
    INTERNAL = 70  # sysexits' EX_SOFTWARE: never mistaken for a usage error or for drift
    INTERRUPTED = 130


EXIT_OK = ExitCode.OK
EXIT_DRIFT = ExitCode.FINDINGS
EXIT_USAGE = ExitCode.USAGE
EXIT_INCOMPLETE = ExitCode.INCOMPLETE


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


class DeepDocumentError(RecursionError):
    """A YAML document nested deeper than the reader allows."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"YAML nested deeper than {max_depth} levels")


class UnsafeTagError(ValueError):
    """A YAML tag that would construct an arbitrary Python object."""

    def __init__(self, tag: str, line: int) -> None:
        super().__init__(f"unsafe YAML tag {tag!r} at line {line}")
        self.tag = tag
        self.line = line


class AliasError(ValueError):
    """YAML aliases that make recursive data or expand far beyond the file ("billion laughs")."""


class CassetteChangedError(CassetteError):
    """The cassette on disk is not the one a report was made from."""


class CassetteExpiredError(CassetteError):
    """A cassette is older than ``max_age`` and ``on_expired = "fail"``."""


class PruneRefused(UsageError):
    """The ledger cannot be trusted for pruning and --force was not given."""


class LiveFailure(Exception):
    """A call that could not be checked; ``str()`` is the one-line reason for the report.

    ``unreachable`` marks failures of the host itself (refused, unknown name, connect timeout):
    the runner then does not try that host again in this run.
    """

    def __init__(self, reason: str, *, unreachable: bool = False) -> None:
        super().__init__(reason)
        self.unreachable = unreachable


class BodyTooLargeError(ValueError):
    """A body that decompresses past the size limit (a gzip bomb); nothing beyond it was kept."""


class PathSyntaxError(ValueError):
    """A drift path is not in the documented syntax (``$.a[*].b``)."""


class DriftEngineError(RuntimeError):
    """An internal error of the drift engine (a bug, not a user error): never silently ignored."""


class RecordedTestFailed(Exception):
    """Stands for the test's own failure when the cassette closes in fixture teardown."""


class RefreshInterrupted(KeyboardInterrupt):
    """Ctrl-C during a refresh: ``outcome`` is what was done before it (a ``RefreshOutcome`` whose
    report has status ``incomplete``; the cassettes in ``outcome.updated`` were written)."""

    def __init__(self, outcome: object) -> None:
        super().__init__("interrupted")
        self.outcome = outcome
