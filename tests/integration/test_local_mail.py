"""`make run` keeps every mail the portal sends in a real local SMTP server and lists them on a
local page: an address change made through the running stack arrives there, with its link."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from tests.stack import running_stack

pytestmark = pytest.mark.slow


def _messages(mail_url: str) -> list[dict]:
    with urllib.request.urlopen(mail_url + "messages.json", timeout=10) as resp:
        return json.loads(resp.read())


def test_a_mail_sent_by_the_running_portal_is_on_the_local_mail_page(tmp_path):
    from tests.people import login_headers, make_person

    with running_stack(tmp_path) as stack:
        assert stack.mail_url.startswith("http://127.0.0.1:")
        with stack.bound_here():
            headers = login_headers(make_person("4001", specialties=[("76", "2022-06-01")]))
        request = urllib.request.Request(
            f"{stack.url}/api/me/email",
            data=json.dumps({"email": "doctor@example.ru"}).encode(),
            headers=headers,
            method="PUT",
        )
        with urllib.request.urlopen(request, timeout=30) as resp:
            assert resp.status == 202
        deadline = time.monotonic() + 30
        messages = _messages(stack.mail_url)
        while not messages and time.monotonic() < deadline:
            time.sleep(0.2)
            messages = _messages(stack.mail_url)
        [mail] = messages
        assert mail["to"] == ["doctor@example.ru"]
        assert mail["subject"] == "Подтвердите адрес для уведомлений портала НМО"
        assert any("/api/notifications/email/confirm?token=" in link for link in mail["links"])
        with urllib.request.urlopen(stack.mail_url, timeout=10) as resp:
            page = resp.read().decode()
        assert "Подтвердите адрес" in page and "doctor@example.ru" in page
        log = (tmp_path / "stack.log").read_text(errors="replace")
        assert "Почта портала (локальный SMTP" in log
