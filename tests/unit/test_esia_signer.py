"""The signer is chosen by configuration; the remote one sends the bytes to an HTTPS signing
service and turns any trouble into ServiceUnavailable (a clear page, never a 500)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from chalicelib.errors import ServiceUnavailable
from chalicelib.esia import gost
from chalicelib.esia.signer import LocalGostSigner, RemoteSigner, get_signer
from chalicelib.settings import reset_settings
from nmo_cli.esia_emulator.certificates import write_gost_credentials


class SigningService:
    """A stand-in for the certified signing service: signs with a GOST key, or misbehaves."""

    def __init__(self, key_file: Path):
        self.signer = LocalGostSigner(key_file)
        self.answer: str = "ok"  # ok | short | error | garbage | hang
        self.release = threading.Event()
        self.received: list[tuple[bytes, str | None]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.received.append((body, self.headers.get("Authorization")))
                if service.answer == "hang":
                    service.release.wait(5)
                status, payload = 200, b""
                if service.answer in ("ok", "hang"):
                    signature = base64.b64encode(service.signer.sign(body)).decode()
                    payload = json.dumps({"signature": signature}).encode()
                elif service.answer == "short":
                    payload = json.dumps(
                        {"signature": base64.b64encode(b"x" * 63).decode()}
                    ).encode()
                elif service.answer == "garbage":
                    payload = b"<html>oops</html>"
                else:
                    status = 500
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sign"


@pytest.fixture(scope="module")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return write_gost_credentials(tmp_path_factory.mktemp("signer"), common_name="Тест")


@pytest.fixture
def service(credentials: Any) -> Iterator[SigningService]:
    svc = SigningService(credentials.key_file)
    thread = threading.Thread(
        target=svc.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield svc
    svc.release.set()
    svc.server.shutdown()
    svc.server.server_close()


def _public_key(credentials: Any) -> bytes:
    return gost.certificate_public_key(gost.certificate_der(credentials.cert_file.read_bytes()))


def test_remote_signer_returns_the_services_signature_and_sends_its_token(
    service: SigningService, credentials: Any
) -> None:
    signer = RemoteSigner(service.url, token="s3cret-token", timeout=5)
    signature = signer.sign("строка".encode())
    assert gost.verify(_public_key(credentials), "строка".encode(), signature)
    assert service.received == [("строка".encode(), "Bearer s3cret-token")]


@pytest.mark.parametrize("answer", ["short", "error", "garbage"])
def test_a_misbehaving_signing_service_means_service_unavailable(
    service: SigningService, answer: str
) -> None:
    service.answer = answer
    with pytest.raises(ServiceUnavailable) as err:
        RemoteSigner(service.url, timeout=5).sign(b"data")
    assert "Попробуйте" in err.value.message


def test_a_signing_service_that_hangs_times_out_as_unavailable(service: SigningService) -> None:
    service.answer = "hang"
    with pytest.raises(ServiceUnavailable):
        RemoteSigner(service.url, timeout=0.3).sign(b"data")


def test_an_unreachable_signing_service_is_unavailable() -> None:
    with pytest.raises(ServiceUnavailable):
        RemoteSigner("http://127.0.0.1:9/sign", timeout=1).sign(b"data")


def test_remote_signer_refuses_plain_http_outside_this_host() -> None:
    with pytest.raises(ValueError):
        RemoteSigner("http://signer.example.ru/sign")
    RemoteSigner("https://signer.example.ru/sign")


def test_configuration_chooses_the_signer(
    monkeypatch: pytest.MonkeyPatch, credentials: Any, service: SigningService
) -> None:
    monkeypatch.setenv("NMO_ESIA_SIGNER", "local")
    monkeypatch.setenv("NMO_ESIA_KEY_FILE", str(credentials.key_file))
    reset_settings()
    try:
        assert isinstance(get_signer(), LocalGostSigner)
        monkeypatch.setenv("NMO_ESIA_SIGNER", "remote")
        monkeypatch.setenv("NMO_ESIA_SIGNER_URL", service.url)
        reset_settings()
        remote = get_signer()
        assert isinstance(remote, RemoteSigner)
        assert gost.verify(_public_key(credentials), b"abc", remote.sign(b"abc"))
        monkeypatch.setenv("NMO_ESIA_SIGNER", "hsm")
        reset_settings()
        with pytest.raises(RuntimeError):
            get_signer()
    finally:
        reset_settings()
