"""Uploading the built site to an S3(-compatible) bucket: only files whose content changed (local
MD5 against the object's ETag), each with its Content-Type and Cache-Control."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Text types carry their charset; .ics must be text/calendar for calendar apps to open it.
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".map": "application/json; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".gz": "application/gzip",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
# Material's bundles carry a content hash in their names (bundle.a5f9d56c.min.js): never change.
_HASHED = re.compile(r"\.[0-9a-f]{8,}\.(min\.)?(js|css)$")
LONG_CACHE = "public, max-age=31536000, immutable"
# Pages, the catalog index, calendars and unhashed assets change with every publish.
SHORT_CACHE = "public, max-age=300, must-revalidate"


def content_type(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def cache_control(path: str) -> str:
    return LONG_CACHE if _HASHED.search(path) else SHORT_CACHE


@dataclass
class PublishReport:
    uploaded: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def remote_etags(client: Any, bucket: str, prefix: str = "") -> dict[str, str]:
    etags: dict[str, str] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            etags[item["Key"]] = item["ETag"].strip('"')
    return etags


def publish(
    site_dir: Path,
    bucket: str,
    *,
    client: Any = None,
    endpoint_url: str | None = None,
    prefix: str = "",
    prune: bool = False,
) -> PublishReport:
    """Upload what changed. `prune` also deletes objects the new build no longer has (off by
    default: pages cached before the publish may still ask for old assets)."""
    if client is None:
        import boto3

        client = boto3.client("s3", endpoint_url=endpoint_url)
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        raise FileNotFoundError(f"{site_dir} is not a built site (no index.html)")
    remote = remote_etags(client, bucket, prefix)
    report = PublishReport()
    local_keys: set[str] = set()
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        key = prefix + path.relative_to(site_dir).as_posix()
        local_keys.add(key)
        if remote.get(key) == _md5(path):
            report.unchanged += 1
            continue
        with path.open("rb") as body:
            client.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentType=content_type(key),
                CacheControl=cache_control(key),
            )
        report.uploaded.append(key)
    if prune:
        stale = sorted(set(remote) - local_keys)
        for start in range(0, len(stale), 1000):
            batch = stale[start : start + 1000]
            client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
            )
        report.deleted = stale
    return report
