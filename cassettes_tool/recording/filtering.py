"""Secret filters applied to vcrpy's request objects and response mappings.

Requests are filtered in vcrpy's ``before_record_request`` chain, which vcrpy applies both when
recording and when matching: a request made with another token still matches the recording.
Responses are filtered by the persister just before writing (see :mod:`.persister`), so no path
to disk skips them. Both are thin adapters of the one implementation in :mod:`cassettes_tool.core.filters`
(:func:`~cassettes_tool.core.filters.filter_request_parts`,
:func:`~cassettes_tool.core.filters.filter_response_parts`).

A filtered request keeps what it was filtered from (:data:`FILTERED_FROM`, never written): the
persister scrubs the values the filter removed from the response recorded with it, in every
form a server can echo them (:mod:`cassettes_tool.core.echoes`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cassettes_tool.core.body_filters import may_hold
from cassettes_tool.core.cassette import normalize_headers
from cassettes_tool.core.echoes import removed_values, scrub_response_parts
from cassettes_tool.core.filters import (
    FilterRules,
    RequestParts,
    ResponseParts,
    filter_request_parts,
    filter_response_parts,
)
from cassettes_tool.core.secrets import URL_HEADERS, redaction_forms
from cassettes_tool.recording.vcr_request import duplicate

#: The attribute of a filtered vcrpy request holding ``(before, after)`` :class:`RequestParts`;
#: vcrpy's ``_to_dict`` never reads it, so it never reaches a file.
FILTERED_FROM = "cassettes_filtered_from"


def request_filter(rules: FilterRules) -> Callable[[Any], Any]:
    """A ``before_record_request`` hook; it mutates the copy vcrpy hands it."""

    def hide_secrets(request: Any) -> Any:
        headers = request.headers
        body = getattr(request, "_body", None)  # the stored value; .body rewraps files
        if not isinstance(body, bytes) or getattr(request, "_was_file", False) \
                or getattr(request, "_was_iter", False):
            body = None  # a file or iterator body stays as vcrpy holds it
        parts = RequestParts(request.uri, {name: [value] for name, value in headers.items()}, body)
        filtered = filter_request_parts(parts, rules)
        if filtered is parts:
            return request
        for name, values in filtered.headers.items():
            if values != parts.headers[name]:
                headers[name] = values[0]
        for name in parts.headers.keys() - filtered.headers.keys():
            del headers[name]  # Content-Encoding of a body now stored decoded
        if filtered.uri != parts.uri:
            request.uri = filtered.uri
        if filtered.body is not body:
            request.body = filtered.body
        setattr(request, FILTERED_FROM, (parts, filtered))
        return request

    return hide_secrets


def copying_request_filter(rules: FilterRules) -> Callable[[Any], Any]:
    """The whole ``before_record_request`` when the user set no vcrpy request filter.

    vcrpy's own chain starts with a ``deepcopy`` of the request; our filter only replaces
    header values, the URI and the body (all immutable values), so a copy of the object and of
    its headers mapping gives the same result for a fraction of the cost.
    """
    hide_secrets = request_filter(rules)

    def copy_and_hide(request: Any) -> Any:
        return hide_secrets(duplicate(request))

    return copy_and_hide


def filter_response_mapping(response: Any, rules: FilterRules) -> Any:
    """A filtered copy of a vcrpy response mapping, or the same object when nothing changes."""
    return _through_parts(response, lambda parts: filter_response_parts(parts, rules),
                          lambda headers, body, reason: _may_need_filtering(headers, body, reason, rules))


def echoed_forms(request: Any) -> tuple[str, ...]:
    """Every form of the values the request filter removed from ``request`` (none for a loaded request)."""
    filtered_from = getattr(request, FILTERED_FROM, None)
    if filtered_from is None:
        return ()
    return redaction_forms(removed_values(*filtered_from))


def scrub_echoes_mapping(response: Any, forms: tuple[str, ...]) -> Any:
    """A copy of a vcrpy response mapping without any of ``forms``, or the same object when none occurs."""
    if not forms:
        return response
    return _through_parts(response, lambda parts: scrub_response_parts(parts, forms), lambda *_: True)


def _through_parts(response: Any, change: Callable[[ResponseParts], ResponseParts],
                   may_change: Callable[[Any, bytes | None, str], bool]) -> Any:
    """``change`` applied to a vcrpy response mapping through :class:`ResponseParts`; a copy, or the same object."""
    if not isinstance(response, dict):
        return response
    headers_raw = response.get("headers")
    body_holder = response.get("body")
    body = body_holder.get("string") if isinstance(body_holder, dict) else None
    if isinstance(body, str):
        body = body.encode("utf-8")
    status = response.get("status")
    reason = status.get("message") if isinstance(status, dict) else None
    reason = reason if isinstance(reason, str) else ""
    if not may_change(headers_raw, body, reason):
        return response
    parts = ResponseParts(normalize_headers(headers_raw), body if isinstance(body, bytes) else b"", reason)
    filtered = change(parts)
    if filtered.headers == parts.headers and filtered.body == parts.body and filtered.reason == reason:
        return response
    copy = dict(response)
    copy["headers"] = filtered.headers
    if filtered.reason != reason and isinstance(status, dict):
        copy["status"] = {**status, "message": filtered.reason}
    if isinstance(body, bytes):
        copy["body"] = {**body_holder, "string": filtered.body} if isinstance(body_holder, dict) \
            else {"string": filtered.body}
    return copy


def _may_need_filtering(headers: Any, body: bytes | None, reason: str, rules: FilterRules) -> bool:
    """A cheap pre-check: a filtered or URL header, a reason with pairs, or a body that may hold a name."""
    if isinstance(headers, dict) and any(
            str(k).lower() in rules.response_headers or str(k).lower() in URL_HEADERS for k in headers):
        return True
    if "=" in reason or ":" in reason:
        return True
    if not body:
        return False
    if isinstance(headers, dict) and any(str(k).lower() == "content-encoding" for k in headers):
        return True  # compressed: only the decoded body can tell
    return may_hold(body, rules.body_fields | rules.query_parameters)
