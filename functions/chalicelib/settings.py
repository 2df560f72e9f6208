"""Configuration read from the environment on first use, never at import.

moto only intercepts clients made after it starts, and the Chalice test client sets stage
variables only during a request, so nothing here may run at import time.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

_lock = threading.Lock()
_current: Settings | None = None


@dataclass(frozen=True)
class Settings:
    """The portal's configuration: `load_from_environment` fills it from NMO_* (and AWS_*)
    variables; these defaults are the local stage's."""

    stage: str = "local"
    region: str = "eu-central-1"
    table_prefix: str = "nmo-local-"
    # Every endpoint is overridable so the same code runs on moto, on AWS, or on a
    # DynamoDB/S3-compatible service of a Russian cloud (152-ФЗ data residency).
    dynamodb_endpoint: str | None = None
    s3_endpoint: str | None = None
    site_bucket: str = ""
    # Private bucket of applications' documents (scans, photos); reached by presigned URLs only.
    documents_bucket: str = ""
    # Public origin of the portal (site + /api on one origin), e.g. https://nmo.example.ru
    public_url: str = "http://127.0.0.1:8000"
    session_key: str = ""
    # Names of stored secrets (SSM parameter name, or Secrets Manager ARN / "secretsmanager:<id>")
    # used when the plain value is empty; chalicelib.secret_store reads them on first use.
    session_key_param: str = ""
    esia_key_param: str = ""
    esia_signer_token_param: str = ""
    # The CloudFront origin-verify secret (chalicelib/edge.py); empty only on the local stage.
    origin_verify_param: str = ""
    ssm_endpoint: str | None = None
    secretsmanager_endpoint: str | None = None
    # Yandex Cloud: secret references `lockbox:<secretId>/<key>` are read from the Lockbox payload
    # API with the function's IAM token (chalicelib/lockbox.py, chalicelib/yandex_iam.py).
    lockbox_payload_url: str = "https://payload.lockbox.api.cloud.yandex.net"
    yc_metadata_url: str = (
        "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token"
    )
    yc_api_timeout_seconds: float = 5.0
    session_ttl_seconds: int = 8 * 3600
    esia_base_url: str = "http://127.0.0.1:8001"
    esia_client_id: str = "NMOPORTAL"
    esia_scope: str = "openid fullname birthdate gender snils email"
    esia_signer: str = "local"  # "local" (in-process GOST) or "remote" (HTTPS signing service)
    esia_key_file: str = ""
    esia_cert_file: str = ""
    esia_signer_url: str = ""
    esia_signer_token: str = ""
    # ЕСИА token certificates (PEM files); two at once during yearly rotation.
    esia_token_certs: tuple[str, ...] = field(default_factory=tuple)
    # Token issuers accepted, exactly as configured (ЕСИА writes `http://esia.gosuslugi.ru/`).
    esia_issuers: tuple[str, ...] = field(default_factory=tuple)
    # Where ЕСИА sends the browser back; empty: public_url + /api/auth/esia/callback.
    esia_redirect_uri: str = ""
    # The ЕСИА variables as actually set (a deployed stage must not run on the defaults above).
    esia_env: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    esia_timeout_seconds: float = 10.0
    max_body_bytes: int = 1024 * 1024
    # Outgoing mail (chalicelib/mail): `ses` (SES v2, or Postbox at ses_endpoint), `smtp`, `off`.
    mail_transport: str = "off"
    mail_from: str = "noreply@nmo.local"
    mail_from_name: str = "Портал НМО"
    # Mail through an SES v2-compatible API: empty for AWS SES in `region`; on Yandex Cloud,
    # Postbox: NMO_SES_ENDPOINT=https://postbox.cloud.yandex.net, NMO_SES_REGION=ru-central1,
    # signed (SigV4) with a static access key of a service account holding postbox.sender.
    ses_endpoint: str | None = None
    ses_region: str = ""
    ses_configuration_set: str = ""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 10.0
    # The SNS topic whose SES bounce/complaint notifications are accepted (empty: none).
    ses_events_topic_arn: str = ""

    @property
    def is_local_http(self) -> bool:
        """Plain-HTTP loopback is the only place a session cookie may lack `Secure`: the host is
        matched exactly (`http://localhost.evil.example` is not local)."""
        parts = urlsplit(self.public_url)
        if parts.scheme != "http":
            return False
        try:
            port_ok = parts.port is None or 0 < parts.port < 65536
        except ValueError:
            return False
        return port_ok and (parts.hostname in ("localhost", "127.0.0.1", "::1"))


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _optional(name: str) -> str | None:
    value = _env(name)
    return value or None


def _list(name: str, separator: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in _env(name).split(separator) if p.strip())


