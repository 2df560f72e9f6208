"""Verifying ЕСИА's JWTs: signature against configured certificates, issuer, audience, times.

ЕСИА signs tokens RS256 or GOST3410_2012_256 (chosen per system in its settings). The verifier
is chosen by the token's `alg` among the algorithms that have a configured certificate (an RSA
certificate enables RS256, a GOST R 34.10-2012 one GOST3410_2012_256); `alg: none`, symmetric
algorithms and anything else are refused before a key is even looked at. Certificates rotate
about yearly, so several of each kind are accepted at once. The issuer allow-list is exactly
what is configured. Who the tokens name (numeric or string oids) is read in `claims`.
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

from . import der, gost, rsa

log = logging.getLogger("nmo.esia.tokens")

LEEWAY_SECONDS = 60
RS256 = "RS256"
GOST_ALG = "GOST3410_2012_256"


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


@dataclass(frozen=True)
class GostPublicKey:
    """ЕСИА's GOST R 34.10-2012 (256) token key: x_le‖y_le, as in its certificate."""

    key: bytes


class Gost2012Algorithm(Algorithm):
    """GOST3410_2012_256 JWS (verification only): Streebog-256 over `header.payload`, the
    signature the raw 64 bytes s‖r in OpenSSL's layout (what `openssl dgst -md_gost12_256
    -verify` checks, as ЕСИА's client libraries do)."""

    def prepare_key(self, key: Any) -> GostPublicKey:
        if not isinstance(key, GostPublicKey):
            raise jwt.InvalidKeyError("a GOST public key from a configured certificate is expected")
        return key

    def sign(self, msg: bytes, key: Any) -> bytes:
        raise NotImplementedError("the portal only verifies ЕСИА's tokens")

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        return gost.verify(key.key, msg, sig)

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        raise NotImplementedError

    @staticmethod
    def from_jwk(jwk: Any) -> Any:
        raise NotImplementedError


class _EsiaJWT(jwt.PyJWT):
    """PyJWT's claim checks with only our two asymmetric algorithms registered (never `none`,
    never HMAC: a public certificate must not double as a shared secret)."""

    def __init__(self) -> None:
        super().__init__()
        jws = PyJWS(algorithms=[])
        jws.register_algorithm(RS256, PurePythonRS256())
        jws.register_algorithm(GOST_ALG, Gost2012Algorithm())
        self._jws = jws


_decoder = _EsiaJWT()


def _verify_with(
    algorithm: str, key_type: type
) -> Callable[[str, Sequence[Any], TokenPolicy], dict[str, Any]]:
    def verify(token: str, keys: Sequence[Any], policy: TokenPolicy) -> dict[str, Any]:
        usable = [k for k in keys if isinstance(k, key_type)]
        if not usable:
            raise TokenRejected(f"no certificate configured for {algorithm} tokens")
        last: Exception | None = None
        for key in usable:
            try:
                return _decoder.decode(
                    token,
                    key,  # type: ignore[arg-type]  # our key types, checked by prepare_key
                    algorithms=[algorithm],
                    audience=policy.audience,
                    issuer=list(policy.issuers),
                    leeway=policy.leeway,
                    options={
                        "require": list(policy.required),
                        "verify_aud": policy.audience is not None,
                        # ЕСИА's sub is a JSON number, which PyJWT ≥ 2.10 refuses; `claims`
                        # checks it (number or string) instead. ЕСИА sends no jti.
                        "verify_sub": False,
                        "verify_jti": False,
                    },
                )
            except jwt.InvalidSignatureError as exc:
                last = exc  # maybe signed with the other (rotated) certificate
            except jwt.PyJWTError as exc:
                raise TokenRejected(type(exc).__name__) from exc
        raise TokenRejected("signature does not match any configured certificate") from last

    return verify


VERIFIERS: dict[str, Verifier] = {
    RS256: _verify_with(RS256, rsa.RsaPublicKey),
    GOST_ALG: _verify_with(GOST_ALG, GostPublicKey),
}


def _token_key(cert: bytes) -> Any:
    """The certificate's key as a verifier takes it (RSA or GOST), None for other kinds."""
    try:
        algorithm = rsa.certificate_key_algorithm(cert)
    except rsa.RsaKeyError:
        return None
    try:
        if algorithm == rsa.OID_RSA_ENCRYPTION:
            return rsa.certificate_rsa_key(cert)
        if algorithm == gost.OID_GOST2012_256:
            return GostPublicKey(gost.certificate_public_key(cert))
    except (rsa.RsaKeyError, gost.GostKeyError, der.DerError):
        return None
    return None


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
                            key = _token_key(cert)
                            if key is None:
                                log.warning("token certificate with an unsupported key skipped")
                            else:
                                keys.append(key)
                    if not keys:
                        raise RuntimeError("NMO_ESIA_TOKEN_CERTS lists no certificates")
                    self._keys = keys
        return self._keys

    def algorithms(self) -> frozenset[str]:
        """The algorithms a configured certificate enables."""
        kinds = {type(key) for key in self._public_keys()}
        return frozenset(
            alg
            for alg, key_type in ((RS256, rsa.RsaPublicKey), (GOST_ALG, GostPublicKey))
            if key_type in kinds
        )

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
        if verifier is None or algorithm not in self.algorithms():
            raise TokenRejected(f"algorithm {str(algorithm)[:20]!r} not accepted")
        policy = TokenPolicy(self.issuers, audience, self.client_id)
        claims = verifier(token, self._public_keys(), policy)
        if audience is None and claims.get("client_id") != self.client_id:
            raise TokenRejected("access token issued to another client")
        return VerifiedToken(claims, str(algorithm))
