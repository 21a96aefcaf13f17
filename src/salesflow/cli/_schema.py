"""The JSON Schema of ``salesflow report --format json`` (schema version 2, docs/cli.md).

Written as data so that a test validates every report kind against it and
``docs/report-schema-v2.json`` is this schema, checked to be the same. Figures are JSON
numbers, or with ``"exact": true`` exact text (``"4238/6711"``, ``"21000.00"``) and
whole numbers; the top-level ``if`` picks which.
"""

from __future__ import annotations

from typing import Any

__all__ = ["report_schema"]

_MONEY = r"^(value|weighted|won_value|lost_value|per_day|expected)_[A-Z]{3}$"


def _parts(figure: str) -> dict[str, Any]:
    """The records of each part, with figures of the ``$defs`` entry *figure*."""
    fig = {"$ref": f"#/$defs/{figure}"}
    count = {"type": "integer", "minimum": 0}
    text = {"type": "string"}
    maybe_text = {"type": ["string", "null"]}
    process = {"process_id": {"type": ["string", "null"]}, "process_name": text}
    group: dict[str, Any] = {"group": {}}  # the group key of a grouped report (any value)

    def record(required: list[str], fields: dict[str, Any], money: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "required": required,
            "properties": {**group, **fields},
            "additionalProperties": False,
        }
        if money:
            out["patternProperties"] = {_MONEY: fig}
        return {"type": "array", "items": out}

    per_process = [*process, "total"]
    return {
        "funnels": record(
            ["process_id", "process_name", "stage", "reached", "from_previous", "from_first"],
            {
                **process,
                "stage": text,
                "reached": count,
                "from_previous": fig,
                "from_first": fig,
                "drop_off": {"type": ["integer", "null"]},
            },
            money=True,
        ),
        "open": record(
            [*per_process, "open"],
            {**process, "total": {"type": "boolean"}, "open": count},
            money=True,
        ),
        "closed": record(
            [*per_process, "won", "lost", "win_rate", "cycle_mean_days", "cycle_median_days"],
            {
                **process,
                "total": {"type": "boolean"},
                "won": count,
                "lost": count,
                "win_rate": fig,
                "cycle_mean_days": fig,
                "cycle_median_days": fig,
                "won_cycle_mean_days": fig,
                "won_cycle_median_days": fig,
                "lost_cycle_mean_days": fig,
                "lost_cycle_median_days": fig,
                "top_lost_reason": maybe_text,
            },
            money=True,
        ),
        "time_in_stage": record(
            ["process_id", "process_name", "stage", "spells", "mean_days", "median_days"],
            {**process, "stage": text, "spells": count, "mean_days": fig, "median_days": fig},
            money=False,
        ),
        "velocity": record(
            [*per_process, "win_rate", "cycle_days"],
            {**process, "total": {"type": "boolean"}, "win_rate": fig, "cycle_days": fig},
            money=True,
        ),
        "forecast": record(
            ["period", "category", "deals", "expected_deals"],
            {
                "period": maybe_text,
                "category": {"enum": ["pipeline", "best_case", "commit", "closed_won"]},
                "deals": count,
                "expected_deals": fig,
            },
            money=True,
        ),
    }


def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report document, version 2."""
    head = {
        "schema_version": {"const": 2},
        "exact": {"type": "boolean"},
        "now": {"type": "string", "format": "date-time"},
    }
    numbers, exact = _parts("number"), _parts("exact")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "salesflow report, schema version 2",
        "type": "object",
        "required": ["schema_version", "exact", "now"],
        "properties": {**head, **{part: {"type": "array"} for part in numbers}},
        "additionalProperties": False,
        "if": {"properties": {"exact": {"const": True}}},
        "then": {"properties": exact},
        "else": {"properties": numbers},
        "$defs": {
            "number": {"type": ["number", "null"]},
            "exact": {
                "oneOf": [
                    {"type": "integer"},
                    {"type": "string", "pattern": r"^-?[0-9]+(/[0-9]+|\.[0-9]+)?$"},
                    {"type": "null"},
                ]
            },
        },
    }
