"""Where the login returns to: same-site paths only, whatever a crafted link puts in `next`."""

from __future__ import annotations

import urllib.parse

import pytest
from chalicelib.errors import InvalidInput
from chalicelib.services.auth import DEFAULT_NEXT, safe_next_path
from hypothesis import given
from hypothesis import strategies as st

BASE = "https://nmo.example.ru/catalog/"
tricky = st.text(
    alphabet=st.sampled_from(list("/\\:@.?#%&=evil-xample\t\n\r \x00\x7f\u3002\uff0f")), max_size=30
)


@given(st.one_of(tricky, st.text(max_size=40), tricky.map(lambda t: "/" + t)))
def test_an_accepted_next_never_leaves_the_site(value: str) -> None:
    try:
        path = safe_next_path(value)
    except InvalidInput as err:
        assert err.field == "next"
        return
    target = urllib.parse.urlsplit(urllib.parse.urljoin(BASE, path))
    assert (target.scheme, target.netloc) == ("https", "nmo.example.ru")
    assert path.startswith("/") and not path.startswith("//")
    assert "\\" not in path and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in path)


@pytest.mark.parametrize("value", ["/cabinet/", "/catalog/76/?from=2026-01-01#x", "/help/login/"])
def test_ordinary_paths_are_kept(value: str) -> None:
    assert safe_next_path(value) == value


def test_no_next_means_the_cabinet() -> None:
    assert safe_next_path(None) == safe_next_path("") == DEFAULT_NEXT == "/cabinet/"
