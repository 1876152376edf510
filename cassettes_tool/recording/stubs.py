"""Cheaper HTTP stubs for vcrpy, installed through its own ``custom_patches`` option.

Profiling a replay of 1,000 ``requests`` calls showed two costs of vcrpy's stubs that do not
depend on the request at all (docs/benchmarks.md):

* every replayed response parses its recorded headers through the ``email`` parser twice
  (``VCRHTTPResponse.__init__`` and urllib3's ``getheaders()``), and ``getheaders()`` sorts
  them out again with ``get_all`` per name;
* every new connection and every recorded request runs ``force_reset``, whose
  ``reset_patchers()`` retries the import of every HTTP library that is not installed
  (a scan of ``sys.path`` each time).

Both are replaced for the life of one cassette, with results that are provably the same:

* :class:`HeaderCache` runs vcrpy's own ``parse_headers`` once per distinct header list (the
  key holds every name and value vcrpy reads, in its order) and hands out a fresh copy of the
  message each time, so a caller that mutates it changes nothing for the next one; a header
  list vcrpy cannot parse raises exactly as before (the failure is not cached);
* :func:`reset_patchers` yields the same ``mock.patch.object`` patchers as vcrpy's, from the
  targets found by vcrpy's own function the first time for the current import path, and
  :func:`force_reset` sets and restores those targets by plain assignment, following ``mock``'s
  rules and vcrpy's ``_undo_reset``;
* ``vcr.stubs.Request`` builds vcrpy's ``Request`` with its headers filled in one loop
  (:mod:`.vcr_request`).

vcrpy's decisions (record modes, play counts, matching, ``force_reset``'s undo rule) are not
touched: only the functions they call are cheaper.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import vcr.patch
import vcr.stubs

from cassettes_tool.recording.vcr_request import new_request

# vcrpy's functions as imported, before any cassette of ours patched them.
_VCR_PARSE_HEADERS: Callable[[Any], Any] = vcr.stubs.parse_headers
_VCR_RESET_PATCHERS: Callable[[], Iterator[Any]] = vcr.patch.reset_patchers
_VCR_GETHEADERS: Callable[[Any], Any] = vcr.stubs.VCRHTTPResponse.getheaders

Triple = tuple[Any, str, Any]


class HeaderCache:
    """vcrpy's ``parse_headers``, run once per distinct recorded header list."""

    def __init__(self) -> None:
        self._messages: dict[Any, Any] = {}

    @staticmethod
    def key(header_list: Any) -> Any:
        """Everything vcrpy's ``parse_headers`` reads from ``header_list``, in its order."""
        return tuple((name, tuple(values)) for name, values in header_list.items())

    def __call__(self, header_list: Any) -> Any:
        try:
            key = self.key(header_list)
            message = self._messages.get(key)
        except (AttributeError, TypeError):  # not a mapping of iterables, unhashable parts
            return _VCR_PARSE_HEADERS(header_list)
        if message is None:
            message = _VCR_PARSE_HEADERS(header_list)  # raises as vcrpy does on bad input
            self._messages[key] = message
        return copy_message(message)

    def getheaders(self, response: Any) -> list[tuple[str, str]]:
        """``VCRHTTPResponse.getheaders``: vcrpy's result for these headers, computed once."""
        headers = response.recorded_response["headers"]
        try:
            key = ("getheaders", self.key(headers))
            items = self._messages.get(key)
        except (AttributeError, TypeError):
            result: list[tuple[str, str]] = _VCR_GETHEADERS(response)
            return result
        if items is None:
            items = tuple(_VCR_GETHEADERS(response))
            self._messages[key] = items
        return list(items)


def copy_message(message: Any) -> Any:
    """A new ``HTTPMessage`` equal to ``message``: what parsing the same headers again gives."""
    payload = getattr(message, "_payload", None)
    if payload is not None and not isinstance(payload, str):
        import copy

        return copy.deepcopy(message)  # a multipart oddity: nothing shared at all
    duplicate: Any = object.__new__(type(message))  # email's Message defines no __new__
    duplicate.__dict__.update(message.__dict__)
    duplicate._headers = list(message._headers)
    duplicate.defects = list(message.defects)
    return duplicate


# (sys.path, sys.meta_path) -> the (target, attribute, original) of each of vcrpy's reset patchers.
_RESET_TARGETS: dict[Any, tuple[Triple, ...]] = {}


def _import_state() -> Any:
    return tuple(sys.path), tuple(id(finder) for finder in sys.meta_path)


def reset_targets() -> tuple[Triple, ...]:
    """What vcrpy's ``reset_patchers()`` patches, found once per import path."""
    state = _import_state()
    targets = _RESET_TARGETS.get(state)
    if targets is None:
        targets = tuple((patcher.getter(), patcher.attribute, patcher.new)
                        for patcher in _VCR_RESET_PATCHERS())
        _RESET_TARGETS[state] = targets
    return targets


def reset_patchers() -> Iterator[Any]:
    """vcrpy's ``reset_patchers()`` without re-trying the imports that failed."""
    for target, attribute, original in reset_targets():
        yield mock.patch.object(target, attribute, original)


@contextlib.contextmanager
def force_reset() -> Iterator[None]:
    """vcrpy's ``force_reset()``: the real classes back for the duration of the block.

    The same steps as vcrpy's, whose ``mock.patch.object`` patchers cost more than the whole
    live request on loopback: for each target, remember the value and whether it was set on the
    target itself (``mock``'s "local"), set the original; on the way out, in reverse order, put
    back (or delete what was inherited, as ``mock`` does), and keep anything a newer cassette
    installed meanwhile (vcrpy's ``_undo_reset``).
    """
    undo: list[tuple[Any, str, bool, Any, Any]] = []
    try:
        for target, attribute, original in reset_targets():
            namespace = vars(target)
            local = attribute in namespace
            previous = namespace[attribute] if local else getattr(target, attribute)
            setattr(target, attribute, original)
            undo.append((target, attribute, local, previous, getattr(target, attribute)))
        yield
    finally:
        for target, attribute, local, previous, reset_to in reversed(undo):
            replaced_by = getattr(target, attribute, reset_to)
            if local:
                setattr(target, attribute, previous)
            else:
                delattr(target, attribute)
                if not hasattr(target, attribute):
                    setattr(target, attribute, previous)
            if replaced_by is not reset_to:
                setattr(target, attribute, replaced_by)


def cassette_patches() -> list[Triple]:
    """``custom_patches`` entries for one cassette (each cassette has its own header cache)."""
    headers = HeaderCache()

    def getheaders(response: Any) -> list[tuple[str, str]]:
        return headers.getheaders(response)

    return [
        (vcr.stubs, "parse_headers", headers),
        (vcr.stubs.VCRHTTPResponse, "getheaders", getheaders),
        (vcr.patch, "reset_patchers", reset_patchers),
        (vcr.patch, "force_reset", force_reset),
        (vcr.stubs, "Request", new_request),
    ]
