"""Structured logs and business metrics for CloudWatch, with the standard library only.

- `JsonFormatter`: one JSON object per log line with the API Gateway request id, so a line in
  CloudWatch Logs Insights is found by `requestId`; used in Lambda (logs.configure_logging).
- `metrics_middleware`: after each API request, counts logins, registrations and code
  redemptions and their failures as CloudWatch embedded metric format (EMF) lines on stdout:
  Lambda ships stdout to CloudWatch Logs, which turns them into metrics without any API call
  (no PutMetricData permission, no latency). The alarms in infra/api.yaml read these metrics.
Outcomes are read from the response (status, redirect target), so no service code changes.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from chalice.app import Request, Response

NAMESPACE = "NMO/Portal"
_local = threading.local()

# (method, route) → (metric on success, metric on failure); failures are 4xx/5xx answers.
TRACKED: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/api/auth/esia/callback"): ("Logins", "LoginFailures"),
    ("POST", "/api/events/{event_id}/registrations"): ("Registrations", "RegistrationFailures"),
    ("POST", "/api/me/credits/codes"): ("CodeRedemptions", "CodeRedemptionFailures"),
}
LOGIN_ERROR_PAGE = "/help/login/errors"


def current_request_id() -> str:
    return str(getattr(_local, "request_id", "") or "")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if current_request_id():
            entry["requestId"] = current_request_id()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def emf_line(metrics: dict[str, int], stage: str, timestamp_ms: int | None = None) -> str:
    """One EMF document: the metrics, dimensioned by stage."""
    document: dict[str, Any] = {
        "_aws": {
            "Timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Stage"]],
                    "Metrics": [{"Name": name, "Unit": "Count"} for name in sorted(metrics)],
                }
            ],
        },
        "Stage": stage,
        **metrics,
    }
    if current_request_id():
        document["requestId"] = current_request_id()
    return json.dumps(document)


def outcome(method: str, route: str, response: Response) -> dict[str, int]:
    """The metrics one answered request counts (empty for untracked routes)."""
    names = TRACKED.get((method, route))
    if names is None:
        return {}
    success, failure = names
    failed = response.status_code >= 400
    if route == "/api/auth/esia/callback":
        location = str((response.headers or {}).get("Location", ""))
        failed = failed or LOGIN_ERROR_PAGE in location
    return {failure: 1} if failed else {success: 1}


def _emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def metrics_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
    context = request.context or {}
    _local.request_id = context.get("requestId", "")
    try:
        response = get_response(request)
        counted = outcome(request.method, str(context.get("resourcePath", "")), response)
        if counted:
            _emit(emf_line(counted, os.environ.get("NMO_STAGE", "local")))
        return response
    finally:
        _local.request_id = ""
