"""The CLI answers an unreachable store with a Russian message and exit code 2, no traceback."""

from __future__ import annotations

import socket

from nmo_cli.cli import main


def test_unreachable_dynamodb_gets_a_plain_russian_message(monkeypatch, capsys):
    from chalicelib.db import connection
    from chalicelib.settings import reset_settings

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("NMO_DYNAMODB_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    reset_settings()
    connection.unbind()
    try:
        code = main(["db", "init"])
    finally:
        reset_settings()
        connection.unbind()
    err = capsys.readouterr().err
    assert code == 2
    assert "хранилище недоступно" in err
    assert "Traceback" not in err
