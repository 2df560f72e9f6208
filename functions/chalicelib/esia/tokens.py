"""Verifying ЕСИА's JWTs: signature against configured certificates, issuer, audience, times.

ЕСИА signs tokens RS256 or GOST3410_2012_256 (chosen per system in its settings); RS256 is
implemented, and further algorithms plug into `VERIFIERS`. Its certificate rotates about yearly,
so several are accepted at once. `alg: none` and any algorithm not in `VERIFIERS` are refused
before a key is even looked at.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from jwt.algorithms import Algorithm
from jwt.api_jws import PyJWS

from . import rsa

log = logging.getLogger("nmo.esia.tokens")

LEEWAY_SECONDS = 60
# ЕСИА's own tokens carry the issuer with plain http (sic); the test host, with https.
KNOWN_ISSUERS = (
    "http://esia.gosuslugi.ru/",
    "https://esia.gosuslugi.ru/",
    "http://esia-portal1.test.gosuslugi.ru/",
    "https://esia-portal1.test.gosuslugi.ru/",
)


class TokenRejected(Exception):
    """A token that must not be trusted; the reason is for logs (never contains the token)."""


@dataclass(frozen=True)
class VerifiedToken:
    claims: dict[str, Any]
    algorithm: str


# A verifier checks one algorithm: (token, public keys, options) → claims, or raises TokenRejected.
Verifier = Callable[[str, Sequence[Any], "TokenPolicy"], dict[str, Any]]


@dataclass(frozen=True)
class TokenPolicy:
    issuers: tuple[str, ...]
    audience: str | None  # None: the token has no `aud` (access tokens carry `client_id`)
    client_id: str
    leeway: int = LEEWAY_SECONDS
    required: tuple[str, ...] = ("exp", "iat", "iss")


class PurePythonRS256(Algorithm):
    """PyJWT's RS256 over `esia.rsa` (verification only): no compiled library in the Lambda."""

    def prepare_key(self, key: Any) -> rsa.RsaPublicKey:
        if not isinstance(key, rsa.RsaPublicKey):
            raise jwt.InvalidKeyError("an RSA public key from a configured certificate is expected")
        return key

    def sign(self, msg: bytes, key: Any) -> bytes:
        raise NotImplementedError("the portal only verifies ЕСИА's tokens")

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        return rsa.verify_pkcs1_sha256(key, msg, sig)

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        raise NotImplementedError

    @staticmethod
    def from_jwk(jwk: Any) -> Any:
        raise NotImplementedError


class _EsiaJWT(jwt.PyJWT):
    """PyJWT's claim checks with only the pure-Python RS256 registered (never `none`)."""

    def __init__(self) -> None:
        super().__init__()
        jws = PyJWS(algorithms=[])
        jws.register_algorithm("RS256", PurePythonRS256())
        self._jws = jws


_decoder = _EsiaJWT()


def _verify_rs256(token: str, keys: Sequence[Any], policy: TokenPolicy) -> dict[str, Any]:
    rsa_keys = [k for k in keys if isinstance(k, rsa.RsaPublicKey)]
    if not rsa_keys:
        raise TokenRejected("no RSA certificate configured for RS256 tokens")
    last: Exception | None = None
    for key in rsa_keys:
        try:
            return _decoder.decode(
                token,
                key,  # type: ignore[arg-type]  # our key type, checked by PurePythonRS256
                algorithms=["RS256"],
                audience=policy.audience,
                issuer=list(policy.issuers),
                leeway=policy.leeway,
                options={
                    "require": list(policy.required),
                    "verify_aud": policy.audience is not None,
                },
            )
        except jwt.InvalidSignatureError as exc:
            last = exc  # maybe signed with the other (rotated) certificate
        except jwt.PyJWTError as exc:
            raise TokenRejected(type(exc).__name__) from exc
    raise TokenRejected("signature does not match any configured certificate") from last


VERIFIERS: dict[str, Verifier] = {"RS256": _verify_rs256}


@dataclass
class TokenVerifier:
    """Verifies ЕСИА tokens with the certificates from PEM files, read on first use."""

    cert_files: Sequence[str | Path]
    issuers: tuple[str, ...]
    client_id: str
    verifiers: dict[str, Verifier] = field(default_factory=lambda: dict(VERIFIERS))
    _keys: list[Any] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _public_keys(self) -> list[Any]:
        if self._keys is None:
            with self._lock:
                if self._keys is None:
                    keys: list[Any] = []
                    for path in self.cert_files:
                        for cert in rsa.certificates_from_pem(Path(path).read_bytes()):
                            try:
                                keys.append(rsa.certificate_rsa_key(cert))
                            except rsa.RsaKeyError:
                                # e.g. ЕСИА's GOST certificate: no verifier for it here yet
                                log.warning("token certificate with an unsupported key skipped")
                    if not keys:
                        raise RuntimeError("NMO_ESIA_TOKEN_CERTS lists no certificates")
                    self._keys = keys
        return self._keys

    def verify(self, token: str, *, audience: str | None) -> VerifiedToken:
        """Claims of a valid token; `audience` None for access tokens (checked via client_id)."""
        if not isinstance(token, str) or not token or len(token) > 16384:
            raise TokenRejected("missing or oversized token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenRejected("unreadable token header") from exc
        algorithm = header.get("alg")
        verifier = self.verifiers.get(algorithm) if isinstance(algorithm, str) else None
        if verifier is None:
            raise TokenRejected(f"algorithm {str(algorithm)[:20]!r} not accepted")
        policy = TokenPolicy(self.issuers, audience, self.client_id)
        claims = verifier(token, self._public_keys(), policy)
        if audience is None and claims.get("client_id") != self.client_id:
            raise TokenRejected("access token issued to another client")
        return VerifiedToken(claims, str(algorithm))
