"""The case dictionaries as the rules read them: processing states, their substates, the moves
between states staff may make, and the customer statuses.

An administrator maintains them (DOMAIN.md: "customer status dictionaries ... are data");
deciding a change reads one loaded snapshot, so it never sees half of an administrator's edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

# Where a case opened by its loans starts (and starts again when it reopens).
FIRST_STATE = "INVESTIGATION"
FIRST_SUBSTATE = "NEW"


@dataclass(frozen=True, slots=True)
class CaseState:
    code: str
    name_en: str
    name_vi: str
    position: int
    active: bool


@dataclass(frozen=True, slots=True)
class CaseSubstate:
    state: str
    code: str
    name_en: str
    name_vi: str
    position: int
    active: bool


@dataclass(frozen=True, slots=True)
class CustomerStatus:
    code: str
    name_en: str
    name_vi: str
    position: int
    active: bool


@dataclass(frozen=True, slots=True, order=True)
class Transition:
    from_state: str
    to_state: str


@dataclass(frozen=True)
class CaseDictionaries:
    """One consistent snapshot; build it with `CaseDictionaries.of`."""

    states: Mapping[str, CaseState]
    # (state, substate code) → substate.
    substates: Mapping[tuple[str, str], CaseSubstate]
    transitions: frozenset[Transition]
    statuses: Mapping[str, CustomerStatus]

    @classmethod
    def of(
        cls,
        states: Iterable[CaseState],
        substates: Iterable[CaseSubstate],
        transitions: Iterable[Transition],
        statuses: Iterable[CustomerStatus],
    ) -> CaseDictionaries:
        return cls(
            MappingProxyType({s.code: s for s in states}),
            MappingProxyType({(s.state, s.code): s for s in substates}),
            frozenset(transitions),
            MappingProxyType({s.code: s for s in statuses}),
        )

    def active_state(self, code: str) -> bool:
        found = self.states.get(code)
        return found is not None and found.active

    def active_substate(self, state: str, code: str) -> bool:
        found = self.substates.get((state, code))
        return found is not None and found.active

    def active_status(self, code: str) -> bool:
        found = self.statuses.get(code)
        return found is not None and found.active

    def substates_of(self, state: str) -> tuple[str, ...]:
        """The active substates of `state`, in their order."""
        found = [s for (owner, _), s in self.substates.items() if owner == state and s.active]
        return tuple(s.code for s in sorted(found, key=lambda s: (s.position, s.code)))

    def next_states(self, state: str) -> tuple[str, ...]:
        """The active states a case in `state` may move to, in the states' order."""
        targets = [
            self.states[t.to_state]
            for t in self.transitions
            if t.from_state == state and self.active_state(t.to_state)
        ]
        return tuple(s.code for s in sorted(targets, key=lambda s: (s.position, s.code)))

    def ordered_states(self) -> list[CaseState]:
        return sorted(self.states.values(), key=lambda s: (s.position, s.code))

    def ordered_statuses(self) -> list[CustomerStatus]:
        return sorted(self.statuses.values(), key=lambda s: (s.position, s.code))
