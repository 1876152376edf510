"""Read a cassette file of any real-world variant into the :mod:`cassette` model.

Variants read: vcrpy format 1 (YAML or JSON; header values as strings or lists; the old httpx
``content``/``status_code`` shape; pydantic-ai's ``parsed_body``; asyncpraw's pair and dict
bodies), pre-1.0 vcrpy cassettes (migrated in memory), betamax JSON and langchain's gzipped
``requests``/``responses`` YAML. Everything else raises :class:`CassetteFormatError` with one
line that names the file and says what to do.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from cassettes_tool.core.cassette import (
    Cassette,
    Interaction,
    Request,
    Response,
    body_to_bytes,
    normalize_headers,
)
from cassettes_tool.core.yamlio import load_yaml, yaml_error_line
from cassettes_tool.errors import (
    AliasError,
    CassetteFormatError,
    CassetteNotFoundError,
    UnsafeTagError,
)

REERECORD = "re-record it, or delete it if no test uses it"
MAX_DECOMPRESSED = 512 * 1024 * 1024


def detect_format(path: Path, data: bytes) -> str:
    """``json`` or ``yaml`` from the file name, else from the first non-blank byte."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if name.endswith(".json"):
        return "json"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    return "json" if data.lstrip()[:1] in (b"{",) else "yaml"


def load_cassette(path: Path | str) -> Cassette:
    """Read ``path`` into a :class:`Cassette` or raise a :class:`CassetteError`."""
    path = Path(path)
    return parse_cassette(path, read_cassette_bytes(path))


