"""``IndexedCassette``: vcrpy's ``Cassette`` with a request index, expiry and usage accounting.

A subclass through vcrpy's own ``cassette_class`` extension point (``Cassette.use_arg_getter``):
every decision — record modes, play counts, ``allow_playback_repeats``, ``new_episodes``
appending, ``drop_unused_requests`` — stays vcrpy's; only the search for matching requests goes
through :class:`~.index.RequestIndex` instead of a scan of every interaction.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vcr.cassette import Cassette as VcrCassette
from vcr.errors import UnhandledHTTPRequestError
from vcr.matchers import requests_match
from vcr.record_mode import RecordMode

from cassettes_tool.errors import CassetteExpiredError
from cassettes_tool.recording import expiry
from cassettes_tool.recording.index import RequestIndex


def _remember_last(hook: Any) -> Any:
    """``before_record_request`` that reuses its last result for the same request object.

    vcrpy filters one incoming request three times per replay (``can_play_response_for``,
    ``__contains__``, ``play_response``); each filtering copies the request. The result for the
    very same object (or for that result itself: filtering is applied to filtered requests by
    vcrpy too) is reused instead.
    """
    last: list[Any] = [None, None]

    def remembered(request: Any) -> Any:
        if request is not None and (request is last[0] or request is last[1]):
            return last[1]
        result = hook(request)
        last[0], last[1] = request, result
        return result

    return remembered


class IndexedCassette(VcrCassette):  # type: ignore[misc]  # vcrpy is untyped
    """vcrpy's cassette; matching in constant time on average (see :mod:`.index`)."""

    # recording/api.py records this cassette's usage itself; the ledger's watch of vcrpy skips it.
    reports_own_usage = True

    def __init__(self, *args: Any, cassettes_expiry: expiry.ExpiryPolicy | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._index = RequestIndex(self._match_on)
        self._loading = False
        self._expiry = cassettes_expiry
        self.expired: expiry.Expired | None = None
        self.rerecording = False
        self.saved_played: list[int] | None = None
        self._before_record_request = _remember_last(getattr(self, "_before_record_request"))  # noqa: B009 - vcrpy is untyped

    # -- storing -------------------------------------------------------------------------

    def append(self, request: Any, response: Any) -> None:
        if self._loading:
            self._append_loaded(request, response)
            return
        before = len(self.data)
        super().append(request, response)
        if len(self.data) > before:
            self._index.add(self.data[-1][0])

    def _append_loaded(self, request: Any, response: Any) -> None:
        """vcrpy's ``append`` for an interaction read from the file, without the deep copy of
        the response (it protects a live response from the hooks; a loaded one is ours)."""
        request = self._before_record_request(request)
        if not request:
            return
        response = self._before_record_response(response)
        if response is None:
            return
        self.data.append((request, response))
        self._index.add(request)

    def _load(self) -> None:
        self._loading = True
        try:
            super()._load()
        finally:
            self._loading = False
        if self._expiry is not None and self._loaded_count and self.mode != RecordMode.ALL:
            self._check_expiry(self._expiry)

    def _check_expiry(self, policy: expiry.ExpiryPolicy) -> None:
        found = expiry.check(Path(self._path), self._metadata, policy.max_age)
        if found is None:
            return
        self.expired = found
        command = expiry.rerecord_command(policy.test_id)
        if policy.on_expired == "fail":
            raise CassetteExpiredError(
                self._path, found.describe(), f"re-record it: {command}"
            )
        if policy.on_expired == "rerecord" and self.mode != RecordMode.NONE:
            # Record afresh: nothing is played, only what is recorded now is kept.
            self.record_mode = RecordMode.ALL
            self.drop_unused_requests = True
            self.rerecording = True
            return
        note = " (on_expired = rerecord, but record_mode = none cannot record)" \
            if policy.on_expired == "rerecord" else ""
        warnings.warn(
            expiry.CassetteExpiredWarning(
                f"{self._path}: cassette {found.describe()}{note}; re-record it: {command}"
            ),
            stacklevel=2,
        )

    @property
    def mode(self) -> RecordMode:
        """vcrpy's record mode (typed)."""
        mode: RecordMode = self.record_mode
        return mode

    # -- matching ------------------------------------------------------------------------

    def _responses(self, request: Any) -> Iterator[tuple[int, Any]]:
        request = self._before_record_request(request)
        if not request:
            return
        for position in self._index.matching(request):
            yield position, self.data[position][1]

    def __contains__(self, request: Any) -> bool:
        request = self._before_record_request(request)
        if not request:
            return False
        return self._index.first_playable(request, self.play_counts, self.allow_playback_repeats) is not None

    def play_response(self, request: Any) -> Any:
        filtered = self._before_record_request(request)
        position = None
        if filtered:
            position = self._index.first_playable(filtered, self.play_counts, self.allow_playback_repeats)
        if position is None:
            raise UnhandledHTTPRequestError(
                f"The cassette ({self._path!r}) doesn't contain the request ({request!r}) asked for",
            )
        response = self.data[position][1]
        if self.play_counts[position] == 0 and position < self._loaded_count:
            self._played_interactions.append((self.data[position][0], response))
        self.play_counts[position] += 1
        return response

    def rewind(self) -> None:
        super().rewind()
        self._index.rewind()

    def _rerecorded_interactions(self) -> list[tuple[Any, Any]]:
        loaded = self.data[: self._loaded_count]
        recorded = self.data[self._loaded_count:]
        if self.drop_unused_requests:
            return list(recorded)
        recorded_index = RequestIndex(self._match_on)
        for request, _ in recorded:
            recorded_index.add(request)
        kept = []
        for old_request, old_response in loaded:
            candidates = recorded_index.buckets.get(recorded_index.key(old_request), [])
            if not any(requests_match(recorded_index.requests[p], old_request, self._match_on)
                       for p in candidates):
                kept.append((old_request, old_response))
        return kept + list(recorded)

    def _new_interactions(self) -> list[tuple[Any, Any]]:
        """vcrpy's: interactions matching none of the loaded ones (for drop_unused_requests)."""
        old_index = RequestIndex(self._match_on)
        for old_request, _ in self._old_interactions:
            old_index.add(old_request)
        new = []
        for request, response in self.data:
            candidates = old_index.buckets.get(old_index.key(request), [])
            if all(not requests_match(request, old_index.requests[p], self._match_on) for p in candidates):
                new.append((request, response))
        return new

    # -- usage ---------------------------------------------------------------------------

    def _persist(self, cassette_dict: dict[str, Any]) -> None:
        used = {id(self.data[p][0]) for p, count in self.play_counts.items() if count > 0}
        used |= {id(request) for request, _ in self.data[self._loaded_count:]}
        self.saved_played = [i for i, r in enumerate(cassette_dict["requests"]) if id(r) in used]
        positions = getattr(self._persister, "positions", None)
        if isinstance(positions, dict):  # our persister: lets it merge onto a file changed meanwhile
            positions.clear()
            positions.update({id(request): i for i, (request, _) in enumerate(self.data[: self._loaded_count])})
        super()._persist(cassette_dict)

    def played_positions(self) -> list[int]:
        """Positions in the file (as saved, else as loaded) of the interactions used."""
        if self.saved_played is not None:
            return list(self.saved_played)
        return sorted(p for p, count in self.play_counts.items() if count > 0 and p < self._loaded_count)
