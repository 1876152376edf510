"""Body decoding: Content-Encoding, media types, JSON parsing and binary detection."""

from __future__ import annotations

import gzip
import json
import math
import zlib
from typing import Any

from cassettes_tool.errors import BodyTooLargeError

try:  # a dependency; guarded so a broken install still reads identity bodies
    import brotli as _brotli
except ImportError:  # pragma: no cover - depends on the environment
    _brotli = None

GZIP_MAGIC = b"\x1f\x8b"


def decode_content(body: bytes, encoding: str | None) -> bytes:
    """Undo ``Content-Encoding`` (gzip, deflate, br; chained). Already-decoded bodies pass through.

    Many cassettes keep the ``Content-Encoding: gzip`` header while storing the body decoded
    (httpx, aiohttp, pystac-client); a body that does not decompress is returned unchanged.
    """
    if not body or not encoding:
        return body
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        body = _decode_one(body, coding)
    return body


def _decode_one(body: bytes, coding: str) -> bytes:
    try:
        if coding in ("gzip", "x-gzip"):
            if not body.startswith(GZIP_MAGIC):
                return body
            return gzip.decompress(body)
        if coding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
        if coding == "br" and _brotli is not None:
            return bytes(_brotli.decompress(body))
    except (OSError, EOFError, zlib.error, ValueError, Exception):
        return body
    return body


def decode_content_limited(body: bytes, encoding: str | None, limit: int) -> bytes:
    """:func:`decode_content` that never holds more than ``limit`` decoded bytes.

    Decompression streams and stops as soon as the output passes ``limit``, raising
    :class:`BodyTooLargeError`: a 1 MB gzip bomb that inflates to 1 GiB costs ``limit`` bytes of
    memory, not a gigabyte. A body that does not decompress is returned unchanged, as above.
    """
    if not body or not encoding:
        return body
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        body = _decode_one_limited(body, coding, limit)
    return body


_STEP = 64 * 1024


def _decode_one_limited(body: bytes, coding: str, limit: int) -> bytes:
    decoded: bytes | None = None
    if coding in ("gzip", "x-gzip") and body.startswith(GZIP_MAGIC):
        decoded = _inflate(body, 16 + zlib.MAX_WBITS, limit)
    elif coding == "deflate":
        decoded = _inflate(body, zlib.MAX_WBITS, limit)
        if decoded is None:
            decoded = _inflate(body, -zlib.MAX_WBITS, limit)
    elif coding == "br" and _brotli is not None:
        decoded = _unbrotli(body, limit)
    return body if decoded is None else decoded


def _inflate(body: bytes, wbits: int, limit: int) -> bytes | None:
    """zlib/gzip decompression, at most ``_STEP`` output bytes at a time; None when it does not decode.

    Concatenated gzip members are joined, as :func:`gzip.decompress` does.
    """
    out: list[bytes] = []
    size = 0
    data = body
    try:
        while True:
            inflater = zlib.decompressobj(wbits)
            pending = data
            while True:
                chunk = inflater.decompress(pending, _STEP)
                size += len(chunk)
                if size > limit:
                    raise BodyTooLargeError(f"decompresses to more than {limit} bytes")
                out.append(chunk)
                pending = inflater.unconsumed_tail
                if inflater.eof or (not pending and len(chunk) < _STEP):
                    break
            if not inflater.eof:
                return None  # truncated
            data = inflater.unused_data
            if wbits <= 16 or not data.strip(b"\x00"):
                break
    except zlib.error:
        return None
    return b"".join(out)


def _unbrotli(body: bytes, limit: int) -> bytes:
    """Brotli decompression fed in small input steps so the output is checked as it grows."""
    assert _brotli is not None
    decompressor = _brotli.Decompressor()
    out: list[bytes] = []
    size = 0
    try:
        for start in range(0, len(body), 256):
            chunk = bytes(decompressor.process(body[start:start + 256]))
            size += len(chunk)
            if size > limit:
                raise BodyTooLargeError(f"decompresses to more than {limit} bytes")
            out.append(chunk)
    except _brotli.error:
        return body
    return b"".join(out)


def media_type(content_type: str | None) -> str | None:
    """``'application/json; charset=utf-8'`` -> ``'application/json'``; None when absent."""
    if not content_type:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return value or None


def is_json_media(media: str | None) -> bool:
    """JSON media types: ``application/json`` and any ``+json`` suffix."""
    if media is None:
        return False
    return media in ("application/json", "text/json") or media.endswith("+json")


def is_ndjson_media(media: str | None) -> bool:
    return media in ("application/x-ndjson", "application/ndjson", "application/jsonl",
                     "application/x-jsonlines", "application/jsonlines")


def looks_binary(body: bytes) -> bool:
    """True for bodies that are not readable text (NUL bytes, or not UTF-8)."""
    if not body:
        return False
    sample = body[:4096]
    if b"\x00" in sample:
        return True
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still text.
        return exc.start < len(sample) - 4
    return False


_NOT_JSON = object()


def _reject_constant(name: str) -> Any:
    # Bare NaN/Infinity are not JSON, but real APIs emit them (siphon's iastate cassette).
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def parse_json(body: bytes | str) -> Any:
    """Parse a JSON body; raise ValueError when it is not JSON."""
    text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
    return json.loads(text, parse_constant=_reject_constant)


def try_parse_json(body: bytes | str) -> tuple[bool, Any]:
    """``(True, value)`` when the body is JSON, else ``(False, None)``."""
    try:
        return True, parse_json(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False, None


def text_or_bytes(body: bytes) -> str | bytes:
    """The form vcrpy stores a body in: text when it is UTF-8, bytes (``!!binary``) otherwise."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body
