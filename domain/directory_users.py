"""Which staff accounts exist, as the workflow service learns them from auth.events.

An agent is created for a directory user, so the workflow service must know the accounts
without calling the auth service: it remembers each account an auth event names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Events that name an account by id and its current username. Demo users may never be
# synced from AD on a schedule, only log in: a successful login announces them too.
ANNOUNCING = frozenset({"USER_CREATED", "USER_UPDATED", "LOGIN_SUCCESS"})


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    user_id: str
    # Lower case, as the auth service stores it: AD account names ignore case.
    username: str
    seen_at: datetime


def announced_user(record: Mapping[str, Any]) -> DirectoryUser | None:
    """The account a decoded AuthEvent announces, or None if it announces none.

    Raises KeyError/TypeError for a record that is not an AuthEvent at all.
    """
    if record["eventType"] not in ANNOUNCING:
        return None
    user_id, username = record.get("userId"), record.get("username")
    if not user_id or not username or not username.strip():
        return None
    seen_at = record["occurredAt"]
    if not isinstance(seen_at, datetime) or seen_at.tzinfo is None:
        raise TypeError(f"occurredAt is not an aware timestamp: {seen_at!r}")
    return DirectoryUser(user_id, username.strip().lower(), seen_at)
