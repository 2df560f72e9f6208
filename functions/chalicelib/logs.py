"""Logging setup: English, one line per event, never personal data (СНИЛС, names, tokens)."""

from __future__ import annotations

import logging
import os


def configure_logging() -> None:
    level = os.environ.get("NMO_LOG_LEVEL", "INFO").upper()
    root = logging.getLogger("nmo")
    if not root.handlers:
        handler = logging.StreamHandler()
        if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
            # In Lambda: JSON lines with the request id, for CloudWatch Logs Insights.
            from .observability import JsonFormatter

            handler.setFormatter(JsonFormatter())
        else:
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
            )
        root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False
