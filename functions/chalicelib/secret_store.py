"""Secrets (session key, ЕСИА signer token, ЕСИА key) from a parameter or secret store, read once.

In the cloud the Lambda gets only *names* (`NMO_SESSION_KEY_PARAM=/nmo/pilot/…` for SSM Parameter
Store, a Secrets Manager ARN / `secretsmanager:<name>`, or on Yandex Cloud a Lockbox entry
`lockbox:<secretId>/<key>`), never values, so nothing secret sits in
the template, the stack or the repository. Locally and in tests the plain env values
(`NMO_SESSION_KEY`, …) still win. A value is fetched on first use and kept for the life of the
process: one store call per cold start, none on a warm request.
"""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from typing import Any

from .settings import Settings, get_settings

_SECRETS_MANAGER_PREFIX = "secretsmanager:"
_lock = threading.Lock()
_values: dict[str, str] = {}
_key_files: dict[str, str] = {}


class SecretUnavailable(RuntimeError):
    """A configured secret could not be read (a deployment fault: names the reference, never a value)."""


def _client(service: str, settings: Settings) -> Any:
    import boto3  # the Lambda runtime provides it; imported only when a store is really used

    session: Any = boto3.session.Session()
    endpoint = settings.ssm_endpoint if service == "ssm" else settings.secretsmanager_endpoint
    return session.client(service, region_name=settings.region, endpoint_url=endpoint)


def _is_secrets_manager(reference: str) -> bool:
    return reference.startswith(_SECRETS_MANAGER_PREFIX) or (
        reference.startswith("arn:") and ":secretsmanager:" in reference
    )


def _fetch(reference: str, settings: Settings) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    from . import lockbox  # Yandex Cloud only: loads on the first secret read, not at import

    if lockbox.is_lockbox(reference):
        try:
            value = lockbox.read_entry(reference, settings)
        except lockbox.LockboxError as exc:
            raise SecretUnavailable(str(exc)) from exc
        if not value.strip():
            raise SecretUnavailable(f"secret {reference} is empty")
        return value.strip()
    try:
        if _is_secrets_manager(reference):
            secret_id = reference.removeprefix(_SECRETS_MANAGER_PREFIX)
            answer = _client("secretsmanager", settings).get_secret_value(SecretId=secret_id)
            value = answer.get("SecretString") or ""
        else:
            answer = _client("ssm", settings).get_parameter(Name=reference, WithDecryption=True)
            value = answer["Parameter"]["Value"]
    except (ClientError, BotoCoreError) as exc:
        # The error names the reference and the AWS error code only: the value never reaches logs.
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        raise SecretUnavailable(f"secret {reference} is unreadable: {code}") from exc
    if not value.strip():
        raise SecretUnavailable(f"secret {reference} is empty")
    return value.strip()


def resolve(value: str, reference: str, settings: Settings | None = None) -> str:
    """`value` if set (local runs, tests), else the stored secret named by `reference`, cached."""
    if value:
        return value
    if not reference:
        return ""
    cached = _values.get(reference)
    if cached is not None:
        return cached
    with _lock:
        if reference not in _values:
            _values[reference] = _fetch(reference, settings or get_settings())
        return _values[reference]


def session_key() -> str:
    settings = get_settings()
    return resolve(settings.session_key, settings.session_key_param, settings)


def esia_signer_token(settings: Settings | None = None) -> str:
    """The remote signer's bearer token: the setting, else the stored secret it names."""
    settings = settings or get_settings()
    return resolve(settings.esia_signer_token, settings.esia_signer_token_param, settings)


def esia_key_file() -> str:
    """A path to the ЕСИА GOST key PEM: the configured file, or the stored key written once to a
    private (0600) temporary file, since the in-process signer reads a file."""
    settings = get_settings()
    if settings.esia_key_file or not settings.esia_key_param:
        return settings.esia_key_file
    reference = settings.esia_key_param
    with _lock:
        path = _key_files.get(reference)
        if path is None or not os.path.exists(path):
            pem = _values.get(reference) or _fetch(reference, settings)
            fd, path = tempfile.mkstemp(prefix="nmo-esia-", suffix=".pem")
            os.fchmod(fd, stat.S_IRUSR | stat.S_IWUSR)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(pem + "\n")
            _key_files[reference] = path
        return path


def forget() -> None:
    """Drop cached secrets (tests; a rotated key is picked up by the next cold start anyway)."""
    with _lock:
        _values.clear()
        for path in _key_files.values():
            if os.path.exists(path):
                os.unlink(path)
        _key_files.clear()
