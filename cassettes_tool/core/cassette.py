"""The one model of a cassette that every feature uses.

A :class:`Cassette` holds :class:`Interaction` objects, each a :class:`Request` and a
:class:`Response` with bodies as bytes *exactly as stored* (possibly compressed). Every
interaction keeps the mapping it was read from (``raw``), so writing a cassette back only
changes the interactions that were replaced: no churn in git.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlencode, urlsplit

from cassettes_tool.core.bodies import (
    decode_content,
    decode_content_limited,
    media_type,
    text_or_bytes,
)

Headers = dict[str, list[str]]

CASSETTE_FORMAT_VERSION = 1
WRITABLE_VARIANTS = ("vcrpy",)


def normalize_headers(raw: Any) -> Headers:
    """Headers as ``{name: [values]}`` from any shape found in real cassettes.

    Accepts mappings of lists or strings, lists of ``[name, values]`` pairs (tornado stub) and
    lists of raw ``"Name: value\\r\\n"`` lines (pre-1.0 vcrpy).
    """
    headers: Headers = {}
    if raw is None:
        return headers
    if type(raw) is dict or isinstance(raw, Mapping):
        items: Iterable[tuple[Any, Any]] = raw.items()
    elif isinstance(raw, list | tuple):
        pairs: list[tuple[Any, Any]] = []
        for entry in raw:
            if isinstance(entry, str) and ":" in entry:
                name, _, value = entry.partition(":")
                pairs.append((name.strip(), value.strip()))
            elif isinstance(entry, list | tuple) and len(entry) == 2:
                pairs.append((entry[0], entry[1]))
        items = pairs
    else:
        return headers
    for name, value in items:
        if name is None:
            continue
        if type(value) is list and all(type(v) is str for v in value):
            strings = value[:]  # the common case; a copy, as the raw interaction keeps its own
        else:
            values = value if isinstance(value, list | tuple) else [value]
            strings = ["" if v is None else str(v) for v in values]
        key = name if type(name) is str else str(name)
        known = headers.get(key)
        if known is None:
            headers[key] = strings
        else:
            known.extend(strings)
    return headers


def _get_header(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    for key, values in headers.items():
        if key.lower() == wanted and values:
            return values[0]
    return None


def body_to_bytes(body: Any) -> bytes | None:
    """Any stored body form (str, bytes, pairs, dict, parsed JSON) as bytes; None stays None."""
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8", errors="surrogateescape")
    if isinstance(body, list) and all(isinstance(p, list | tuple) and len(p) == 2 for p in body):
        return urlencode([(str(k), str(v)) for k, v in body]).encode()
    if isinstance(body, Mapping) and all(not isinstance(v, Mapping | list) for v in body.values()):
        return urlencode([(str(k), str(v)) for k, v in body.items()]).encode()
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


@dataclass
class Request:
    """A recorded request. ``body`` is bytes or None."""

    method: str
    uri: str
    headers: Headers = field(default_factory=dict)
    body: bytes | None = None

    def header(self, name: str) -> str | None:
        return _get_header(self.headers, name)

    @property
    def parts(self) -> SplitResult:
        return self._split()[0]

    def _split(self) -> tuple[SplitResult, str]:
        # Planning asks for the parts and the host of each request about fifteen times, more
        # than urlsplit's own small cache holds across a folder; kept while the URI is the same.
        memo: tuple[str, SplitResult, str] | None = self.__dict__.get("_split_memo")
        if memo is None or memo[0] is not self.uri:
            parts = urlsplit(self.uri)
            memo = (self.uri, parts, (parts.hostname or "").lower())
            self.__dict__["_split_memo"] = memo
        return memo[1], memo[2]

    @property
    def scheme(self) -> str:
        return self.parts.scheme.lower()

    @property
    def host(self) -> str:
        return self._split()[1]

    @property
    def port(self) -> int | None:
        parts = self.parts
        try:
            port = parts.port
        except ValueError:
            return None
        if port is not None:
            return port
        return {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme.lower())

    @property
    def path(self) -> str:
        return self.parts.path or "/"

    @property
    def query(self) -> str:
        return self.parts.query

    def to_raw(self) -> dict[str, Any]:
        """vcrpy's serialised request mapping."""
        body = None if self.body is None else text_or_bytes(self.body)
        return {
            "method": self.method,
            "uri": self.uri,
            "body": body,
            "headers": {k: list(v) for k, v in self.headers.items()},
        }


