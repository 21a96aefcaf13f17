"""Who acts: an actor has an id and a role (agent, manager, admin)."""

from __future__ import annotations

import enum

import attrs
from attrs import frozen

from salesflow.errors import ValidationError
from salesflow.model._checks import non_empty

__all__ = ["Actor", "Role"]


class Role(enum.Enum):
    """A person's role in the company's CRM."""

    AGENT = "agent"
    MANAGER = "manager"
    ADMIN = "admin"


def _role(value: Role | str) -> Role:
    if isinstance(value, Role):
        return value
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationError("role", value, f"must be one of: {allowed}") from None


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
