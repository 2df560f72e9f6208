"""Uploading the built site to an S3(-compatible) bucket: only files whose content changed, each
with its Content-Type and Cache-Control, in an order that never serves a page before what it
needs, and objects the build no longer has deleted last.

How "changed" is decided: every object we upload carries the SHA-256 of its content in its
metadata (`x-amz-meta-sha256`), written atomically with the object, so no separate manifest can
ever disagree with the bucket (an interrupted publish leaves nothing stale to trust). The listing
gives each object's ETag; for a single-part PUT to a bucket with SSE-S3 (ours, infra/site.yaml)
that is the MD5 of the content, so an ETag equal to the local MD5 (and the same size) is the
fast path. Any other ETag (multipart uploads "…-N", SSE-KMS, another tool's upload) is not trusted
as a hash: the object's stored SHA-256 is read with one HEAD and decides. Headers come from the
key alone (content_type, cache_control): after changing those rules, publish once with
`full=True` (`nmo site publish --full`)."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Iterable
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
# Material's bundles and the catalog index's parts carry a content hash in their names
# (bundle.a5f9d56c.min.js, catalog/index/3.0f1e2d3c4b5a.json): never change.
_HASHED = re.compile(r"\.[0-9a-f]{8,}\.(min\.)?(js|css|json)$")
LONG_CACHE = "public, max-age=31536000, immutable"
# Pages, the catalog index, calendars and unhashed assets change with every publish.
SHORT_CACHE = "public, max-age=300, must-revalidate"
SHA256_META = "sha256"  # x-amz-meta-sha256
_PLAIN_MD5 = re.compile(r"[0-9a-f]{32}")


def content_type(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in _TYPES:
        return _TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def cache_control(path: str) -> str:
    return LONG_CACHE if _HASHED.search(path) else SHORT_CACHE


def upload_stage(key: str) -> int:
    """The order of uploads: what is named by its content's hash (0: Material's bundles, the
    catalog index's parts), then other assets and data (1: the index's head naming those parts),
    then the pages (2) that load them, then the sitemaps (3) that send crawlers to the pages.
    Deletions come after all of them."""
    name = key.rsplit("/", 1)[-1]
    if name.startswith("sitemap") or name == "robots.txt":
        return 3
    if name.endswith(".html"):
        return 2
    return 0 if _HASHED.search(key) else 1


@dataclass
class PublishReport:
    uploaded: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)
    bytes_uploaded: int = 0
    heads: int = 0  # objects whose ETag was not a plain MD5 of ours and had to be asked


@dataclass(frozen=True)
class LocalFile:
    key: str
    path: Path
    size: int
    md5: str
    sha256: str


@dataclass(frozen=True)
class RemoteObject:
    etag: str
    size: int


def _digests(path: Path) -> tuple[str, str]:
    md5 = hashlib.md5(usedforsecurity=False)
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            md5.update(chunk)
            sha.update(chunk)
    return md5.hexdigest(), sha.hexdigest()


def local_files(site_dir: Path, prefix: str = "") -> list[LocalFile]:
    files = []
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        md5, sha = _digests(path)
        key = prefix + path.relative_to(site_dir).as_posix()
        files.append(LocalFile(key, path, path.stat().st_size, md5, sha))
    return files


def remote_objects(client: Any, bucket: str, prefix: str = "") -> dict[str, RemoteObject]:
    found: dict[str, RemoteObject] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = RemoteObject(item["ETag"].strip('"'), int(item["Size"]))
    return found


def _etag_is_our_md5(local: LocalFile, remote: RemoteObject) -> bool:
    return bool(_PLAIN_MD5.fullmatch(remote.etag)) and remote.etag == local.md5


def plan(
    client: Any, bucket: str, files: Iterable[LocalFile], remote: dict[str, RemoteObject]
) -> tuple[list[LocalFile], int, int]:
    """(files to upload in upload order, how many are unchanged, HEAD requests made)."""
    changed: list[LocalFile] = []
    unchanged = heads = 0
    for local in files:
        existing = remote.get(local.key)
        if existing is None or existing.size != local.size:
            same = False
        elif _etag_is_our_md5(local, existing):
            same = True
        else:
            heads += 1
            meta = client.head_object(Bucket=bucket, Key=local.key).get("Metadata", {})
            same = meta.get(SHA256_META) == local.sha256
        if same:
            unchanged += 1
        else:
            changed.append(local)
    changed.sort(key=lambda f: (upload_stage(f.key), f.key))
    return changed, unchanged, heads


def publish(
    site_dir: Path,
    bucket: str,
    *,
    client: Any = None,
    endpoint_url: str | None = None,
    prefix: str = "",
    prune: bool = True,
    full: bool = False,
) -> PublishReport:
    """Upload what changed, then delete what the build no longer has (`prune=False` keeps it).
    `full` uploads every file (after a change of the header rules). Running it twice uploads
    nothing the second time."""
    if client is None:
        import boto3

        client = boto3.client("s3", endpoint_url=endpoint_url)
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        raise FileNotFoundError(f"{site_dir} is not a built site (no index.html)")
    files = local_files(site_dir, prefix)
    remote = remote_objects(client, bucket, prefix)
    report = PublishReport()
    if full:
        changed = sorted(files, key=lambda f: (upload_stage(f.key), f.key))
    else:
        changed, report.unchanged, report.heads = plan(client, bucket, files, remote)
    for local in changed:
        with local.path.open("rb") as body:
            client.put_object(
                Bucket=bucket,
                Key=local.key,
                Body=body,
                ContentType=content_type(local.key),
                CacheControl=cache_control(local.key),
                Metadata={SHA256_META: local.sha256},
            )
        report.uploaded.append(local.key)
        report.bytes_uploaded += local.size
    if prune:
        stale = sorted(set(remote) - {f.key for f in files})
        for start in range(0, len(stale), 1000):
            batch = stale[start : start + 1000]
            client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
            )
        report.deleted = stale
    return report
