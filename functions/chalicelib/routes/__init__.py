"""HTTP routes, one Blueprint per area; `register_all` joins them in one place.

One Lambda serves every route, and its cold start imports every route module: a route module
therefore imports its services inside the handlers that call them (the session helpers of
routes/session.py too), so a cold start loads the routing table and little else, and a request
loads only the services of its own route (bench/cold_start.py measures it;
tests/unit/test_cold_start.py guards it).
"""

from __future__ import annotations

from chalice import Chalice


def register_all(app: Chalice) -> None:
    from . import (
        applications,
        auth,
        catalog,
        dashboard,
        me,
        meta,
        moderation,
        notifications,
        organizer,
        registrations,
    )

    for module in (
        meta,
        catalog,
        auth,
        me,
        registrations,
        organizer,
        moderation,
        applications,
        notifications,
        dashboard,
    ):
        app.register_blueprint(module.bp)
