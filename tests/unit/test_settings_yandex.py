"""The Yandex Cloud settings: Lockbox and metadata addresses, and the SES-compatible mail API."""

from __future__ import annotations

import pytest
from chalicelib.settings import load_from_environment


def test_defaults_point_at_yandex_cloud_and_mail_goes_to_aws_ses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "NMO_LOCKBOX_PAYLOAD_URL",
        "NMO_YC_METADATA_URL",
        "NMO_SES_ENDPOINT",
        "NMO_SES_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = load_from_environment()
    assert settings.lockbox_payload_url == "https://payload.lockbox.api.cloud.yandex.net"
    assert settings.yc_metadata_url.startswith("http://169.254.169.254/computeMetadata/v1/")
    assert settings.ses_endpoint is None and settings.ses_region == ""


def test_postbox_is_an_endpoint_and_a_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NMO_SES_ENDPOINT", "https://postbox.cloud.yandex.net")
    monkeypatch.setenv("NMO_SES_REGION", "ru-central1")
    monkeypatch.setenv("NMO_LOCKBOX_PAYLOAD_URL", "http://127.0.0.1:9/")
    settings = load_from_environment()
    assert settings.ses_endpoint == "https://postbox.cloud.yandex.net"
    assert settings.ses_region == "ru-central1"
    assert settings.lockbox_payload_url == "http://127.0.0.1:9"
