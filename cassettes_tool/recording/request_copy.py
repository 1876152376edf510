"""A cheap copy of a vcrpy request for the secret filter to mutate.

``copying_request_filter`` (see :mod:`.filtering`) hands the filter ``copy.copy(request)`` with a
headers mapping of its own, rebuilt from ``dict(request.headers.items())``. :func:`duplicate`
builds the same object without ``copy``'s reduce protocol and without re-inserting every header
through ``HeadersDict.__setitem__``: for a plain vcrpy ``Request`` whose header values are no
lists or tuples (what vcrpy stores: ``__setitem__`` unwraps them), rebuilding gives back exactly
the mapping it started from, so its inner dict is copied as it is. Anything else takes the
general path.
"""

from __future__ import annotations

import copy
from typing import Any

from vcr.request import HeadersDict
from vcr.request import Request as VcrRequest


def duplicate(request: Any) -> Any:
    """``copy.copy(request)`` whose ``headers`` is a new mapping equal to the original's."""
    headers: Any = request.__dict__.get("_headers") if type(request) is VcrRequest else None
    if type(headers) is HeadersDict and not any(
            isinstance(value, tuple | list) for _, value in headers._store.values()):
        clone: Any = object.__new__(VcrRequest)  # neither class defines __new__
        clone.__dict__.update(request.__dict__)
        mapping: Any = object.__new__(HeadersDict)
        mapping._store = dict(headers._store)
        clone._headers = mapping
        return clone
    clone = copy.copy(request)
    clone.headers = dict(request.headers.items())
    return clone
