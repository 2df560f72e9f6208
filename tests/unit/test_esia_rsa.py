"""Pure-Python RS256 verification agrees with the `cryptography` library on real signatures."""

from __future__ import annotations

import datetime as dt

import pytest
from chalicelib.esia import rsa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric import rsa as crsa
from cryptography.x509.oid import NameOID


def _cert(key, public_key=None) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ЕСИА (тест)")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key or key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def signing_key():
    return crsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_a_signature_made_by_cryptography_verifies(signing_key):
    message = b"header.payload"
    signature = signing_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    (der,) = rsa.certificates_from_pem(_cert(signing_key))
    key = rsa.certificate_rsa_key(der)
    assert rsa.verify_pkcs1_sha256(key, message, signature)


def test_any_changed_byte_of_message_or_signature_fails(signing_key):
    message = b"header.payload"
    signature = signing_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    key = rsa.certificate_rsa_key(rsa.certificates_from_pem(_cert(signing_key))[0])
    assert not rsa.verify_pkcs1_sha256(key, b"header.payloaD", signature)
    for i in (0, 100, len(signature) - 1):
        broken = bytearray(signature)
        broken[i] ^= 0x01
        assert not rsa.verify_pkcs1_sha256(key, message, bytes(broken))
    assert not rsa.verify_pkcs1_sha256(key, message, signature[:-1])
    other = crsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not rsa.verify_pkcs1_sha256(
        key, message, other.sign(message, padding.PKCS1v15(), hashes.SHA256())
    )


def test_sha1_or_pss_signatures_are_not_accepted_as_rs256(signing_key):
    message = b"header.payload"
    key = rsa.certificate_rsa_key(rsa.certificates_from_pem(_cert(signing_key))[0])
    sha1 = signing_key.sign(message, padding.PKCS1v15(), hashes.SHA1())
    pss = signing_key.sign(message, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    assert not rsa.verify_pkcs1_sha256(key, message, sha1)
    assert not rsa.verify_pkcs1_sha256(key, message, pss)


def test_weak_or_non_rsa_certificates_are_refused(signing_key):
    weak = crsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(rsa.RsaKeyError):
        rsa.certificate_rsa_key(rsa.certificates_from_pem(_cert(weak))[0])
    ec_key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(rsa.RsaKeyError):
        rsa.certificate_rsa_key(rsa.certificates_from_pem(_cert(ec_key))[0])


def test_a_pem_bundle_yields_every_certificate(signing_key):
    other = crsa.generate_private_key(public_exponent=65537, key_size=2048)
    bundle = _cert(signing_key) + _cert(other)
    keys = [rsa.certificate_rsa_key(c) for c in rsa.certificates_from_pem(bundle)]
    assert len(keys) == 2
    assert keys[0].n != keys[1].n