def load_from_environment() -> Settings:
    certs = _list("NMO_ESIA_TOKEN_CERTS", os.pathsep)
    return Settings(
        stage=_env("NMO_STAGE", "local"),
        region=_env("AWS_REGION", _env("AWS_DEFAULT_REGION", "eu-central-1")),
        table_prefix=_env("NMO_TABLE_PREFIX", "nmo-local-"),
        dynamodb_endpoint=_optional("NMO_DYNAMODB_ENDPOINT"),
        s3_endpoint=_optional("NMO_S3_ENDPOINT"),
        site_bucket=_env("NMO_SITE_BUCKET"),
        documents_bucket=_env("NMO_DOCUMENTS_BUCKET"),
        public_url=_env("NMO_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        session_key=_env("NMO_SESSION_KEY"),
        session_key_param=_env("NMO_SESSION_KEY_PARAM"),
        esia_key_param=_env("NMO_ESIA_KEY_PARAM"),
        esia_signer_token_param=_env("NMO_ESIA_SIGNER_TOKEN_PARAM"),
        origin_verify_param=_env("NMO_ORIGIN_VERIFY_PARAM"),
        ssm_endpoint=_optional("NMO_SSM_ENDPOINT"),
        secretsmanager_endpoint=_optional("NMO_SECRETSMANAGER_ENDPOINT"),
        lockbox_payload_url=_env(
            "NMO_LOCKBOX_PAYLOAD_URL", "https://payload.lockbox.api.cloud.yandex.net"
        ).rstrip("/"),
        yc_metadata_url=_env(
            "NMO_YC_METADATA_URL",
            "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token",
        ),
        yc_api_timeout_seconds=float(_env("NMO_YC_API_TIMEOUT_SECONDS", "5")),
        session_ttl_seconds=int(_env("NMO_SESSION_TTL_SECONDS", str(8 * 3600))),
        esia_base_url=_env("NMO_ESIA_BASE_URL", "http://127.0.0.1:8001").rstrip("/"),
        esia_client_id=_env("NMO_ESIA_CLIENT_ID", "NMOPORTAL"),
        esia_scope=_env("NMO_ESIA_SCOPE", "openid fullname birthdate gender snils email"),
        esia_signer=_env("NMO_ESIA_SIGNER", "local"),
        esia_key_file=_env("NMO_ESIA_KEY_FILE"),
        esia_cert_file=_env("NMO_ESIA_CERT_FILE"),
        esia_signer_url=_env("NMO_ESIA_SIGNER_URL"),
        esia_signer_token=_env("NMO_ESIA_SIGNER_TOKEN"),
        esia_token_certs=certs,
        esia_issuers=_list("NMO_ESIA_ISSUERS", " "),
        esia_redirect_uri=_env("NMO_ESIA_REDIRECT_URI"),
        esia_env=tuple(
            sorted(
                (k, _env(k))
                for k in os.environ
                if (k.startswith("NMO_ESIA_") or k == "NMO_PUBLIC_URL") and _env(k)
            )
        ),
        esia_timeout_seconds=float(_env("NMO_ESIA_TIMEOUT_SECONDS", "10")),
        max_body_bytes=int(_env("NMO_MAX_BODY_BYTES", str(1024 * 1024))),
        mail_transport=_env("NMO_MAIL_TRANSPORT", "off"),
        mail_from=_env("NMO_MAIL_FROM", "noreply@nmo.local"),
        mail_from_name=_env("NMO_MAIL_FROM_NAME", "Портал НМО"),
        ses_endpoint=_optional("NMO_SES_ENDPOINT"),
        ses_region=_env("NMO_SES_REGION"),
        ses_configuration_set=_env("NMO_SES_CONFIGURATION_SET"),
        smtp_host=_env("NMO_SMTP_HOST", "127.0.0.1"),
        smtp_port=int(_env("NMO_SMTP_PORT", "8025")),
        smtp_starttls=_env("NMO_SMTP_STARTTLS") in ("1", "true", "yes"),
        smtp_user=_env("NMO_SMTP_USER"),
        smtp_password=_env("NMO_SMTP_PASSWORD"),
        smtp_timeout_seconds=float(_env("NMO_SMTP_TIMEOUT_SECONDS", "10")),
        ses_events_topic_arn=_env("NMO_SES_EVENTS_TOPIC_ARN"),
    )


def get_settings() -> Settings:
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = load_from_environment()
    return _current


def reset_settings() -> None:
    """Forget cached settings so the next use re-reads the environment (tests, CLI)."""
    global _current
    with _lock:
        _current = None


def reference_dir() -> Path:
    return Path(__file__).parent / "reference"
