"""Text compression for the local origin, as the CDN does it (`Compress: true` in infra/site.yaml):
brotli when the browser takes it, else gzip; only text types and only bodies worth it.

Static files are compressed once per (file, size, mtime) and kept in a small cache: a page load
asks for the same ~20 files again and again, and brotli costs milliseconds per 100 KB.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from pathlib import Path

import brotli

# CloudFront compresses from 1,000 bytes; below that the headers cost more than they save.
MIN_SIZE = 1000
_COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/manifest+json",
    "image/svg+xml",
)
# Quality 5 is brotli's usual on-the-fly setting: smaller than gzip -6 at about its speed.
_BROTLI_QUALITY = 5
_GZIP_LEVEL = 6
_CACHE_ENTRIES = 512


def choose_encoding(accept_encoding: str | None) -> str | None:
    """`br` or `gzip` if the client accepts it (q=0 refuses), else None."""
    accepted: dict[str, float] = {}
    for part in (accept_encoding or "").split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if name:
            accepted[name.strip().lower()] = quality
    for encoding in ("br", "gzip"):
        if accepted.get(encoding, accepted.get("*", 0.0)) > 0:
            return encoding
    return None


def worth_compressing(content_type: str, size: int) -> bool:
    return size >= MIN_SIZE and content_type.startswith(_COMPRESSIBLE)


def compress(data: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return bytes(brotli.compress(data, quality=_BROTLI_QUALITY))
    if encoding == "gzip":
        # mtime=0: the same file gives the same bytes (stable ETags, cacheable).
        return gzip.compress(data, compresslevel=_GZIP_LEVEL, mtime=0)
    raise ValueError(f"unsupported encoding {encoding}")


class CompressedFiles:
    """Compressed copies of static files, keyed by path, size and mtime (a rebuild's new files
    have other paths or mtimes, so nothing stale is served)."""

    def __init__(self, entries: int = _CACHE_ENTRIES) -> None:
        self._entries = entries
        self._cache: OrderedDict[tuple[str, int, int, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path, data: bytes, encoding: str) -> bytes:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns, encoding)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        body = compress(data, encoding)
        with self._lock:
            self._cache[key] = body
            while len(self._cache) > self._entries:
                self._cache.popitem(last=False)
        return body
