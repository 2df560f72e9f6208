"""HTTP routes, one Blueprint per area; `register_all` joins them in one place."""

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
