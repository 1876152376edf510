"""The JSON documents cassettes writes (reports, baselines, ledgers, plans, audits) and reads.

Every machine-output document starts with the same envelope, built by :func:`document`::

    {"schema_version": 1, "tool": {"name": "cassettes", "version": "0.1.0"}, ...}

and is serialised by :func:`dumps_document` (two-space indent, UTF-8 kept, final newline).
Reading one back gives one-line errors (:func:`read_json`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cassettes_tool._version import __version__
from cassettes_tool.errors import CassettesError

TOOL_NAME = "cassettes"


def document(schema_version: int, fields: Mapping[str, Any], *, tool_version: str = __version__) -> dict[str, Any]:
    """``{"schema_version": ..., "tool": {"name": "cassettes", "version": ...}}`` then ``fields`` in order."""
    return {"schema_version": schema_version, "tool": {"name": TOOL_NAME, "version": tool_version}, **fields}


def dumps_document(value: Any) -> str:
    """The text of a machine-output document: indented JSON, non-ASCII kept, one final newline."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def read_json(path: Path, what: str, *, missing: str, fix: str,
              error: type[CassettesError] = CassettesError) -> Any:
    """The document in ``path``. Every problem raises ``error`` with one line that names the file,
    says it should be a ``what``, and ends with ``fix`` (``missing`` when there is no file).
    ``-`` reads the document from stdin."""
    try:
        # "-" on the command line: the document comes from stdin.
        text = sys.stdin.buffer.read().decode("utf-8") if str(path) == "-" else path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: {missing}") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: {what} is not UTF-8 text (byte {exc.start}); {fix}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path}: line {exc.lineno}: {what} is not valid JSON ({exc.msg}); {fix}") from None
    except (ValueError, RecursionError) as exc:  # nesting, or an integer over 4,300 digits
        raise error(f"{path}: {what} is not usable JSON ({exc}); {fix}") from None
