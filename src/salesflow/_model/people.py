"""Who acts and who sees what: an actor has an id and a role (agent, manager, admin); a
catalog's visibility policy says what agents see of deals and of leads (D10, L3)."""

from __future__ import annotations

import enum

import attrs
from attrs import frozen

from salesflow._model.checks import non_empty, to_enum

__all__ = ["Actor", "AgentsSee", "Role", "Visibility"]


class Role(enum.Enum):
    """A person's role in the company's CRM."""

    AGENT = "agent"
    MANAGER = "manager"
    ADMIN = "admin"


def _role(value: Role | str) -> Role:
    return to_enum(Role, "role", value)


@frozen
class Actor:
    """The person performing an operation: every rule takes one as ``by=``."""

    id: str = attrs.field(validator=non_empty)
    role: Role = attrs.field(default=Role.AGENT, converter=_role)

    @property
    def is_manager(self) -> bool:
        """Managers and admins."""
        return self.role in (Role.MANAGER, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        """Admins only."""
        return self.role is Role.ADMIN


class AgentsSee(enum.Enum):
    """What an agent sees of one kind of work (managers and admins see everything)."""

    OWN = "own"
    """What they own or take part in (seed 003, for leads)."""
    OWN_AND_UNASSIGNED = "own_and_unassigned"
    """That, and anything unassigned until someone claims it (seed 004, for deals/orders)."""


def _sees(value: AgentsSee | str) -> AgentsSee:
    return to_enum(AgentsSee, "visibility", value)


@frozen
class Visibility:
    """A catalog's visibility policy, one rule per kind of work (D10, L3).

    The defaults are the seeds': an unassigned deal (an order) is visible to every agent
    until one claims it (seed 004); an unassigned lead only to managers, who hand it out
    (seed 003).
    """

    deals: AgentsSee = attrs.field(default=AgentsSee.OWN_AND_UNASSIGNED, converter=_sees)
    leads: AgentsSee = attrs.field(default=AgentsSee.OWN, converter=_sees)

    def allows(
        self, actor: Actor, kind: str, owner: str | None, participants: frozenset[str]
    ) -> bool:
        """Whether *actor* sees an item of *kind* ("deal" or "lead") held by *owner*."""
        if actor.is_manager or owner == actor.id or actor.id in participants:
            return True
        rule = self.deals if kind == "deal" else self.leads
        return owner is None and rule is AgentsSee.OWN_AND_UNASSIGNED

    def describe(self, kind: str, *, assigned: bool) -> str:
        """Who sees an item of *kind* (held by someone, or not), in words."""
        rule = self.deals if kind == "deal" else self.leads
        unassigned = (
            ", every agent while it is unassigned"
            if rule is AgentsSee.OWN_AND_UNASSIGNED and not assigned
            else ""
        )
        return f"its owner, its participants, managers and admins{unassigned}"