@dataclass
class Response:
    """A recorded response. ``body`` is bytes exactly as stored (maybe compressed)."""

    status: int
    reason: str = ""
    headers: Headers = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return _get_header(self.headers, name)

    @property
    def content_type(self) -> str | None:
        """The media type without parameters, lower-case (``application/json``)."""
        return media_type(self.header("content-type"))

    def decoded_body(self) -> bytes:
        """The body with ``Content-Encoding`` undone (already-decoded bodies pass through)."""
        return decode_content(self.body, self.header("content-encoding"))

    def decoded(self, limit: int | None = None) -> Response:
        """This response with ``Content-Encoding`` undone, as reports keep it.

        When decoding changed the body, the ``Content-Encoding`` header goes (the body no longer
        has it) and ``Content-Length`` is the new length; otherwise the response is returned as is.
        With ``limit``, a body decompressing past it raises :class:`BodyTooLargeError`.
        """
        body = (self.decoded_body() if limit is None
                else decode_content_limited(self.body, self.header("content-encoding"), limit))
        if body == self.body:
            return self
        headers = {k: list(v) for k, v in self.headers.items() if k.lower() != "content-encoding"}
        for name in headers:
            if name.lower() == "content-length":
                headers[name] = [str(len(body))]
        return Response(status=self.status, reason=self.reason, headers=headers, body=body)

    def to_raw(self) -> dict[str, Any]:
        """vcrpy's serialised response mapping."""
        return {
            "status": {"code": self.status, "message": self.reason},
            "headers": {k: list(v) for k, v in self.headers.items()},
            "body": {"string": text_or_bytes(self.body)},
        }


@dataclass
class Interaction:
    """One request and its response; ``raw`` is the stored mapping (None once replaced)."""

    request: Request
    response: Response
    raw: dict[str, Any] | None = None

    def to_raw(self) -> dict[str, Any]:
        if self.raw is not None:
            return self.raw
        return {"request": self.request.to_raw(), "response": self.response.to_raw()}

    def replace_response(self, response: Response) -> None:
        """Swap in a new response, keeping the stored request mapping as it was."""
        request_raw = self.raw["request"] if self.raw is not None else self.request.to_raw()
        self.response = response
        self.raw = {"request": request_raw, "response": response.to_raw()}


@dataclass
class Cassette:
    """A cassette file in memory.

    ``variant`` says what was read: ``vcrpy`` (format 1), ``vcrpy-pre-1.0`` (migrated in memory),
    ``betamax`` or ``langchain-gzip``. Only ``vcrpy`` cassettes are written back; the others are
    read-only because their own tools would not load vcrpy's format.
    """

    path: Path
    format: str = "yaml"
    interactions: list[Interaction] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    variant: str = "vcrpy"
    extra: dict[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.interactions)

    def __iter__(self) -> Iterator[Interaction]:
        return iter(self.interactions)

    @property
    def writable(self) -> bool:
        return self.variant in WRITABLE_VARIANTS

    @property
    def hosts(self) -> list[str]:
        return sorted({i.request.host for i in self.interactions if i.request.host})

    @property
    def methods(self) -> list[str]:
        return sorted({i.request.method.upper() for i in self.interactions})

    def to_document(self) -> dict[str, Any]:
        """The mapping vcrpy's serializers write (version, interactions, metadata, extras)."""
        values: dict[str, Any] = dict(self.extra)
        values["version"] = CASSETTE_FORMAT_VERSION
        values["interactions"] = [i.to_raw() for i in self.interactions]
        if self.metadata:
            values["metadata"] = self.metadata
        # Keep the file's own top-level key order (JSON is written unsorted).
        order = [k for k in self.key_order if k in values]
        order += [k for k in ("version", "interactions", "metadata", *self.extra) if k in values and k not in order]
        return {key: values[key] for key in order}
