"""The portal's API as one Chalice app: wiring only. Code lives in chalicelib/."""

from typing import Any

from chalice import Cron, Rate
from chalicelib.db.connection import bind_at_lambda_init
from chalicelib.edge import origin_verify_guard
from chalicelib.logs import configure_logging
from chalicelib.observability import metrics_middleware
from chalicelib.routes import register_all
from chalicelib.stage_guard import esia_configuration_guard
from chalicelib.web import PortalApp, body_size_guard

configure_logging()
app = PortalApp(app_name="nmo-portal")
# Spreadsheet exports are binary: API Gateway must pass them base64-encoded.
app.api.binary_types.append("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# Order matters: a request that bypassed CloudFront is refused before anything else runs.
app.register_middleware(origin_verify_guard, "http")
app.register_middleware(metrics_middleware, "http")
app.register_middleware(body_size_guard, "http")
app.register_middleware(esia_configuration_guard, "http")
register_all(app)
bind_at_lambda_init()  # the DynamoDB client, once, in the Lambda's init phase


@app.schedule(Rate(1, unit=Rate.HOURS), name="finish-events")
def finish_events(event: object) -> None:
    """Hourly: events whose last day is over become `finished` (services/lifecycle.py)."""
    from chalicelib.services.lifecycle import finish_ended_events

    finish_ended_events()


@app.schedule(Cron(0, 4, "*", "*", "?", "*"), name="daily-notifications")
def daily_notifications(event: object) -> None:
    """Daily at 07:00 MSK: reminders, digests and retries (services/reminders.py)."""
    from chalicelib.services.reminders import run_daily

    run_daily()


@app.lambda_function(name="notify-changes")
def notify_changes(event: dict[str, Any], context: object) -> dict[str, int]:
    """DynamoDB streams of registrations, catalog and credits (an event source mapping in
    infra/api.yaml): change notices right after the change (services/change_notices.py)."""
    from chalicelib.services.change_notices import handle_records

    return {"sent": handle_records(event.get("Records") or [])}


@app.lambda_function(name="mail-events")
def mail_events(event: dict[str, Any], context: object) -> dict[str, int]:
    """SES bounce and complaint notifications, delivered by an SNS subscription: the address
    stops receiving mail (services/contacts.py)."""
    import json

    from chalicelib.services.contacts import handle_ses_event

    disabled = 0
    for record in event.get("Records") or []:
        try:
            message = json.loads(record.get("Sns", {}).get("Message") or "{}")
        except ValueError:
            continue
        disabled += handle_ses_event(message)
    return {"disabled": disabled}
