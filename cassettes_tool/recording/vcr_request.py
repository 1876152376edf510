"""vcrpy ``Request`` objects built and copied for less, with exactly vcrpy's result.

A replay builds two ``Request`` objects per interaction (one when the cassette is loaded, one
for the incoming request) and the secret filter copies each once. Most of that time is
``HeadersDict``: every header goes through ``MutableMapping.update`` and two ``__setitem__``
layers. :func:`headers_dict` fills the same inner dict in one loop, following
``HeadersDict.__setitem__`` step by step (a list or tuple value keeps its first item; a name
seen before in another case keeps its first spelling); :func:`duplicate` copies the inner dict of
a mapping vcrpy built, which is what rebuilding it would give. Anything unusual takes vcrpy's
own path, so errors are raised by vcrpy, in vcrpy's order.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from vcr.request import HeadersDict
from vcr.request import Request as VcrRequest


def headers_dict(data: Any) -> Any:
    """``HeadersDict(data)`` for a mapping; anything else (or a failure) is returned as it is,
    for vcrpy's ``Request`` to convert (and raise) itself."""
    if not isinstance(data, Mapping):
        return data
    store: dict[Any, tuple[Any, Any]] = {}
    try:
        for key in data:  # MutableMapping.update's loop for a Mapping
            value = data[key]
            if isinstance(value, tuple | list):
                value = value[0]
            lower = key.lower()
            old = store.get(lower)
            if old:
                key = old[0]
            store[lower] = (key, value)
    except Exception:
        return data
    mapping: Any = object.__new__(HeadersDict)  # neither class defines __new__
    mapping._store = store
    return mapping


def new_request(method: Any, uri: Any, body: Any, headers: Any) -> Any:
    """``vcr.request.Request(method, uri, body, headers)``, its headers built by :func:`headers_dict`."""
    return VcrRequest(method=method, uri=uri, body=body, headers=headers_dict(headers))


def duplicate(request: Any) -> Any:
    """``copy.copy(request)`` whose ``headers`` is a new mapping equal to the original's.

    The secret filter's copy (see :mod:`.filtering`): for a plain ``Request`` whose header
    values are no lists or tuples (vcrpy's ``__setitem__`` unwraps them), rebuilding the
    mapping from ``dict(request.headers.items())`` gives back the inner dict it started from.
    """
    headers: Any = request.__dict__.get("_headers") if type(request) is VcrRequest else None
    if type(headers) is HeadersDict and not any(
            isinstance(value, tuple | list) for _, value in headers._store.values()):
        clone: Any = object.__new__(VcrRequest)
        clone.__dict__.update(request.__dict__)
        mapping: Any = object.__new__(HeadersDict)
        mapping._store = dict(headers._store)
        clone._headers = mapping
        return clone
    clone = copy.copy(request)
    clone.headers = dict(request.headers.items())
    return clone
