"""Tables of the workflow service (schemas workflow, agents, actions).

None yet: the schemas are created empty by the workflow migration so that its tables
(cases, promises, assignments, actions) land in schemas the service already owns.
"""

from __future__ import annotations

from persistence.models.base import SERVICE_SCHEMAS

SCHEMAS = SERVICE_SCHEMAS["workflow"]

__all__ = ["SCHEMAS"]
