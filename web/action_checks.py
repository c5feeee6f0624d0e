"""What the API checks of an action or result before the customer's worker sees it.

The worker decides against the dictionaries too (they may change in between); checking here
first gives the client a precise answer, naming the field, without a round trip through Kafka.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from crm.settings import Settings
from domain.action_dictionary import Dictionaries
from domain.actions import PromiseTerms
from web.problems import ProblemError


def check_codes(d: Dictionaries, action_type: str, subtype: str) -> None:
    for code, known, name in (
        (action_type, d.action_type(action_type), "actionType"),
        (subtype, d.subtype(subtype), "subtype"),
    ):
        if known is None:
            raise ProblemError(422, "UNKNOWN_CODE", f"{code} is not in the dictionary", field=name)


def check_outcome(
    d: Dictionaries,
    action_type: str,
    subtype: str,
    result: str | None,
    promise: PromiseTerms | None,
) -> None:
    """A configured combination; promise terms exactly when the result takes a promise."""
    if not d.allows(action_type, subtype, result):
        raise ProblemError(
            422,
            "INVALID_COMBINATION",
            f"{action_type}/{subtype}/{result or '-'} is not a valid combination",
            field="result" if result else "subtype",
        )
    known = d.result(result) if result else None
    takes_promise = known is not None and known.creates_promise
    if takes_promise and promise is None:
        raise ProblemError(
            400, "PROMISE_REQUIRED", f"{result} needs promise terms", field="promise"
        )
    if promise is not None and not takes_promise:
        raise ProblemError(
            400,
            "PROMISE_NOT_EXPECTED",
            "only a result that takes a promise has terms",
            field="promise",
        )


def check_due_date(settings: Settings, promise: PromiseTerms | None, made_at: datetime) -> None:
    """A promise is due from the day it is made up to promise_max_days later (bank time)."""
    if promise is None:
        return
    made = made_at.astimezone(ZoneInfo(settings.bank_timezone)).date()
    latest = made + timedelta(days=settings.promise_max_days)
    if not made <= promise.due_date <= latest:
        raise ProblemError(
            400,
            "INVALID_DUE_DATE",
            f"a promise made on {made} is due between then and {latest}",
            field="promise.dueDate",
        )


def check_channel(channels: list[str] | None, action_type: str) -> None:
    """The customer's strategy may limit the channels agents use on them (none: any)."""
    if channels and action_type not in channels:
        raise ProblemError(
            422,
            "CHANNEL_NOT_ALLOWED",
            f"the customer's strategy allows only {', '.join(channels)}",
            field="actionType",
        )
