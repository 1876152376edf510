"""Scale: wall time and peak memory of list, prune, audit, refresh --dry-run and the endpoint model on big folders.

Two projects are built in a temporary folder (see ``tests/helpers/projects.py``): many small
cassettes (default 5,000, about 1 KB each) and a few 2 MB cassettes (default 4). Each command
runs as its own process (``python -m cassettes_tool ...``), like a CI job; its wall time and
peak RSS (``wait4`` rusage) are printed. The baseline, in the same run, is the floor every
command pays: a process that only reads every cassette with plain vcrpy's
``FilesystemPersister.load_cassette``. The endpoint model (what ``refresh`` and ``diff`` build
before comparing) is measured cold (its cache deleted before each run) and warm (cached), and
compared with ``list``: the target is at most 2x ``list`` on the same folder. Run:

    python benchmarks/scale.py [--small 5000] [--large 4] [--repeat 3]

Times are medians of ``--repeat`` runs; memory is the largest peak seen.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.projects import Project, large_project, small_project  # noqa: E402

VCRPY_BASELINE = """
import sys
from pathlib import Path
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import yamlserializer
n = 0
for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
    requests, *_ = FilesystemPersister.load_cassette(str(path), yamlserializer)
    n += len(requests)
print(n)
"""

MODEL_BUILD = """
from pathlib import Path
from cassettes_tool.core.config import load_config
from cassettes_tool.drift.endpoint_cache import suite_model
model = suite_model(load_config(start=Path.cwd()))
print(len(model))
"""

COMMANDS: list[tuple[str, list[str]]] = [
    ("list --format json", ["list", "--format", "json"]),
    ("prune (dry run)", ["prune", "--format", "json"]),
    ("audit", ["audit", "--format", "json"]),
    ("refresh --dry-run", ["refresh", "--dry-run"]),
]


def measure(argv: list[str], cwd: Path) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KB, exit code) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        proc.stderr.close()
    return wall, int(usage.ru_maxrss), proc.returncode


def run(project: Project, label: str, repeat: int) -> None:
    size = sum(p.stat().st_size for p in project.cassettes)
    print(f"\n{label}: {len(project.cassettes)} cassettes, {project.interactions} interactions, "
          f"{size / 1e6:.1f} MB")
    print(f"{'command':28} {'wall (median)':>14} {'peak RSS':>10} {'x baseline':>11} exit")
    rows = [("baseline: vcrpy reads all", [sys.executable, "-c", VCRPY_BASELINE, str(project.folder)])]
    rows += [(name, [sys.executable, "-m", "cassettes_tool", *args]) for name, args in COMMANDS]
    model = [sys.executable, "-c", MODEL_BUILD]
    rows += [("endpoint model, cold", model), ("endpoint model, cached", model)]
    cache = project.root / ".cassettes" / "endpoints.marshal"
    baseline = None
    walls: dict[str, float] = {}
    for name, argv in rows:
        results = []
        for _ in range(repeat):
            if name.endswith("cold"):
                cache.unlink(missing_ok=True)
            results.append(measure(argv, project.root))
        wall = statistics.median(r[0] for r in results)
        rss = max(r[1] for r in results)
        baseline = baseline or wall
        walls[name] = wall
        print(f"{name:28} {wall:>12.2f} s {rss / 1024:>7.0f} MB {wall / baseline:>10.2f}x {results[0][2]:>4}")
    listing = walls["list --format json"]
    print(f"endpoint model / list: cold {walls['endpoint model, cold'] / listing:.2f}x, "
          f"cached {walls['endpoint model, cached'] / listing:.2f}x (target <= 2x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=5000)
    parser.add_argument("--large", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs (shared, noisy machine: compare ratios)")
    with tempfile.TemporaryDirectory(prefix="cassettes-scale-") as tmp:
        small = small_project(Path(tmp) / "small", args.small)
        run(small, "small cassettes", args.repeat)
        large = large_project(Path(tmp) / "large", args.large)
        run(large, "2 MB cassettes", args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