def read_cassette_bytes(path: Path) -> bytes:
    """The bytes of a cassette file, or a one-line :class:`CassetteError` that names it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CassetteNotFoundError(path, "no such file", "check the path") from None
    except IsADirectoryError:
        raise CassetteFormatError(path, "is a directory, not a cassette file") from None
    except OSError as exc:
        raise CassetteFormatError(path, f"cannot be read: {exc.strerror or exc}", "check its permissions") from None


def parse_cassette(path: Path, data: bytes) -> Cassette:
    """Parse the bytes of a cassette file (see :func:`load_cassette`)."""
    compressed = data.startswith(b"\x1f\x8b")
    if compressed:
        try:
            data = _gunzip(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise CassetteFormatError(path, f"gzip data is corrupt ({exc})", REERECORD) from None
    fmt = detect_format(path, data)
    document = _parse_text(path, data, fmt)
    try:
        cassette = _from_document(path, document, fmt)
    except (TypeError, ValueError, OverflowError, RecursionError) as exc:
        # Valid YAML/JSON holding values no HTTP cassette has (dates, sets, infinite status...).
        raise CassetteFormatError(path, f"holds a value no cassette can have: {exc}", REERECORD) from None
    if compressed and cassette.variant == "vcrpy":
        cassette.variant = "vcrpy-gzip"  # read-only: whoever gzipped it has their own serializer
    return cassette


def _gunzip(data: bytes) -> bytes:
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = decompressor.decompress(data, MAX_DECOMPRESSED)
    if decompressor.unconsumed_tail:
        raise OSError("decompressed size over 512 MB")
    return out


def _parse_text(path: Path, data: bytes, fmt: str) -> Any:
    if not data or data.isspace():
        raise CassetteFormatError(path, "is empty", f"{REERECORD} (an empty cassette is `version: 1` and `interactions: []`)")
    if fmt == "json":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _not_text(path, exc.start) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CassetteFormatError(path, f"line {exc.lineno}: invalid JSON: {exc.msg}", "fix the syntax or re-record it") from None
        except RecursionError:
            raise CassetteFormatError(path, "JSON nested too deeply", REERECORD) from None
        except ValueError as exc:  # e.g. an integer over Python's 4300-digit conversion limit
            raise CassetteFormatError(path, f"invalid JSON: {exc}", "fix the value or re-record it") from None
    try:
        # Bytes straight to libyaml: it decodes UTF-8 itself, faster than decoding in Python.
        return load_yaml(data)
    except yaml.reader.ReaderError as exc:
        raise _not_text(path, exc.position) from None
    except UnsafeTagError as exc:
        raise CassetteFormatError(
            path,
            f"line {exc.line}: YAML tag {exc.tag} would construct a Python object; it is never executed",
            "remove the tag or re-record the cassette",
        ) from None
    except AliasError as exc:
        raise CassetteFormatError(path, str(exc), REERECORD) from None
    except yaml.YAMLError as exc:
        line = yaml_error_line(exc)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f"line {line}: " if line else ""
        raise CassetteFormatError(path, f"{where}invalid YAML: {problem}", "fix the syntax or re-record it") from None
    except RecursionError:
        raise CassetteFormatError(path, "YAML nested too deeply", REERECORD) from None
    except (ValueError, OverflowError, KeyError, AttributeError, TypeError, IndexError) as exc:
        # PyYAML's constructors of standard tags leak these on bad scalars: `!!bool yes null`
        # (KeyError), `!!timestamp x` (AttributeError), `!!float` with no value (IndexError),
        # `!!int 0x`, an integer over 4300 digits.
        raise CassetteFormatError(path, f"invalid YAML value: {type(exc).__name__} {exc}",
                                  "fix the value or re-record it") from None


def _not_text(path: Path, position: int) -> CassetteFormatError:
    return CassetteFormatError(
        path, f"is not UTF-8 text (byte {position}); looks like binary data, not a cassette", REERECORD
    )


def _from_document(path: Path, document: Any, fmt: str) -> Cassette:
    if isinstance(document, list):
        return _from_pre_1_0(path, document, fmt)
    if not isinstance(document, dict):
        raise CassetteFormatError(
            path, f"top level is a {_kind(document)}, not a cassette mapping", "is this file a vcrpy cassette?"
        )
    if "http_interactions" in document:
        return _from_betamax(path, document)
    if "requests" in document and "responses" in document and "interactions" not in document:
        return _from_parallel_lists(path, document, fmt)
    if "interactions" not in document:
        keys = ", ".join(sorted(map(str, document))[:5]) or "none"
        raise CassetteFormatError(
            path, f"has no 'interactions' list (top-level keys: {keys})", "is this file a vcrpy cassette?"
        )
    interactions_raw = document["interactions"]
    if interactions_raw is None:
        interactions_raw = []
    if not isinstance(interactions_raw, list):
        raise CassetteFormatError(path, f"'interactions' is a {_kind(interactions_raw)}, not a list", REERECORD)
    version = document.get("version", 1)
    if version != 1:
        raise CassetteFormatError(
            path, f"cassette format version {version!r} is not supported (only 1)", "re-record it with vcrpy"
        )
    interactions = [_interaction(path, i, raw) for i, raw in enumerate(interactions_raw)]
    metadata = document.get("metadata")
    extra = {k: v for k, v in document.items() if k not in ("version", "interactions", "metadata")}
    return Cassette(
        path=path,
        format=fmt,
        interactions=interactions,
        metadata=dict(metadata) if isinstance(metadata, dict) else {},
        variant="vcrpy",
        extra=extra,
        key_order=tuple(str(k) for k in document),
    )


def _kind(value: Any) -> str:
    return {dict: "mapping", list: "list", str: "string", int: "number", float: "number",
            bool: "boolean", type(None): "null"}.get(type(value), type(value).__name__)


def _interaction(path: Path, index: int, raw: Any) -> Interaction:
    if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict) or not isinstance(
        raw.get("response"), dict
    ):
        if isinstance(raw, dict) and ("request_stream" in raw or "response_stream" in raw):
            raise CassetteFormatError(
                path,
                f"interaction {index} is a gRPC stream recording, not an HTTP interaction",
                "cassettes only checks HTTP cassettes; exclude this file",
            )
        raise CassetteFormatError(
            path, f"interaction {index} has no request/response mapping", "is this file a vcrpy cassette?"
        )
    request = _request(path, index, raw["request"])
    response = _response(path, index, raw["response"])
    return Interaction(request=request, response=response, raw=dict(raw))


def _request(path: Path, index: int, raw: Mapping[str, Any]) -> Request:
    method = raw.get("method")
    uri = raw.get("uri") or raw.get("url")
    if uri is None and raw.get("host"):
        uri = _uri_from_parts(raw)
    if not isinstance(method, str) or not isinstance(uri, str):
        raise CassetteFormatError(
            path, f"interaction {index}: request has no method or uri", "is this file an HTTP cassette?"
        )
    try:
        _ = urlsplit(uri).port  # every consumer splits the URI: a broken one must stop here
    except ValueError as exc:
        raise CassetteFormatError(
            path, f"interaction {index}: request uri {uri[:80]!r} is not a valid URL ({exc})", REERECORD
        ) from None
    body = raw["body"] if "body" in raw else raw.get("parsed_body")
    if isinstance(body, dict) and ("string" in body or "base64_string" in body):
        body = _betamax_body(body)
    return Request(method=method, uri=uri, headers=normalize_headers(raw.get("headers")), body=body_to_bytes(body))


def _uri_from_parts(raw: Mapping[str, Any]) -> str:
    scheme = str(raw.get("protocol") or "http")
    host = str(raw.get("host"))
    port = raw.get("port")
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    path_part = str(raw.get("path") or "/")
    path_only, _, query = path_part.partition("?")
    return urlunsplit((scheme, netloc, path_only, query, ""))


def _response(path: Path, index: int, raw: Mapping[str, Any]) -> Response:
    status_raw = raw.get("status", raw.get("status_code"))
    reason = ""
    if isinstance(status_raw, dict):
        reason = str(status_raw.get("message") or "")
        status_raw = status_raw.get("code")
    try:
        status = int(status_raw)
    except (TypeError, ValueError):
        raise CassetteFormatError(
            path, f"interaction {index}: response has no status code", "is this file an HTTP cassette?"
        ) from None
    if "body" in raw:
        body_raw = raw["body"]
        if isinstance(body_raw, dict):
            body_raw = _betamax_body(body_raw) if "base64_string" in body_raw else body_raw.get("string")
    elif "content" in raw:
        body_raw = raw["content"]
    else:
        body_raw = raw.get("parsed_body")
    body = body_to_bytes(body_raw) or b""
    return Response(status=status, reason=reason, headers=normalize_headers(raw.get("headers")), body=body)


def _betamax_body(body: Mapping[str, Any]) -> Any:
    encoded = body.get("base64_string")
    if encoded:
        try:
            return base64.b64decode(encoded)
        except ValueError:
            return b""
    return body.get("string")


def _from_pre_1_0(path: Path, document: list[Any], fmt: str) -> Cassette:
    """vcrpy before 1.0 wrote a bare list of interactions; migrate it in memory."""
    interactions: list[Interaction] = []
    for index, raw in enumerate(document):
        if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
            raise CassetteFormatError(
                path, f"top level is a list whose item {index} is not an interaction", "is this file a vcrpy cassette?"
            )
        request = _request(path, index, raw["request"])
        response = _response(path, index, raw.get("response") or {})
        interactions.append(Interaction(request=request, response=response, raw=None))
    return Cassette(path=path, format=fmt, interactions=interactions, variant="vcrpy-pre-1.0")


def _from_betamax(path: Path, document: Mapping[str, Any]) -> Cassette:
    raw_list = document.get("http_interactions") or []
    if not isinstance(raw_list, list):
        raise CassetteFormatError(path, "'http_interactions' is not a list", REERECORD)
    interactions = [_interaction(path, i, raw) for i, raw in enumerate(raw_list)]
    for interaction in interactions:
        interaction.raw = None
    recorded = [r.get("recorded_at") for r in raw_list if isinstance(r, dict) and r.get("recorded_at")]
    metadata: dict[str, Any] = {"recorded_with": document.get("recorded_with")}
    if recorded:
        metadata["recorded_at"] = max(str(r) for r in recorded)
    return Cassette(path=path, format="json", interactions=interactions, metadata=metadata, variant="betamax")


def _from_parallel_lists(path: Path, document: Mapping[str, Any], fmt: str) -> Cassette:
    """langchain's serializer: parallel ``requests`` and ``responses`` lists."""
    requests_raw, responses_raw = document["requests"], document["responses"]
    if not isinstance(requests_raw, list) or not isinstance(responses_raw, list) or len(requests_raw) != len(responses_raw):
        raise CassetteFormatError(path, "'requests' and 'responses' are not lists of equal length", REERECORD)
    interactions = []
    for index, (req, resp) in enumerate(zip(requests_raw, responses_raw, strict=True)):
        interactions.append(_interaction(path, index, {"request": req, "response": resp}))
        interactions[-1].raw = None
    return Cassette(path=path, format=fmt, interactions=interactions, variant="langchain-gzip")
