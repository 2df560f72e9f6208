"""Entry point for Yandex Cloud Functions: `yandex_handler.handler`, behind Yandex API Gateway.

The same Chalice app as on AWS Lambda (app.py); only the event and the answer are translated
(chalicelib/yandex_http.py). Cloud Functions was chosen over Serverless Containers because its
event is the Lambda proxy shape Chalice already speaks: no WSGI server, no image to build and
patch, and the app's middleware, error mapping and binary handling run unchanged.
"""

from __future__ import annotations

from typing import Any

from app import app
from chalicelib import yandex_iam
from chalicelib.settings import get_settings
from chalicelib.web import error_body, json_response
from chalicelib.yandex_http import to_chalice_event, to_yandex_response

TIMER_MESSAGE = "yandex.cloud.events.serverless.triggers.TimerMessage"


def is_timer(event: dict[str, Any]) -> bool:
    """A timer trigger's call: `{"messages": [{"event_metadata": {"event_type": …TimerMessage}}]}`."""
    messages = event.get("messages")
    if not isinstance(messages, list) or not messages:
        return False
    return all(
        isinstance(m, dict) and (m.get("event_metadata") or {}).get("event_type") == TIMER_MESSAGE
        for m in messages
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # The function's service-account token comes with each call: kept for the Lockbox reader.
    yandex_iam.remember_context_token(context)
    if is_timer(event):
        # The hourly trigger (infra/yandex) in place of Lambda's schedule: app.finish_events.
        from chalicelib.services.lifecycle import finish_ended_events

        finish_ended_events()
        return {"statusCode": 200}
    chalice_event = to_chalice_event(event, app.routes, get_settings().stage)
    if chalice_event is None:
        answer = json_response(error_body("not_found", "Такого адреса API нет."), 404)
        return to_yandex_response(answer.to_dict())
    return to_yandex_response(app(chalice_event, context))
