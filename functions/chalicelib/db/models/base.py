"""The base of every table model: a logical table name bound to a prefix and endpoint on first use."""

from __future__ import annotations

from typing import ClassVar

from pynamodb.models import Model


class PortalModel(Model):
    """A table of the portal. `table` is the logical name; the real name is prefix + table.

    Meta.table_name/host/region are filled by `db.connection.bind_models()` from settings on first
    use, never at import (so moto, the local endpoint and AWS all work with the same classes).
    """

    table: ClassVar[str] = ""
    # TTL attribute name, if the table expires items (declared in infra as well; a test compares).
    ttl_attribute: ClassVar[str | None] = None

    class Meta:
        table_name = "unbound"
        billing_mode = "PAY_PER_REQUEST"
