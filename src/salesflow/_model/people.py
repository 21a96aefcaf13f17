"""Who acts: an actor has an id and a role (agent, manager, admin)."""

from __future__ import annotations

import enum

import attrs
from attrs import frozen

from salesflow._model.checks import non_empty, to_enum

__all__ = ["Actor", "Role"]


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
