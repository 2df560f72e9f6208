"""In a deployment the remote signer's token and the local key come from the parameter store."""

from __future__ import annotations

import dataclasses

import boto3
from chalicelib import secret_store as secrets
from chalicelib.esia.signer import RemoteSigner, signer_for
from chalicelib.settings import Settings
from moto import mock_aws


def test_remote_signer_reads_its_token_from_the_parameter_store(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    secrets.forget()
    with mock_aws():
        boto3.client("ssm", region_name="eu-central-1").put_parameter(
            Name="/nmo/pilot/esia-signer-token", Value="signer-token-42", Type="SecureString"
        )
        settings = dataclasses.replace(
            Settings(),
            region="eu-central-1",
            esia_signer="remote",
            esia_signer_url="https://signer.example.ru/sign",
            esia_signer_token="",
            esia_signer_token_param="/nmo/pilot/esia-signer-token",
        )
        signer = signer_for(settings)
    secrets.forget()
    assert isinstance(signer, RemoteSigner)
    assert signer._token == "signer-token-42"


def test_a_plain_token_setting_wins_over_the_store():
    settings = dataclasses.replace(
        Settings(),
        esia_signer="remote",
        esia_signer_url="https://signer.example.ru/sign",
        esia_signer_token="from-env",
        esia_signer_token_param="/nmo/pilot/esia-signer-token",
    )
    assert signer_for(settings)._token == "from-env"
