"""Read the JSON files cassettes itself writes (reports, baselines, usage ledgers) with one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cassettes_tool.errors import CassettesError


def read_json(path: Path, what: str, *, missing: str, fix: str,
              error: type[CassettesError] = CassettesError) -> Any:
    """The document in ``path``. Every problem raises ``error`` with one line that names the file,
    says it should be a ``what``, and ends with ``fix`` (``missing`` when there is no file)."""
    try:
        text = path.read_text(encoding="utf-8")
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
