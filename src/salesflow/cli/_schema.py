"""The JSON Schema of ``salesflow report --format json`` (schema version 2, docs/cli.md).

Written as data so that a test validates every report kind against it and
``docs/report-schema-v2.json`` is this schema, checked to be the same. Figures are JSON
numbers, or with ``"exact": true`` exact text (``"4238/6711"``, ``"21000.00"``); counts
are whole numbers either way. The top-level ``if`` picks which.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SCHEMA_VERSION", "report_schema"]

#: The version this schema describes (the document's ``schema_version``).
SCHEMA_VERSION = 2

#: Each part's money columns: ``<figure>_<ISO 4217 code>``.
_MONEY = {
    "funnels": ("value",),
    "open": ("value", "weighted"),
    "closed": ("won_value", "lost_value"),
    "time_in_stage": (),
    "velocity": ("per_day",),
    "forecast": ("value", "expected"),
    "products": (),  # in the record's currency: won_revenue, open_revenue, open_weighted
}


def _parts(exact: bool) -> dict[str, Any]:
    """The records of each part, with figures as numbers or (*exact*) as text."""
    mode = "exact" if exact else "number"
    fig, rate, money, quantity = (
        {"$ref": f"#/$defs/{mode}_{kind}"} for kind in ("figure", "rate", "money", "quantity")
    )
    count = {"type": "integer", "minimum": 0}
    text = {"type": "string"}
    maybe_text = {"type": ["string", "null"]}
    process = {"process_id": {"type": ["string", "null"]}, "process_name": text}
    group: dict[str, Any] = {"group": {}}  # the group key of a grouped report (any value)
    total_row = {
        # the total over all processes has no process id; every other row has one
        "if": {"properties": {"total": {"const": True}}},
        "then": {"properties": {"process_id": {"type": "null"}}},
        "else": {"properties": {"process_id": {"type": "string"}}},
    }

    def record(part: str, required: list[str], fields: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "required": required,
            "properties": {**group, **fields},
            "additionalProperties": False,
        }
        if _MONEY[part]:
            pattern = f"^({'|'.join(_MONEY[part])})_[A-Z]{{3}}$"
            out["patternProperties"] = {pattern: money}
        if "total" in fields:
            out.update(total_row)
        return {"type": "array", "items": out}

    per_process = [*process, "total"]
    flag = {"type": "boolean"}
    return {
        "funnels": record(
            "funnels",
            ["process_id", "process_name", "stage", "reached", "from_previous", "from_first"],
            {
                **process,
                "stage": text,
                "reached": count,
                "from_previous": rate,
                "from_first": rate,
                "from_won": rate,
                "drop_off": {"type": ["integer", "null"], "minimum": 0},
                "after_sale": flag,
            },
        ),
        "open": record("open", [*per_process, "open"], {**process, "total": flag, "open": count}),
        "closed": record(
            "closed",
            [*per_process, "won", "lost", "win_rate", "cycle_mean_days", "cycle_median_days"],
            {
                **process,
                "total": flag,
                "won": count,
                "lost": count,
                "win_rate": rate,
                "cycle_mean_days": fig,
                "cycle_median_days": fig,
                "won_cycle_mean_days": fig,
                "won_cycle_median_days": fig,
                "lost_cycle_mean_days": fig,
                "lost_cycle_median_days": fig,
                "top_lost_reason": maybe_text,
            },
        ),
        "time_in_stage": record(
            "time_in_stage",
            ["process_id", "process_name", "stage", "spells", "mean_days", "median_days"],
            {
                **process,
                "stage": text,
                "spells": count,
                "mean_days": fig,
                "median_days": fig,
                "after_sale": flag,
            },
        ),
        "velocity": record(
            "velocity",
            [*per_process, "win_rate", "cycle_days"],
            {**process, "total": flag, "win_rate": rate, "cycle_days": fig},
        ),
        "forecast": record(
            "forecast",
            ["period", "overdue", "category", "deals", "expected_deals"],
            {
                "period": maybe_text,
                "overdue": flag,
                "category": {"enum": ["pipeline", "best_case", "commit", "closed_won"]},
                "deals": count,
                "expected_deals": fig,
            },
        ),
        "products": record(
            "products",
            [
                "product",
                "currency",
                "won_units",
                "won_revenue",
                "open_units",
                "open_revenue",
                "open_weighted",
            ],
            {
                "product": text,
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "won_units": quantity,
                "won_revenue": money,
                "open_units": quantity,
                "open_revenue": money,
                "open_weighted": money,
            },
        ),
    }


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report document, version 2."""
    head = {
        "schema_version": {"const": SCHEMA_VERSION},
        "exact": {"type": "boolean"},
        "now": {"type": "string", "format": "date-time"},
    }
    numbers, exact = _parts(exact=False), _parts(exact=True)
    fraction = r"^-?[0-9]+(/[1-9][0-9]*)?$"
    decimal = r"^-?[0-9]+(\.[0-9]+)?$"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"salesflow report, schema version {SCHEMA_VERSION}",
        "type": "object",
        "required": ["schema_version", "exact", "now"],
        "properties": {**head, **{part: {"type": "array"} for part in numbers}},
        "additionalProperties": False,
        "if": {"properties": {"exact": {"const": True}}},
        "then": {"properties": exact},
        "else": {"properties": numbers},
        "$defs": {
            "number_figure": {"type": ["number", "null"]},
            "number_rate": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
            "number_money": {"type": "number"},
            "number_quantity": {"type": "number", "minimum": 0},
            "exact_figure": {"type": ["string", "null"], "pattern": fraction},
            "exact_rate": {"type": ["string", "null"], "pattern": fraction},
            "exact_money": {
                "type": "string",
                "anyOf": [{"pattern": decimal}, {"pattern": fraction}],
            },
            "exact_quantity": {"type": "string", "pattern": decimal},
        },
    }
