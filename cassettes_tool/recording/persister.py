"""vcrpy persister (``register_persister`` protocol): our reader in, our atomic writer out.

Loading reads every real-world variant through :mod:`cassettes_tool.core.reader` (one-line errors,
safe YAML) and serves unchanged files from :mod:`.parse_cache`. Saving filters secrets from
every response (docs/recording.md), scrubs from it the credentials its request was filtered of
(an echo), stamps ``metadata.recorded_at``/``recorded_with``, serialises exactly as vcrpy does,
and writes through the one cassette transaction (locked, atomic).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, TypeGuard

from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.request import Request as VcrRequest
from vcr.serialize import CASSETTE_FORMAT_VERSION, serialize
from vcr.serializers import compat

from cassettes_tool.core.cassette import WRITABLE_VARIANTS
from cassettes_tool.core.filters import FilterRules
from cassettes_tool.core.reader import parse_cassette
from cassettes_tool.core.storage import checksum, stamp_metadata
from cassettes_tool.core.transaction import CassetteTransaction, cassette_transaction
from cassettes_tool.errors import CassetteChangedError, CassetteError
from cassettes_tool.recording import parse_cache
from cassettes_tool.recording.filtering import (
    echoed_forms,
    filter_response_mapping,
    scrub_echoes_mapping,
)
from cassettes_tool.recording.vcr_request import new_request

Payload = tuple[list[tuple[dict[str, Any], dict[str, Any]]], dict[str, Any], str]


class CassettesPersister:
    """A persister bound to one cassette's filter rules (vcrpy accepts any object)."""

    def __init__(self, rules: FilterRules) -> None:
        self.rules = rules
        self.variant: str | None = None
        self.saved_count: int | None = None
        # What was read at open: the file's hash and interaction count (None: there was no file).
        self.loaded_digest: str | None = None
        self.loaded_count = 0
        # id(request object) -> its position in the file, for requests that came from the file;
        # set by IndexedCassette just before saving.
        self.positions: dict[int, int] = {}
        self.defer_errors = False
        self.save_error: Exception | None = None

    def load_cassette(self, cassette_path: Any, serializer: Any = None) -> tuple[Any, ...]:
        """``(requests, responses, metadata)`` like vcrpy's persisters; missing/empty -> not found."""
        path = Path(cassette_path)
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise CassetteNotFoundError() from None
        except OSError as exc:
            raise CassetteError(path, f"cannot be read: {exc.strerror or exc}", "check its permissions") from None
        if not data.strip():
            raise CassetteNotFoundError()  # like vcrpy: an empty file is recorded again
        cached = parse_cache.get(data)
        payload: Payload = cached if _valid_payload(cached) else _parse(path, data)
        if payload is not cached:
            parse_cache.put(data, payload)
        pairs, metadata, self.variant = payload
        self.loaded_digest = checksum(data)
        self.loaded_count = len(pairs)
        requests = [_vcr_request(req) for req, _ in pairs]
        responses = [resp for _, resp in pairs]
        return requests, responses, metadata

    def save_cassette(self, cassette_path: Any, cassette_dict: dict[str, Any], serializer: Any) -> None:
        """Filter, stamp, serialise like vcrpy, write atomically under the lock.

        With ``defer_errors`` set, a failure is kept in ``save_error`` instead of raised: vcrpy
        saves inside its context's exit *before* removing its patches, so an exception there
        would leave HTTP patched for the rest of the process. ``use_cassette`` raises it after.
        """
        if not self.defer_errors:
            self._save(cassette_path, cassette_dict, serializer)
            return
        try:
            self._save(cassette_path, cassette_dict, serializer)
        except Exception as error:
            self.save_error = error

    def _save(self, cassette_path: Any, cassette_dict: dict[str, Any], serializer: Any) -> None:
        path = Path(cassette_path)
        if self.variant is not None and self.variant not in WRITABLE_VARIANTS:
            raise CassetteError(
                path, f"is a {self.variant} cassette and cannot be recorded into",
                "re-record it into a new cassette, or use record_mode='none'",
            )
        requests = cassette_dict["requests"]
        # A credential the request filter removed is scrubbed from its response too (an echo).
        responses = [scrub_echoes_mapping(filter_response_mapping(response, self.rules), echoed_forms(request))
                     for request, response in zip(requests, cassette_dict["responses"], strict=False)]
        metadata = dict(cassette_dict.get("metadata") or {})
        stamp_metadata(metadata)
        with cassette_transaction(path, create=True) as transaction:
            unchanged = transaction.is_new if self.loaded_digest is None \
                else transaction.sha256 == self.loaded_digest
            if unchanged:
                text = serialize({"requests": requests, "responses": responses, "metadata": metadata}, serializer)
            else:
                text = self._merge(transaction, requests, responses, metadata, serializer)
            transaction.save_bytes(text.encode("utf-8"))
        if unchanged:
            self.saved_count = len(responses)

    def _merge(self, transaction: CassetteTransaction, requests: list[Any], responses: list[Any],
               metadata: dict[str, Any], serializer: Any) -> str:
        """Save onto a file that changed while the cassette was open (refresh --update, accept,
        audit --fix, another test): the interactions that came from the file are taken as they
        are on disk now, the ones recorded in this session are added."""
        path = transaction.path
        theirs = None if transaction.is_new else transaction.cassette
        on_disk = [interaction.to_raw() for interaction in theirs.interactions] if theirs else []
        if self.loaded_count and len(on_disk) != self.loaded_count:
            raise CassetteChangedError(
                path, f"changed while the test had it open ({self.loaded_count} interactions then, "
                f"{len(on_disk)} now); nothing was saved", "re-run the test",
            )
        interactions = [] if self.loaded_count else list(on_disk)  # a file created meanwhile: kept
        for request, response in zip(requests, responses, strict=True):
            position = self.positions.get(id(request))
            if position is not None and position < len(on_disk):
                interactions.append(on_disk[position])
            else:
                interactions.append({"request": compat.convert_to_unicode(request._to_dict()),
                                     "response": compat.convert_to_unicode(response)})
        merged_metadata = {**(theirs.metadata if theirs else {}), **metadata}
        self.saved_count = len(interactions)
        document = {"version": CASSETTE_FORMAT_VERSION, "interactions": interactions, "metadata": merged_metadata}
        text: str = serializer.serialize(document)
        return text


