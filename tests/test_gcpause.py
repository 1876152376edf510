"""The collector pause around parsing: counted across threads, and it restores what it found."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from cassettes_tool.core.gcpause import collector_paused


@pytest.fixture(autouse=True)
def _collector_enabled_after() -> Iterator[None]:
    yield
    gc.enable()


def test_the_collector_is_off_inside_and_back_after_even_on_an_exception() -> None:
    gc.enable()
    with pytest.raises(ZeroDivisionError), collector_paused():
        assert not gc.isenabled()
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_overlapping_pauses_in_threads_restore_the_collector_only_when_the_last_one_ends() -> None:
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with collector_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert inside.wait(10)
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread still parses
    release.set()
    thread.join(10)
    assert gc.isenabled()


def test_a_collector_the_user_disabled_stays_disabled() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
