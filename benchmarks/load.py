"""Loading speed: plain vcrpy versus cassettes_tool on the largest real cassettes.

Both sides read the file and build their in-memory model (vcrpy: Request objects and
response dicts, as its FilesystemPersister does; ours: the Cassette model). Run:

    python benchmarks/load.py [--repeat 5] [--corpus ../shared/corpus]

Prints one line per cassette with the median times and the ratio vcrpy/ours (> 1 means we
are faster), then the total. Exit status 1 if ours is slower in total.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import jsonserializer, yamlserializer

from cassettes_tool.core.discovery import find_cassettes
from cassettes_tool.core.reader import load_cassette

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def vcrpy_load(path: Path) -> int:
    serializer = jsonserializer if path.suffix == ".json" else yamlserializer
    requests, _responses, *_ = FilesystemPersister.load_cassette(str(path), serializer)
    return len(requests)


def ours_load(path: Path) -> int:
    return len(load_cassette(path))


def median_time(fn: Callable[[Path], int], path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def loadable_by_vcrpy(path: Path) -> bool:
    try:
        vcrpy_load(path)
    except Exception:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--largest", type=int, default=6, help="how many of the largest cassettes")
    args = parser.parse_args()
    files = [p for p in find_cassettes([args.corpus]) if loadable_by_vcrpy(p)]
    files = sorted(files, key=lambda p: p.stat().st_size, reverse=True)[: args.largest]
    total_vcr = total_ours = 0.0
    print(f"{'cassette':<60} {'size':>8} {'vcrpy':>9} {'ours':>9} {'ratio':>6}")
    for path in files:
        assert vcrpy_load(path) == ours_load(path), path
        t_vcr = median_time(vcrpy_load, path, args.repeat)
        t_ours = median_time(ours_load, path, args.repeat)
        total_vcr += t_vcr
        total_ours += t_ours
        print(f"{path.name[:60]:<60} {path.stat().st_size / 1e6:>6.2f}MB {t_vcr * 1000:>7.1f}ms "
              f"{t_ours * 1000:>7.1f}ms {t_vcr / t_ours:>5.2f}x")
    print(f"{'TOTAL':<60} {'':>8} {total_vcr * 1000:>7.1f}ms {total_ours * 1000:>7.1f}ms {total_vcr / total_ours:>5.2f}x")
    print(f"ours is {'no slower than' if total_ours <= total_vcr else 'SLOWER than'} plain vcrpy "
          f"(ratio vcrpy/ours = {total_vcr / total_ours:.2f})")
    return 0 if total_ours <= total_vcr else 1


if __name__ == "__main__":
    sys.exit(main())
