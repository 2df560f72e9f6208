"""`nmo site publish` against moto S3: only changed files go up, each with its headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from nmo_cli.cli import main
from nmo_cli.site_publish import LONG_CACHE, SHORT_CACHE, publish

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
        "catalog/ics/ev-1.ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
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
    assert _head(s3, "catalog/ics/ev-1.ics")["ContentType"] == "text/calendar; charset=utf-8"
    assert _head(s3, "assets/js/portal.js")["ContentType"] == "text/javascript; charset=utf-8"
    assert _head(s3, "assets/css/portal.css")["ContentType"] == "text/css; charset=utf-8"
    assert _head(s3, "sitemap.xml.gz")["ContentType"] == "application/gzip"


def test_hashed_assets_are_cached_long_and_pages_briefly(s3: Any, built: Path) -> None:
    publish(built, BUCKET, client=s3)
    assert _head(s3, "assets/javascripts/bundle.a5f9d56c.min.js")["CacheControl"] == LONG_CACHE
    for key in ("index.html", "catalog/index.json", "catalog/ics/ev-1.ics", "assets/js/portal.js"):
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


def test_prune_removes_objects_the_new_build_no_longer_has(s3: Any, built: Path) -> None:
    publish(built, BUCKET, client=s3)
    (built / "catalog" / "ics" / "ev-1.ics").unlink()
    assert publish(built, BUCKET, client=s3).deleted == []  # kept without --prune
    report = publish(built, BUCKET, client=s3, prune=True)
    assert report.deleted == ["catalog/ics/ev-1.ics"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert "catalog/ics/ev-1.ics" not in keys


def test_cli_publish_reports_what_it_did(
    s3: Any, built: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["site", "publish", "--bucket", BUCKET, "--site-dir", str(built)]) == 0
    assert "uploaded 7, unchanged 0" in capsys.readouterr().out
    assert main(["site", "publish", "--bucket", BUCKET, "--site-dir", str(built)]) == 0
    assert "uploaded 0, unchanged 7" in capsys.readouterr().out


def test_publishing_a_folder_that_is_not_a_built_site_is_refused(s3: Any, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        publish(tmp_path, BUCKET, client=s3)
