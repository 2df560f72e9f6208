"""The local stack's mail server: a real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every
message it receives, and a local-only page listing them — subject, recipient, text and the links
in it — at `/` (HTML) and `/messages.json` (tests read this). Nothing is relayed anywhere.

Messages are also written to `<dir>/<n>.eml` when a directory is given, so they survive a
restart and can be opened in a mail client.
"""

from __future__ import annotations

import email
import html
import json
import re
import threading
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

_LINK = re.compile(r"https?://[^\s<>\"']+")


@dataclass
class CaughtMessage:
    number: int
    mail_from: str
    to: list[str]
    subject: str
    text: str
    html: str
    headers: dict[str, str]
    links: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)


def _parse(number: int, envelope_from: str, rcpts: list[str], data: bytes) -> CaughtMessage:
    msg = email.message_from_bytes(data, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    text = text_part.get_content() if text_part is not None else ""
    body_html = html_part.get_content() if html_part is not None else ""
    attachments = [str(p.get_filename() or "") for p in msg.iter_attachments()]
    return CaughtMessage(
        number=number,
        mail_from=envelope_from,
        to=list(rcpts),
        subject=str(msg.get("Subject", "")),
        text=text,
        html=body_html,
        headers={k: str(v) for k, v in msg.items()},
        links=sorted(set(_LINK.findall(text))),
        attachments=attachments,
    )


class MailBox:
    def __init__(self, directory: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._messages: list[CaughtMessage] = []
        self._dir = directory
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def add(self, envelope_from: str, rcpts: list[str], data: bytes) -> None:
        with self._lock:
            number = len(self._messages) + 1
            self._messages.append(_parse(number, envelope_from, rcpts, data))
            if self._dir is not None:
                (self._dir / f"{number:06d}.eml").write_bytes(data)

    def messages(self) -> list[CaughtMessage]:
        with self._lock:
            return list(self._messages)


class _Handler:
    def __init__(self, box: MailBox) -> None:
        self._box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self._box.add(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(envelope.content))
        return "250 Message accepted for delivery"


def _page(box: MailBox) -> str:
    rows = []
    for m in reversed(box.messages()):
        links = "".join(
            f'<li><a href="{html.escape(u)}">{html.escape(u)}</a></li>' for u in m.links
        )
        files = ", ".join(html.escape(a) for a in m.attachments)
        rows.append(
            f"<article><h2>№ {m.number}: {html.escape(m.subject)}</h2>"
            f"<p>Кому: {html.escape(', '.join(m.to))}"
            + (f" · вложения: {files}" if files else "")
            + f"</p><pre>{html.escape(m.text)}</pre><ul>{links}</ul></article>"
        )
    body = "".join(rows) or "<p>Писем пока нет.</p>"
    return (
        '<!doctype html><html lang="ru"><meta charset="utf-8"><title>Локальная почта</title>'
        "<style>body{font-family:sans-serif;max-width:900px;margin:auto}"
        "pre{white-space:pre-wrap;background:#f4f4f4;padding:8px}</style>"
        f"<h1>Письма портала (локально)</h1>{body}</html>"
    )


class MailCatcher:
    """SMTP on `smtp_port`, the page on `web_port` (0: any free port), both on loopback only."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        smtp_port: int = 0,
        web_port: int = 0,
        directory: Path | None = None,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the mail catcher listens on loopback only")
        self.box = MailBox(directory)
        self._host = host
        self._smtp_port = smtp_port
        self._web_port = web_port
        self._controller: Any = None
        self._web: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        controller = Controller(_Handler(self.box), hostname=self._host, port=self._smtp_port)
        if self._smtp_port == 0:
            import socket

            with socket.socket() as probe:
                probe.bind((self._host, 0))
                controller.port = probe.getsockname()[1]
        controller.start()
        self._controller = controller
        self._web = make_server(self._host, self._web_port, self._app, threaded=True)
        threading.Thread(target=self._web.serve_forever, name="mail-page", daemon=True).start()

    @property
    def smtp_port(self) -> int:
        return int(self._controller.port)

    @property
    def page_url(self) -> str:
        return f"http://{self._host}:{self._web.server_address[1]}/"

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.remote_addr not in ("127.0.0.1", "::1"):
            return Response("Только локально.", status=403)(environ, start_response)
        if request.path == "/messages.json":
            data = json.dumps([asdict(m) for m in self.box.messages()], ensure_ascii=False)
            response = Response(data, content_type="application/json; charset=utf-8")
        elif request.path == "/":
            response = Response(_page(self.box), content_type="text/html; charset=utf-8")
        else:
            response = Response("Не найдено.", status=404)
        response.headers["Cache-Control"] = "no-store"
        return response(environ, start_response)

    def shutdown(self) -> None:
        if self._controller is not None:
            self._controller.stop()
        if self._web is not None:
            self._web.shutdown()
