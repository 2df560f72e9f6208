"""The local site follows the published catalog: rebuilt on change, switched in one step."""

from __future__ import annotations

from pathlib import Path

from nmo_cli.site_refresh import SiteRefresher


def test_a_changed_catalog_is_rebuilt_and_served_and_the_old_build_removed_a_check_later(
    tmp_path: Path,
):
    state = {"fingerprint": "a"}
    served: list[Path] = []

    def build(out: Path, env: dict) -> None:
        out.mkdir(parents=True)
        (out / "index.html").write_text(state["fingerprint"], encoding="utf-8")

    refresher = SiteRefresher(
        tmp_path / "site", {}, served.append, fingerprint=lambda: state["fingerprint"], build=build
    )
    refresher._seen = "a"
    assert refresher.refresh_once() is False
    assert served == []

    state["fingerprint"] = "b"
    assert refresher.refresh_once() is True
    assert (served[-1] / "index.html").read_text() == "b"

    state["fingerprint"] = "c"
    assert refresher.refresh_once() is True
    assert (served[-1] / "index.html").read_text() == "c"
    # The superseded build outlives the switch by one check: a request under way may read it.
    assert served[0].exists()
    assert refresher.refresh_once() is False
    assert not served[0].exists()
    assert served[1].exists()


def test_a_failed_build_keeps_the_site_being_served(tmp_path: Path):
    served: list[Path] = []

    def broken(out: Path, env: dict) -> None:
        raise RuntimeError("mkdocs failed")

    refresher = SiteRefresher(
        tmp_path / "site", {}, served.append, fingerprint=lambda: "x", build=broken, interval=0.01
    )
    refresher._seen = "old"
    thread = refresher.start("old")
    thread.join(0.2)
    refresher.stop()
    thread.join(1)
    assert served == []
