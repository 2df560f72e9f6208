"""`nmo serve --esia external`: the local stack against an ЕСИА it did not start (here the
emulator run apart, standing in for the test contour), configured only by NMO_ESIA_*."""

from __future__ import annotations

import re
import threading
import urllib.parse
from pathlib import Path
from typing import Any

from nmo_cli.esia_emulator import emulator_env, make_emulator_server, prepare_local_esia

from tests.esia_support import http_request, person_fields
from tests.stack import running_stack


def test_the_local_stack_logs_in_through_an_external_esia(tmp_path: Path) -> None:
    files = prepare_local_esia(tmp_path / "external-esia")
    esia: Any = make_emulator_server("127.0.0.1", 0, files, [], token_alg="GOST3410_2012_256")
    threading.Thread(target=esia.serve_forever, daemon=True).start()
    try:
        with running_stack(
            tmp_path, extra_args=("--esia", "external"), extra_env=emulator_env(files, esia.url)
        ) as stack:
            assert stack.esia_url == esia.url
            # registering the stand's redirect URI for the system, as one does at ЕСИА
            redirect = f"{stack.url}/api/auth/esia/callback"
            esia.app.redirect_uris.add(redirect)
            assert not (stack.var_dir / "esia").exists()  # no emulator of its own
            status, headers, _ = http_request(stack.url + "/api/auth/esia/login?next=/cabinet/")
            assert status == 302 and headers["Location"].startswith(esia.url + "/aas/oauth2/v2/ac?")
            login_cookie = headers["Set-Cookie"].split(";", 1)[0]
            _, _, page = http_request(headers["Location"])
            request_id = re.search(r'name="request_id" value="([^"]+)"', page)
            assert request_id, page[:300]
            form = {"request_id": request_id.group(1), "oid": "custom", **person_fields(7)}
            status, headers, _ = http_request(
                esia.url + "/idp/login", "POST", urllib.parse.urlencode(form),
                {"Content-Type": "application/x-www-form-urlencoded"},
            )  # fmt: skip
            assert status == 302 and headers["Location"].startswith(redirect)
            status, headers, _ = http_request(headers["Location"], headers={"Cookie": login_cookie})
            assert (status, headers["Location"]) == (302, "/cabinet/")
            assert "nmo_session=" in headers["Set-Cookie"]
    finally:
        esia.shutdown()
