"""Drift engine vs raw DeepDiff on a pair of ~800 KB JSON bodies (3,000 nested objects).

NEW differs from OLD in every value and in exactly three structural ways (a field removed, a
type changed, a field added). Both comparisons run in the same process, on the same bodies:

* ours: ``compare_responses`` from the stored bytes (JSON parsing included), median of N runs;
* baseline: ``DeepDiff(old, new)`` on the parsed bodies, ordered (deepdiff's defaults);
* floor (information): ``json.loads`` of the two bodies, interleaved with runs of ours. The
  50 ms target is absolute; the floor tells how much of it this machine's JSON parser leaves.

Requirements checked (exit 1 if one fails): our median <= 50 ms, >= 50x faster than raw
DeepDiff, exactly the 3 structural findings. Run: ``.venv/bin/python benchmarks/drift.py``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from typing import Any

from deepdiff import DeepDiff

from cassettes_tool.core.cassette import Response
from cassettes_tool.core.config import DriftConfig
from cassettes_tool.drift import compare_responses

COUNT = 3000


def record(rnd: random.Random) -> dict[str, Any]:
    """One nested object of OLD."""
    def word(n: int = 8) -> str:
        return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))

    item: dict[str, Any] = {
        "id": rnd.randint(1, 10**9),
        "name": word(6),
        "ts": rnd.randint(10**9, 2 * 10**9),
        "price": round(rnd.uniform(1, 500), 2),
        "active": rnd.random() < 0.5,
        "tags": [word(4) for _ in range(rnd.randint(1, 2))],
        "address": {"street": word(6), "city": word(5), "zip": f"{rnd.randint(1000, 99999)}",
                    "geo": {"lat": round(rnd.uniform(-90, 90), 4), "lng": round(rnd.uniform(-180, 180), 4)}},
        "orders": [{"id": rnd.randint(1, 10**6), "total": round(rnd.uniform(1, 900), 2),
                    "lines": [{"sku": word(6), "qty": rnd.randint(1, 9)}]}],
    }
    return item


def changed(value: Any) -> Any:
    """The same structure with every value different (same JSON types)."""
    if isinstance(value, dict):
        return {key: changed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [changed(item) for item in reversed(value)]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.5
    return "~" + str(value)[::-1]


def successor(item: dict[str, Any]) -> dict[str, Any]:
    """The NEW version of an object: every value changed, plus the three structural changes."""
    new = changed(item)
    del new["address"]["zip"]  # 1. field removed
    new["price"] = f"{new['price']:.2f}"  # 2. type changed (number -> string)
    new["loyalty"] = {"tier": "gold", "points": item["id"] % 1000}  # 3. field added
    return new


def bodies(seed: int = 7) -> tuple[bytes, bytes]:
    rnd = random.Random(seed)
    old = {"items": [record(rnd) for _ in range(COUNT)], "next": "/items?page=2"}
    new = {"items": [successor(item) for item in old["items"]], "next": "/items?page=3"}
    compact = {"separators": (",", ":")}
    return json.dumps(old, **compact).encode(), json.dumps(new, **compact).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="runs of our comparison (median)")
    parser.add_argument("--baseline-runs", type=int, default=3, help="runs of raw DeepDiff (median)")
    args = parser.parse_args()

    old_bytes, new_bytes = bodies()
    headers = {"Content-Type": ["application/json"]}
    recorded, live = Response(200, "OK", headers, old_bytes), Response(200, "OK", headers, new_bytes)
    config = DriftConfig()

    def ours() -> list[Any]:
        return compare_responses(recorded, [live], method="GET", uri="https://api.test/items?page=1",
                                 config=config)

    findings = ours()  # warm-up (imports, caches)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        ours()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)

    # The parse floor: json.loads of both bodies, interleaved with as many runs of ours again,
    # so that a loaded or slower machine shows as a higher floor, not as a slower engine.
    parse_times, again = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        json.loads(old_bytes)
        json.loads(new_bytes)
        parse_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        ours()
        again.append(time.perf_counter() - start)
    parse_median, again_median = statistics.median(parse_times), statistics.median(again)

    old_obj, new_obj = json.loads(old_bytes), json.loads(new_bytes)
    raw_times = []
    raw_changes = 0
    for _ in range(args.baseline_runs):
        start = time.perf_counter()
        raw = DeepDiff(old_obj, new_obj)
        raw_times.append(time.perf_counter() - start)
        raw_changes = sum(len(v) for v in raw.values())
    raw_median = statistics.median(raw_times)
    ratio = raw_median / median

    print(f"bodies: {len(old_bytes) / 1024:.0f} KB and {len(new_bytes) / 1024:.0f} KB, {COUNT} objects each")
    print(f"ours (compare_responses, parse included): median {median * 1000:.1f} ms over {args.runs} runs "
          f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})")
    print(f"parse floor (json.loads of both bodies, stdlib, gc on): median {parse_median * 1000:.1f} ms; "
          f"ours interleaved with it: {again_median * 1000:.1f} ms = {again_median / parse_median:.2f}x the floor")
    print(f"raw DeepDiff(old, new), ordered: median {raw_median * 1000:.0f} ms over {args.baseline_runs} runs, "
          f"{raw_changes} reported changes")
    print(f"ratio: {ratio:.0f}x faster")
    print(f"our findings ({len(findings)}):")
    for finding in findings:
        print(f"  {finding.severity:8} {finding.kind:20} {finding.path}")

    failures = []
    if median > 0.050:
        failures.append(f"median {median * 1000:.1f} ms > 50 ms")
    if ratio < 50:
        failures.append(f"only {ratio:.0f}x faster than raw DeepDiff (< 50x)")
    expected = {("field_removed", "$.items[*].address.zip"), ("type_changed", "$.items[*].price"),
                ("field_added", "$.items[*].loyalty")}
    if {(f.kind, f.path) for f in findings} != expected or len(findings) != 3:
        failures.append(f"expected exactly the 3 structural findings {sorted(expected)}")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print("requirements: " + ("FAILED" if failures else "met (<= 50 ms, >= 50x, exactly 3 findings)"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
