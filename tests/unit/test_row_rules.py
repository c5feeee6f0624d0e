"""Row-level rules: agents see what a registered rule grants them, supervisors see all."""

from __future__ import annotations

import pytest

from security.row_rules import EVERYTHING, NOTHING, Caller, RowRules, Scope
from web.auth import Principal


def person(*roles: str, user: str = "u1") -> Principal:
    return Principal(user_id=user, permissions=frozenset(), roles=frozenset(roles))


async def test_without_a_rule_an_agent_sees_nothing_and_a_supervisor_everything() -> None:
    rules = RowRules()
    assert await rules.scope(person("AGENT"), "customers") == NOTHING
    assert await rules.scope(person("SUPERVISOR"), "customers") == EVERYTHING


async def test_registered_rule_decides_for_agents() -> None:
    rules = RowRules()
    assigned = {"u1": frozenset({"100234"}), "u2": frozenset({"100999"})}

    async def assigned_only(p: Caller) -> Scope:
        return Scope(cifs=assigned.get(p.user_id, frozenset()))

    rules.register("customers", assigned_only)
    scope = await rules.scope(person("AGENT", user="u1"), "customers")
    assert scope.allows("100234") and not scope.allows("100999")
    assert (await rules.scope(person("ADMIN"), "customers")).allows("100999")


def test_a_resource_has_one_rule() -> None:
    rules = RowRules()

    async def rule(p: Caller) -> Scope:
        return NOTHING

    rules.register("loans", rule)
    with pytest.raises(ValueError, match="already registered"):
        rules.register("loans", rule)
