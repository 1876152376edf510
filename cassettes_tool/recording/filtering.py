"""Secret filters applied to vcrpy's request objects and response mappings.

Requests are filtered in vcrpy's ``before_record_request`` chain, which vcrpy applies both when
recording and when matching: a request made with another token still matches the recording.
Responses are filtered by the persister just before writing (see :mod:`.persister`), so no path
to disk skips them. The rules are :class:`cassettes_tool.core.filters.FilterRules`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cassettes_tool.core.cassette import Response, normalize_headers
from cassettes_tool.core.filters import (
    PLACEHOLDER,
    FilterRules,
    filter_body,
    filter_response,
    filter_uri,
)
from cassettes_tool.recording.vcr_request import duplicate


def request_filter(rules: FilterRules) -> Callable[[Any], Any]:
    """A ``before_record_request`` hook; it mutates the copy vcrpy hands it."""

    def hide_secrets(request: Any) -> Any:
        headers = request.headers
        for name in list(headers):
            if name.lower() in rules.headers:
                headers[name] = PLACEHOLDER
        uri = request.uri
        if "?" in uri:
            filtered = filter_uri(uri, rules.query_parameters)
            if filtered != uri:
                request.uri = filtered
        body = getattr(request, "_body", None)  # the stored value; .body rewraps files
        if isinstance(body, bytes) and body and not getattr(request, "_was_file", False) \
                and not getattr(request, "_was_iter", False):
            content_type = headers.get("Content-Type")
            filtered_body = filter_body(body, content_type if isinstance(content_type, str) else None,
                                        rules.body_fields, rules.query_parameters)
            if filtered_body != body:
                request.body = filtered_body
                # Keep the length true to the stored body: requests with other secrets match.
                for name in list(headers):
                    if name.lower() == "content-length":
                        headers[name] = str(len(filtered_body))
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
    if not isinstance(response, dict):
        return response
    headers_raw = response.get("headers")
    body_holder = response.get("body")
    body = body_holder.get("string") if isinstance(body_holder, dict) else None
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not _may_need_filtering(headers_raw, body, rules):
        return response
    status = response.get("status")
    code = status.get("code", 0) if isinstance(status, dict) else 0
    model = Response(status=int(code or 0), headers=normalize_headers(headers_raw),
                     body=body if isinstance(body, bytes) else b"")
    filtered = filter_response(model, rules)
    if filtered.headers == model.headers and filtered.body == model.body:
        return response
    copy = dict(response)
    copy["headers"] = filtered.headers
    if isinstance(body, bytes):
        copy["body"] = {**body_holder, "string": filtered.body} if isinstance(body_holder, dict) \
            else {"string": filtered.body}
    return copy


def _may_need_filtering(headers: Any, body: bytes | None, rules: FilterRules) -> bool:
    """A cheap pre-check: any filtered header present, or a body that may hold a filtered key."""
    if isinstance(headers, dict) and any(str(k).lower() in rules.response_headers for k in headers):
        return True
    if not body:
        return False
    if isinstance(headers, dict) and any(str(k).lower() == "content-encoding" for k in headers):
        return True  # compressed: only the decoded body can tell
    lowered = body.lower()
    return any(f'"{name}"'.encode() in lowered for name in rules.body_fields)
