"""`nmo site publish` against moto S3: only changed files go up, each with its headers and its
SHA-256, assets before the pages that use them, deletions last."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from nmo_cli.cli import main
from nmo_cli.site_publish import LONG_CACHE, SHA256_META, SHORT_CACHE, publish

BUCKET = "nmo-site-test"


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def built(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    files = {
        "index.html": "<!doctype html><title>НМО</title>",
        "catalog/index.json": '{"v":1}',
        "catalog/e/ev-1/index.html": "<p>Мероприятие</p>",
        "assets/javascripts/bundle.a5f9d56c.min.js": "console.log(1)",
        "assets/js/portal.js": "void 0",
        "assets/css/portal.css": "a{}",
        "sitemap.xml.gz": "x",
    }
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    return site


def _head(s3: Any, key: str) -> dict[str, Any]:
    return dict(s3.head_object(Bucket=BUCKET, Key=key))


def test_first_publish_uploads_everything_with_content_types(s3: Any, built: Path) -> None:
    report = publish(built, BUCKET, client=s3)
    assert len(report.uploaded) == 7 and report.unchanged == 0
    assert _head(s3, "index.html")["ContentType"] == "text/html; charset=utf-8"
    assert _head(s3, "catalog/index.json")["ContentType"] == "application/json; charset=utf-8"
    assert _head(s3, "catalog/e/ev-1/index.html")["ContentType"] == "text/html; charset=utf-8"
    assert _head(s3, "assets/js/portal.js")["ContentType"] == "text/javascript; charset=utf-8"
    assert _head(s3, "assets/css/portal.css")["ContentType"] == "text/css; charset=utf-8"
    assert _head(s3, "sitemap.xml.gz")["ContentType"] == "application/gzip"


def test_hashed_assets_are_cached_long_and_pages_briefly(s3: Any, built: Path) -> None:
    publish(built, BUCKET, client=s3)
    assert _head(s3, "assets/javascripts/bundle.a5f9d56c.min.js")["CacheControl"] == LONG_CACHE
    for key in (
        "index.html",
        "catalog/index.json",
        "catalog/e/ev-1/index.html",
        "assets/js/portal.js",
    ):
        assert _head(s3, key)["CacheControl"] == SHORT_CACHE, key


def test_second_publish_uploads_only_what_changed(s3: Any, built: Path) -> None:
    publish(built, BUCKET, client=s3)
    (built / "catalog" / "index.json").write_text('{"v":2}', encoding="utf-8")
    (built / "help").mkdir()
    (built / "help" / "index.html").write_text("<p>Справка</p>", encoding="utf-8")
    report = publish(built, BUCKET, client=s3)
    assert sorted(report.uploaded) == ["catalog/index.json", "help/index.html"]
    assert report.unchanged == 6
    body = s3.get_object(Bucket=BUCKET, Key="catalog/index.json")["Body"].read()
    assert body == b'{"v":2}'


def test_removed_files_are_deleted_unless_asked_to_keep_them(s3: Any, built: Path) -> None:
    publish(built, BUCKET, client=s3)
    (built / "catalog" / "e" / "ev-1" / "index.html").unlink()
    assert publish(built, BUCKET, client=s3, prune=False).deleted == []
    assert "catalog/e/ev-1/index.html" in _keys(s3)
    report = publish(built, BUCKET, client=s3)
    assert report.deleted == ["catalog/e/ev-1/index.html"] and report.uploaded == []
    assert "catalog/e/ev-1/index.html" not in _keys(s3)


def _keys(s3: Any) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_each_object_carries_the_sha256_of_its_content(s3: Any, built: Path) -> None:
    import hashlib

    publish(built, BUCKET, client=s3)
    digest = hashlib.sha256((built / "index.html").read_bytes()).hexdigest()
    assert _head(s3, "index.html")["Metadata"] == {SHA256_META: digest}


def test_a_change_that_keeps_the_size_is_still_uploaded(s3: Any, built: Path) -> None:
    publish(built, BUCKET, client=s3)
    (built / "catalog" / "index.json").write_text('{"v":9}', encoding="utf-8")
    report = publish(built, BUCKET, client=s3)
    assert report.uploaded == ["catalog/index.json"]


def test_an_etag_that_is_not_an_md5_is_not_trusted_the_stored_sha256_decides(
    s3: Any, built: Path
) -> None:
    publish(built, BUCKET, client=s3)
    # Another tool re-uploaded two files as multipart uploads (ETag "<md5 of md5s>-1"): one with
    # the same bytes and our SHA-256 in its metadata, one with the same bytes and no metadata.
    for key, meta in (("assets/css/portal.css", True), ("assets/js/portal.js", False)):
        data = (built / key).read_bytes()
        extra = {"Metadata": dict(_head(s3, key)["Metadata"])} if meta else {}
        upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key, **extra)
        part = s3.upload_part(
            Bucket=BUCKET, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=data
        )
        s3.complete_multipart_upload(
            Bucket=BUCKET,
            Key=key,
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
        )
        assert _head(s3, key)["ETag"].strip('"').endswith("-1")
    report = publish(built, BUCKET, client=s3)
    assert report.uploaded == ["assets/js/portal.js"]  # no hash to compare: sent again
    assert report.heads == 2


def test_assets_go_up_before_pages_and_sitemaps_and_deletions_come_last(
    s3: Any, built: Path
) -> None:
    publish(built, BUCKET, client=s3)
    (built / "catalog" / "e" / "ev-1" / "index.html").unlink()
    for rel in ("catalog/e/ev-2/index.html", "assets/js/new.js", "sitemap.xml", "index.html"):
        (built / rel).parent.mkdir(parents=True, exist_ok=True)
        (built / rel).write_text(f"new {rel}", encoding="utf-8")
    calls: list[str] = []
    s3.meta.events.register(
        "provide-client-params.s3.PutObject",
        lambda params, **_: calls.append("put " + params["Key"]),
    )
    s3.meta.events.register("before-call.s3.DeleteObjects", lambda **_: calls.append("delete"))
    publish(built, BUCKET, client=s3)
    assert calls == [
        "put assets/js/new.js",
        "put catalog/e/ev-2/index.html",
        "put index.html",
        "put sitemap.xml",
        "delete",
    ]


def test_full_publish_sends_everything_again(s3: Any, built: Path) -> None:
    publish(built, BUCKET, client=s3)
    assert len(publish(built, BUCKET, client=s3, full=True).uploaded) == 7


def test_cli_publish_reports_what_it_did(
    s3: Any, built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["site", "publish", "--bucket", BUCKET, "--site-dir", str(built)]) == 0
    size = sum(p.stat().st_size for p in built.rglob("*") if p.is_file())
    assert f"uploaded 7 ({size} bytes), unchanged 0" in capsys.readouterr().out
    # The deploy script's and the publishing job's invocation (--prune) keeps working.
    args = ["site", "publish", "--bucket", BUCKET, "--site-dir", str(built), "--prune"]
    assert main(args) == 0
    assert "uploaded 0 (0 bytes), unchanged 7, deleted 0" in capsys.readouterr().out


def test_publishing_a_folder_that_is_not_a_built_site_is_refused(s3: Any, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        publish(tmp_path, BUCKET, client=s3)
