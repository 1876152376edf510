"""The parse cache stays bounded: unused entries are swept, the least recently used go first."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from cassettes_tool.core.storage import checksum
from cassettes_tool.recording import parse_cache

DAY = 24 * 3600


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CASSETTES_CACHE_DIR", str(folder))
    return folder


def content(n: int) -> bytes:
    return f"{n:04}".encode() * (parse_cache.MIN_CACHED_SIZE // 4 + 1)


def entry(folder: Path, data: bytes) -> Path:
    return parse_cache._entry(folder, checksum(data))


def age(path: Path, days: float) -> None:
    then = time.time() - days * DAY
    os.utime(path, (then, then))


def test_entries_unused_for_a_month_are_swept_and_used_ones_kept(cache: Path) -> None:
    old, read_recently, fresh = content(1), content(2), content(3)
    for n, data in enumerate((old, read_recently, fresh)):
        parse_cache.put(data, {"n": n})
    age(entry(cache, old), 40)
    age(entry(cache, read_recently), 40)
    assert parse_cache.get(read_recently) == {"n": 1}  # a read marks it used
    assert parse_cache.sweep(cache) == 1
    assert parse_cache.get(old) is None
    assert parse_cache.get(read_recently) == {"n": 1} and parse_cache.get(fresh) == {"n": 2}


def test_over_the_size_cap_the_least_recently_used_go_first(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    datas = [content(n) for n in range(5)]
    for n, data in enumerate(datas):
        parse_cache.put(data, {"n": n, "pad": "x" * 1000})
        age(entry(cache, data), 5 - n)  # 0 is the least recently used
    size = entry(cache, datas[0]).stat().st_size
    monkeypatch.setattr(parse_cache, "MAX_TOTAL_BYTES", size * 3)
    assert parse_cache.sweep(cache) == 2
    assert [parse_cache.get(d) is not None for d in datas] == [False, False, True, True, True]


def test_a_store_sweeps_at_most_once_a_day(cache: Path) -> None:
    first, second, third = content(1), content(2), content(3)
    parse_cache.put(first, 1)  # first store ever: sweeps (nothing to delete) and stamps
    assert (cache / "last-sweep").exists()
    age(entry(cache, first), 40)
    parse_cache.put(second, 2)  # swept less than a day ago: no sweep, the old entry stays
    assert entry(cache, first).exists()
    age(cache / "last-sweep", 2)
    parse_cache.put(third, 3)  # a day later: swept
    assert not entry(cache, first).exists()
    assert parse_cache.get(second) == 2 and parse_cache.get(third) == 3


def test_a_damaged_or_missing_cache_folder_never_fails_a_store(cache: Path) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("a file where the folder should be")
    parse_cache.put(content(1), 1)  # silently not cached
    assert parse_cache.get(content(1)) is None
