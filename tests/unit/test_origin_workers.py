"""The origin's workers follow the build `nmo serve` points them at, switching in one step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nmo_cli.origin_workers import FollowingOrigin, SitePointer


class RecordingOrigin:
    def __init__(self) -> None:
        self.switches: list[tuple[Path, str]] = []

    def serve_site(self, site_dir: Path, csp: str) -> None:
        self.switches.append((site_dir, csp))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"ok"]


def _request(app: FollowingOrigin) -> list[bytes]:
    return list(app({"PATH_INFO": "/"}, lambda status, headers: None))


def test_a_pointer_reads_back_what_was_published(tmp_path: Path):
    pointer = SitePointer(tmp_path / "site.json")
    assert pointer.read() is None
    pointer.publish(tmp_path / "site.1", "default-src 'self'")
    published = pointer.read()
    assert published is not None
    assert SitePointer.parse(published) == (tmp_path / "site.1", "default-src 'self'")
    assert not (tmp_path / "site.json.tmp").exists()


def test_a_worker_switches_to_a_newly_published_build_at_its_next_request(tmp_path: Path):
    pointer = SitePointer(tmp_path / "site.json")
    pointer.publish(tmp_path / "site", "csp-0")
    origin = RecordingOrigin()
    app = FollowingOrigin(origin, pointer)
    assert _request(app) == [b"ok"]
    assert origin.switches == []  # the build it started with

    pointer.publish(tmp_path / "site.1", "csp-1")
    assert _request(app) == [b"ok"]
    assert _request(app) == [b"ok"]
    assert origin.switches == [(tmp_path / "site.1", "csp-1")]  # once, not per request

    # Published back to back (within one clock tick): each switch is still seen.
    pointer.publish(tmp_path / "site.2", "csp-2")
    _request(app)
    pointer.publish(tmp_path / "site.3", "csp-3")
    _request(app)
    assert origin.switches[1:] == [(tmp_path / "site.2", "csp-2"), (tmp_path / "site.3", "csp-3")]
