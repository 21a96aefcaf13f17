"""salesflow: the rules and the numbers behind sales processes, as a pure-Python library.

Domain objects are frozen; rules are pure functions returning ``Outcome(state, events)``.
Start with :func:`salesflow.templates.sample_catalog` and :func:`create_deal`.

The public names (:mod:`salesflow._face`) load the first time one of them is used
(PEP 562), so that ``import salesflow`` and ``salesflow --help`` stay quick; type checkers
see ordinary imports.

Examples:
    A deal in the sample catalog's default process, and one action done:

    >>> from datetime import UTC, datetime
    >>> from salesflow import Actor, complete_action, create_deal, progress
    >>> from salesflow.templates import sample_catalog
    >>> catalog, ann = sample_catalog(), Actor("ann")
    >>> at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    >>> deal = create_deal(catalog, id="D-1", title="ACME", by=ann, at=at).state
    >>> deal.process_id, deal.status.value
    ('default', 'open')
    >>> deal = complete_action(deal, catalog, "needs", by=ann, at=at).state
    >>> print(progress(deal, catalog.get(deal.process_id)))
    13.3%
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from salesflow import errors as _errors
from salesflow.errors import *  # noqa: F403  (every error, see __all__)

__version__ = "0.1.0"
"""The version of the installed salesflow."""

if TYPE_CHECKING:
    from salesflow import _face
    from salesflow._face import *  # noqa: F403  (the model, rules and queries)
    from salesflow._model import events as _events
    from salesflow._model.events import *  # noqa: F403  (mypy follows one star, not two)

    __all__ = ["__version__"]
    __all__ += _errors.__all__
    __all__ += _face.__all__
    __all__ += _events.__all__
else:

    def __getattr__(name: str) -> Any:
        """Load the public names on first use; ``__all__`` is known once they are."""
        face = importlib.import_module("salesflow._face")
        if name == "__all__":
            value: Any = ["__version__", *_errors.__all__, *face.__all__]
        elif name in face.__all__:
            value = getattr(face, name)
        else:
            raise AttributeError(f"module 'salesflow' has no attribute {name!r}")
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(globals()) | set(__getattr__("__all__")))
