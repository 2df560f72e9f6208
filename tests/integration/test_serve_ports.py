"""`nmo serve` with a port another program holds: one Russian answer naming the port and what it
is for, before anything starts, whichever of the stack's ports it is."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stack import ROOT


def _serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    return subprocess.run(
        [
            *(sys.executable, "-m", "nmo_cli.cli", "serve", "--var", str(tmp_path / "var")),
            *("--no-build", "--no-seed", *args),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("option", "what"),
    [
        ("--port", "сайт и API"),
        ("--esia-port", "эмулятор ЕСИА"),
        ("--dynamodb-port", "встроенная DynamoDB"),
        ("--smtp-port", "локальная почта, SMTP"),
        ("--s3-port", "хранилище документов, S3"),
    ],
)
def test_a_taken_port_is_named_and_nothing_starts(tmp_path: Path, option: str, what: str):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        args = [option, str(port)] if option == "--port" else ["--port", "0", option, str(port)]
        done = _serve(tmp_path, *args)
    assert done.returncode == 1
    assert f"Порт {port} ({what}) уже занят другой программой" in done.stderr
    assert "make run PORT=" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "var" / "dynamodb").exists()  # the store never started