def _valid_payload(payload: Any) -> TypeGuard[Payload]:
    return isinstance(payload, tuple | list) and len(payload) == 3


def _parse(path: Path, data: bytes) -> Payload:
    """Plain-data interactions as vcrpy's deserializer would produce them (bodies as bytes)."""
    cassette = parse_cassette(path, data)
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for interaction in cassette.interactions:
        raw = interaction.raw
        model_request = interaction.request
        if raw is not None and cassette.variant == "vcrpy":
            raw_request = raw["request"]
            request = {
                "method": model_request.method,
                "uri": model_request.uri,
                # As stored (vcrpy hands pairs and dicts to the stubs as they are); a body kept
                # elsewhere (pydantic-ai's parsed_body) comes from the model.
                "body": raw_request.get("body", model_request.body),
                "headers": dict(raw_request.get("headers") or {}),
            }
            response = dict(raw["response"])
        else:
            request = model_request.to_raw()
            request["body"] = model_request.body
            response = interaction.response.to_raw()
        body_holder = response.get("body")
        if isinstance(body_holder, dict) and isinstance(body_holder.get("string"), str):
            text = body_holder["string"]
            with contextlib.suppress(UnicodeEncodeError):  # vcrpy keeps such bodies as text too
                response["body"] = {**body_holder, "string": text.encode("utf-8")}
        pairs.append((request, response))
    metadata = dict(cassette.metadata) if cassette.variant == "vcrpy" else {}
    return pairs, metadata, cassette.variant


def _vcr_request(raw: dict[str, Any]) -> VcrRequest:
    return new_request(raw["method"], raw["uri"], raw["body"], raw["headers"])


def miss_message(error: Any) -> str:
    """Our words for vcrpy's ``CannotOverwriteExistingCassetteException`` on one of our cassettes:
    the cassette, the request, the closest recorded request and how to record it (the plugin's
    option, not vcrpy's advice about ``cassette_library_dir`` and a record mode we do not use)."""
    from cassettes_tool.core.discovery import display_path

    cassette = error.cassette
    request = error.failed_request
    where = display_path(Path(str(cassette._path)))
    mode = getattr(cassette.record_mode, "value", cassette.record_mode)
    lines = [f"cassettes: no recorded response for {request.method} {request.uri} in {where} "
             f"(record mode {mode})"]
    if getattr(error, "reason", None) == "already_played":
        lines.append("  the matching recorded response was already played; allow_playback_repeats=True "
                     "replays it again")
    similar = list(getattr(error, "similar_requests", None) or [])
    if similar:
        closest, _, failed = similar[0]
        differs = ", ".join(str(name) for name, _ in failed) or "nothing the matchers check"
        lines.append(f"  closest recorded request: {closest.method} {closest.uri} (differs in: {differs})")
    elif len(cassette) == 0:
        lines.append("  the cassette holds no recorded request yet")
    lines.append("  to record it: run pytest with --cassettes-record-mode=once (a new cassette) or "
                 "new_episodes (add to this one), or set record_mode in the marker or [tool.cassettes]")
    return "\n".join(lines)
