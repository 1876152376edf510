"""Every cassette any vcrpy-based tool opens, for the usage ledger.

Plain ``vcr.use_cassette``, ``VCR().use_cassette``, pytest-recording's ``vcr`` marker and our own
``use_cassette`` all create their cassette through ``vcr.cassette.Cassette.load``, which calls
``Cassette._load``. The plugin wraps ``Cassette._load`` once per session (:class:`CassetteWatch`),
so the ledger sees each cassette with the test that opened it and the interactions it played,
whatever tool opened it. vcrpy is not imported for this: the wrapper is installed when something
else imports ``vcr.cassette`` (an import hook), or at once when it already is.

Our own cassettes report their usage themselves (:mod:`cassettes_tool.recording.api` knows the
positions as saved); the watch leaves them to it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import threading
import types
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cassettes_tool.recording.session import UsageRecorder

_MODULE = "vcr.cassette"


class CassetteWatch:
    """Wraps ``Cassette._load`` while installed; :meth:`flush` writes what it saw to ``usage``."""

    def __init__(self, usage: UsageRecorder, current_test: Callable[[], str | None]) -> None:
        self.usage = usage
        self.current_test = current_test
        self._lock = threading.Lock()
        self._fresh: list[tuple[Any, str | None, Path]] = []  # opened since the last flush
        self._alive: list[tuple[weakref.ref[Any], str | None, Path]] = []  # still open, maybe
        self._original: Any = None
        self._finder: _Finder | None = None

    # -- installing ---------------------------------------------------------------------

    def install(self) -> None:
        module = sys.modules.get(_MODULE)
        if module is not None:
            self._patch(module)
            return
        self._finder = _Finder(self._patch)
        sys.meta_path.insert(0, self._finder)

    def uninstall(self) -> None:
        if self._finder is not None and self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        self._finder = None
        module = sys.modules.get(_MODULE)
        if module is not None and self._original is not None:
            module.Cassette._load = self._original
        self._original = None

    def _patch(self, module: types.ModuleType) -> None:
        cassette_class = module.Cassette
        if self._original is not None:
            return
        original = cassette_class._load
        self._original = original
        watch = self

        def _load(cassette: Any) -> Any:
            try:
                return original(cassette)
            finally:
                watch.opened(cassette)

        _load.__wrapped__ = original  # type: ignore[attr-defined]
        cassette_class._load = _load

    # -- seeing -------------------------------------------------------------------------

    def opened(self, cassette: Any) -> None:
        if getattr(cassette, "reports_own_usage", False):
            return
        raw = getattr(cassette, "_path", None)
        if raw is None:
            return
        try:
            path = Path(os.fspath(raw)).absolute()
        except TypeError:
            return
        with self._lock:
            self._fresh.append((cassette, self.current_test(), path))

    def flush(self) -> None:
        """Record every cassette seen so far (called after each test and at the session's end)."""
        with self._lock:
            fresh, self._fresh = self._fresh, []
            alive = [(ref(), test, path) for ref, test, path in self._alive]
            self._alive = [entry for entry, (cas, _, _) in zip(self._alive, alive, strict=True) if cas is not None]
        for cassette, test, path in [*fresh, *[(c, t, p) for c, t, p in alive if c is not None]]:
            _record(self.usage, cassette, test, path)
        with self._lock:
            for cassette, test, path in fresh:
                try:
                    self._alive.append((weakref.ref(cassette), test, path))
                except TypeError:
                    continue


def _record(usage: UsageRecorder, cassette: Any, test: str | None, path: Path) -> None:
    """One cassette's use: its interactions and the positions played (recorded ones count)."""
    if not path.exists():
        return  # nothing recorded, nothing on disk: there is nothing to keep
    data = list(getattr(cassette, "data", []) or [])
    loaded = int(getattr(cassette, "_loaded_count", len(data)) or 0)
    counts = getattr(cassette, "play_counts", {}) or {}
    mode = getattr(cassette, "record_mode", "")
    rewritten = str(getattr(mode, "value", mode)) == "all" or bool(getattr(cassette, "drop_unused_requests", False))
    if rewritten and len(data) != loaded:
        played: Sequence[int] = range(len(data))  # the file was rewritten in another order
    else:
        played = sorted({p for p, n in counts.items() if n > 0 and p < loaded} | set(range(loaded, len(data))))
    usage.record(path, test, len(data), played)


class _Finder(importlib.abc.MetaPathFinder):
    """Patches ``vcr.cassette`` right after whoever imports it first."""

    def __init__(self, patch: Callable[[types.ModuleType], None]) -> None:
        self.patch = patch

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != _MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        patch = self.patch
        exec_module = loader.exec_module

        def exec_and_patch(module: types.ModuleType) -> None:
            exec_module(module)
            patch(module)

        loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec
