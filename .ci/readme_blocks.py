"""Print the Nth fenced shell block under the README's "Quick start" heading (1-based)."""

from __future__ import annotations

import re
import sys
from pathlib import Path


def quick_start_blocks(text: str) -> list[str]:
    section = re.split(r"^## ", text.split("## Quick start", 1)[1], flags=re.M)[0]
    return [m.group(1).strip() for m in re.finditer(r"```(?:sh|bash|shell)\n(.*?)```", section, re.S)]


if __name__ == "__main__":
    blocks = quick_start_blocks(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(blocks[int(sys.argv[2]) - 1])
