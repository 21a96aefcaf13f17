"""Ready-made import mappings, by name (C1).

``crm-sales-opportunities`` reads the public CRM sample data set in
``examples/data/crm-sales-opportunities/``: its pipeline (Prospecting → Engaging → Won or
Lost), its companion files of sales teams, accounts and products, and its quirks (one
product spelled two ways, prospecting rows without any date). Each deal gets one line item
(D15): its product, once, at the list price of ``products.csv`` in USD; its value is the
row's ``close_value`` when it has one (set by hand: it wins over the line), else the
line's total, the list price.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from salesflow._model.process import Process, Stage
from salesflow.interchange._mapping import ImportMapping, Join

__all__ = ["PRESETS"]


def _crm_preset() -> ImportMapping:
    process = Process(
        id="crm",
        name="CRM pipeline",
        stages=(Stage("prospecting", "Prospecting"), Stage("engaging", "Engaging")),
    )
    return ImportMapping(
        process=process,
        id="opportunity_id",
        status="deal_stage",
        statuses={
            "Prospecting": "open:prospecting",
            "Engaging": "open:engaging",
            "Won": "won",
            "Lost": "lost",
        },
        owner="sales_agent",
        client="account",
        product="product",
        value="close_value",
        currency="USD",
        created="engage_date",
        closed="close_date",
        entered={"engaging": "engage_date"},
        undated=datetime(2016, 10, 1, tzinfo=UTC),
        aliases={"product": {"GTXPro": "GTX Pro"}},
        joins=(
            Join(
                "sales_teams.csv",
                "sales_agent",
                "sales_agent",
                {"tag:team": "regional_office", "tag:manager": "manager"},
            ),
            Join("accounts.csv", "account", "account", {"segment": "sector"}),
            Join(
                "products.csv",
                "product",
                "product",
                {"tag:series": "series", "price": "sales_price"},
            ),
        ),
    )


PRESETS: dict[str, Callable[[], ImportMapping]] = {"crm-sales-opportunities": _crm_preset}
"""Ready-made mappings, by name: call one for its :class:`ImportMapping`."""
