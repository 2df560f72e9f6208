"""Key material of the local ЕСИА set-up, made once per data directory, and the API's settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .certificates import write_gost_credentials, write_rsa_token_credentials
from .esia_keys import write_gost_token_credentials

CLIENT_ID = "NMOPORTAL"


@dataclass(frozen=True)
class LocalEsiaFiles:
    client_key: Path  # the portal's GOST key (PKCS#8 PEM)
    client_cert: Path  # its self-signed GOST certificate (PEM), registered in the emulator
    token_key: Path  # the emulator's RSA key for RS256 tokens
    token_cert: Path  # its certificate, which the API verifies RS256 tokens with
    token_gost_key: Path  # the emulator's GOST key for GOST3410_2012_256 tokens
    token_gost_cert: Path  # its certificate (ЕСИА publishes one of each kind)


def prepare_local_esia(var_dir: Path) -> LocalEsiaFiles:
    """Create (if missing) the client's GOST key + certificate and the emulator's token keys."""
    var_dir = Path(var_dir)
    client_key, client_cert = var_dir / "esia-client.key.pem", var_dir / "esia-client.cert.pem"
    token_key, token_cert = var_dir / "esia-token.key.pem", var_dir / "esia-token.cert.pem"
    gost_key = var_dir / "esia-token-gost.key.pem"
    gost_cert = var_dir / "esia-token-gost.cert.pem"
    if not (client_key.exists() and client_cert.exists()):
        write_gost_credentials(var_dir, common_name="Портал НМО — локальный", stem="esia-client")
    if not (token_key.exists() and token_cert.exists()):
        write_rsa_token_credentials(var_dir, stem="esia-token")
    if not (gost_key.exists() and gost_cert.exists()):
        write_gost_token_credentials(var_dir, stem="esia-token-gost")
    return LocalEsiaFiles(client_key, client_cert, token_key, token_cert, gost_key, gost_cert)


def emulator_env(files: LocalEsiaFiles, esia_base_url: str) -> dict[str, str]:
    """The environment the API needs to talk to the emulator at `esia_base_url`.

    Both token certificates are configured, so the API accepts whichever algorithm the
    emulator is set to sign with (as during a switch-over at real ЕСИА)."""
    base = esia_base_url.rstrip("/")
    return {
        "NMO_ESIA_BASE_URL": base,
        "NMO_ESIA_CLIENT_ID": CLIENT_ID,
        "NMO_ESIA_SIGNER": "local",
        "NMO_ESIA_KEY_FILE": str(files.client_key),
        "NMO_ESIA_CERT_FILE": str(files.client_cert),
        "NMO_ESIA_TOKEN_CERTS": f"{files.token_cert}:{files.token_gost_cert}",
        "NMO_ESIA_ISSUERS": base + "/",
    }
