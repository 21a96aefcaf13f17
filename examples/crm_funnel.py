"""Analyse a real CRM export like a notebook would: funnel, win rate, cycle, forecast, chart.

Loads the public CRM sample data set in ``examples/data/crm-sales-opportunities/`` with a
small CSV reader (the full importer is the CLI's ``import`` command), builds the deals
through salesflow's rules, prints the funnel and the summaries, and writes a funnel
chart to the path given as the first argument, or else to ``crm_funnel.png`` in a new
temporary folder (never into the current directory); it prints where the chart went.

Run: python examples/crm_funnel.py [chart.png]
"""

from __future__ import annotations

import csv
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from salesflow import (
    Actor,
    Catalog,
    Deal,
    DealQuery,
    Money,
    Process,
    Stage,
    create_deal,
    lose,
    move_to_stage,
    win,
)
from salesflow.stats import closed_summary, forecast, funnels, report

DATA = Path(__file__).resolve().parent / "data" / "crm-sales-opportunities"

#: The data set's pipeline: Prospecting → Engaging → Won / Lost.
CRM = Process(
    id="crm",
    name="CRM pipeline",
    stages=(Stage("prospecting", "Prospecting"), Stage("engaging", "Engaging")),
)
#: Prospecting rows carry no date at all; they count as created on this day.
UNDATED = datetime(2016, 10, 1, tzinfo=UTC)
#: The data set spells one product two ways.
PRODUCT_NAMES = {"GTXPro": "GTX Pro"}
NO_REASON = "lost (no reason recorded)"


def moment(day: str) -> datetime:
    """A data-set date as midnight UTC."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def load_crm(folder: Path = DATA) -> tuple[Catalog, list[Deal]]:
    """One deal per opportunity, moved through the rules as the row says."""
    catalog = Catalog.new(CRM)
    deals = []
    with (folder / "sales_pipeline.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            agent = Actor(row["sales_agent"])
            engaged = moment(row["engage_date"]) if row["engage_date"] else None
            value = row["close_value"]
            deal = create_deal(
                catalog,
                id=row["opportunity_id"],
                title=f"{row['product']} for {row['account'] or 'unknown account'}",
                by=agent,
                at=engaged or UNDATED,
                owner=agent.id,
                client=row["account"] or None,
                products=(PRODUCT_NAMES.get(row["product"], row["product"]),),
                value=Money.of(value, "USD") if value else None,
            ).state
            if engaged is not None:
                deal = move_to_stage(deal, catalog, "engaging", by=agent, at=engaged).state
            if row["deal_stage"] == "Won":
                deal = win(deal, catalog, by=agent, at=moment(row["close_date"])).state
            elif row["deal_stage"] == "Lost":
                deal = lose(
                    deal, catalog, by=agent, at=moment(row["close_date"]), reason=NO_REASON
                ).state
            deals.append(deal)
    return catalog, deals


def main(chart: Path) -> None:
    """Print the analysis and write the chart."""
    catalog, deals = load_crm()
    everything = report(deals, catalog, DealQuery(now=moment("2017-12-31")))
    funnel = everything.funnels["crm"]
    print(funnel)
    print()
    print(everything.closed)
    print()
    closed = closed_summary(deals, catalog).total
    print(f"win rate {float(closed.win_rate or 0):.1%}, won {closed.won_value}")
    cycle = closed.cycle.mean_days or 0
    print(f"closed deals take {float(cycle):.1f} days on average (won and lost)")
    by_agent = funnels(deals, catalog, DealQuery(group_by="owner"))
    best = max(by_agent.items(), key=lambda kv: kv[1]["crm"].won)
    print(f"most deals won: {best[0]} ({best[1]['crm'].won})")
    print()
    # how many deals, and how much, per year; the open deals without a date are the last row
    print(forecast(deals, catalog, period="year"))
    ax = funnel.plot()
    figure = ax.get_figure(root=True)
    assert figure is not None
    figure.savefig(chart, dpi=100)
    print(f"chart written to {chart}")


def chart_path(argv: list[str]) -> Path:
    """Where the chart goes: the first argument, else a file in a new temporary folder."""
    if len(argv) > 1:
        return Path(argv[1])
    return Path(tempfile.mkdtemp(prefix="salesflow-crm-")) / "crm_funnel.png"


if __name__ == "__main__":
    main(chart_path(sys.argv))
