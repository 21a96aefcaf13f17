"""The command line's own error: a mistake the user can fix (not a library error)."""

__all__ = ["UserError"]


class UserError(Exception):
    """Something the user can fix: printed as one line, exit code 2."""
