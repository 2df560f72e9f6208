"""Benchmark: what one login through Госуслуги costs, and where the time goes.

Run: `.venv/bin/python bench/esia_login.py [--logins 20]`

Against the ЕСИА emulator in this process (ephemeral port) and in-process moto, through the Chalice
test client: the whole login (start → emulator login page → persona → callback), first and repeat
logins separately; DynamoDB calls per start and per callback (`db.connection.call_counter`: bounded,
independent of the person's history); and the pure-Python GOST figures — signatures and
verifications per second — next to a same-run baseline (Streebog-256 of the same 150-byte string
and an RS256 verification), so the ratio, not the absolute time, is the figure to compare between
machines. A login does two GOST signatures (v2/ac, v3/te) on our side and two verifications in the
emulator; real ЕСИА verifies on its own hardware.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _local import in_process_moto

in_process_moto(
    NMO_SESSION_KEY="bench-session-key-0123456789abcdef", NMO_PUBLIC_URL="http://127.0.0.1:8000"
)


def _rate(fn: Callable[[], Any], seconds: float = 1.5) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        count += 1
    return count / (time.perf_counter() - start)


def gost_figures(files: Any) -> None:
    import jwt
    from chalicelib.esia import gost, rsa
    from chalicelib.esia.signer import LocalGostSigner
    from chalicelib.esia.tokens import _decoder
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    message = ("NMOPORTALopenid fullname birthdate gender snils2026.11.22 13:00:29 +0300" * 2)[:150]
    data = message.encode()
    signer = LocalGostSigner(files.client_key)
    public_key = gost.certificate_public_key(gost.certificate_der(files.client_cert.read_bytes()))
    signature = signer.sign(data)
    token_key = serialization.load_pem_private_key(files.token_key.read_bytes(), password=None)
    token = jwt.encode({"sub": "1", "exp": 2_000_000_000}, token_key, algorithm="RS256")
    token_public = x509.load_pem_x509_certificate(files.token_cert.read_bytes()).public_key()

    streebog = _rate(lambda: gost.streebog256(data))
    signs = _rate(lambda: signer.sign(data))
    verifies = _rate(lambda: gost.verify(public_key, data, signature))
    rs256 = _rate(lambda: jwt.decode(token, token_public, algorithms=["RS256"]))
    portal_key = rsa.certificate_rsa_key(
        rsa.certificates_from_pem(files.token_cert.read_bytes())[0]
    )
    pure = _rate(lambda: _decoder.decode(token, portal_key, algorithms=["RS256"]))
    print("GOST R 34.10-2012 (256), pure Python, one core:")
    print(f"  Streebog-256 of 150 bytes   {streebog:9.0f}/s   (baseline)")
    print(f"  GOST signature              {signs:9.1f}/s   = {streebog / signs:7.0f}× a digest")
    print(
        f"  GOST verification           {verifies:9.1f}/s   = {streebog / verifies:7.0f}× a digest"
    )
    print(f"  RS256 with cryptography     {rs256:9.0f}/s   (baseline for tokens)")
    print(
        f"  RS256, portal's pure Python {pure:9.0f}/s   = {rs256 / pure:7.1f}× slower"
        " (what the Lambda runs: no native wheels)"
    )


def login_figures(files: Any, logins: int) -> None:
    from app import app
    from chalice.test import Client
    from chalicelib.db import connection
    from chalicelib.db.connection import call_counter, create_tables
    from chalicelib.settings import reset_settings
    from moto import mock_aws
    from nmo_cli.esia_emulator import emulator_env, make_emulator_server

    from tests.esia_support import CALLBACK, Browser

    server = make_emulator_server("127.0.0.1", 0, files, [CALLBACK])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ.update(emulator_env(files, server.url))
    reset_settings()
    connection.unbind()
    try:
        with mock_aws(), Client(app) as client:
            create_tables()
            oids = ["1000000001", "1000000002", "1000000005", "1000000006"]
            first, repeat, me = [], [], []
            calls_start: list[int] = []
            calls_callback: list[int] = []
            callback_ops: dict[str, int] = {}
            for i in range(logins):
                oid = oids[i % len(oids)]
                browser = Browser(client)
                t0 = time.perf_counter()
                call_counter.clear()
                authorize = browser.start()
                calls_start.append(sum(call_counter.values()))
                back = browser.choose_persona(authorize, oid)
                call_counter.clear()
                response = browser.back_from_esia(back)
                calls_callback.append(sum(call_counter.values()))
                callback_ops = dict(call_counter)
                elapsed = time.perf_counter() - t0
                assert response.headers["Location"] == "/cabinet/", response.headers
                (first if i < len(oids) else repeat).append(elapsed)
                t0 = time.perf_counter()
                assert browser.get("/api/me").status_code == 200
                me.append(time.perf_counter() - t0)
    finally:
        server.shutdown()
    base = statistics.median(me)
    print(f"Whole login through the emulator ({logins} logins, in-process moto):")
    print(f"  GET /api/me (baseline)      {base * 1000:8.1f} ms")
    print(
        f"  first login (new profile)   {statistics.median(first) * 1000:8.1f} ms"
        f"   = {statistics.median(first) / base:5.0f}× /api/me"
    )
    if repeat:
        print(
            f"  repeat login                {statistics.median(repeat) * 1000:8.1f} ms"
            f"   = {statistics.median(repeat) / base:5.0f}× /api/me"
        )
    print(
        f"  DynamoDB calls: start {max(calls_start)}, callback {min(calls_callback)}–"
        f"{max(calls_callback)}; last callback: {callback_ops}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=20)
    args = parser.parse_args()
    from nmo_cli.esia_emulator import prepare_local_esia

    with tempfile.TemporaryDirectory() as tmp:
        files = prepare_local_esia(Path(tmp))
        gost_figures(files)
        login_figures(files, args.logins)
    return 0


if __name__ == "__main__":
    sys.exit(main())
