"""Plain-text tables for terminal output."""

from __future__ import annotations

from collections.abc import Sequence

from cassettes_tool.housekeeping.inventory import Row


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _age(days: float | None) -> str:
    if days is None:
        return "?"
    if days < 1:
        return f"{days * 24:.0f}h"
    return f"{days:.0f}d"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def render_inventory(rows: Sequence[Row]) -> str:
    """The ``cassettes list`` table, then one line per unreadable file and a total."""
    good = [r for r in rows if r.error is None]
    bad = [r for r in rows if r.error is not None]
    body = [
        [
            r.path, str(r.interactions), _cut(",".join(r.hosts) or "-", 32), _cut(",".join(r.methods) or "-", 20),
            human_size(r.size), _age(r.age_days),
            "-" if r.used_by is None else (str(len(r.used_by)) + " test(s)" if r.used_by else "unused"),
        ]
        for r in good
    ]
    out = [table(["PATH", "INT", "HOSTS", "METHODS", "SIZE", "AGE", "USED-BY"], body)] if good else []
    for r in bad:
        out.append(f"ERROR {r.error}")
    total = sum(r.interactions for r in good)
    out.append(f"{len(rows)} cassette(s), {total} interaction(s), {len(bad)} unreadable")
    return "\n".join(out) + "\n"
