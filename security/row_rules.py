"""Row-level rules: which customers a caller may see, decided per resource by its owner.

The mechanism lives here; each service registers the rules for what it serves (customers: the
assignments every service follows from the workflow service's topics, see
streams/assignment_view.py). Until a rule is registered for a resource, only
roles that see every customer get anything: an agent is never shown more than they may see.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

# Roles whose members work across every team and customer.
SEES_ALL = frozenset({"ADMIN", "SUPERVISOR", "AUDITOR", "SYSTEM"})


@dataclass(frozen=True)
class Scope:
    """`everything`, or exactly these customers (CIFs)."""

    everything: bool = False
    cifs: frozenset[str] = field(default_factory=frozenset)

    def allows(self, cif: str) -> bool:
        return self.everything or cif in self.cifs


class Caller(Protocol):
    """What a rule may know of the caller (web.auth.Principal is one)."""

    @property
    def user_id(self) -> str: ...

    @property
    def roles(self) -> frozenset[str]: ...


NOTHING = Scope()
EVERYTHING = Scope(everything=True)

Rule = Callable[[Caller], Awaitable[Scope]]


class RowRules:
    """Per-resource rules, registered once at start by the service that owns the facts."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def register(self, resource: str, rule: Rule) -> None:
        if resource in self._rules:
            raise ValueError(f"a row rule for {resource} is already registered")
        self._rules[resource] = rule

    async def scope(self, principal: Caller, resource: str) -> Scope:
        if principal.roles & SEES_ALL:
            return EVERYTHING
        rule = self._rules.get(resource)
        return NOTHING if rule is None else await rule(principal)
