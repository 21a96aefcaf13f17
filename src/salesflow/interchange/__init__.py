"""Moving data in: CRM exports through the rules, with TOML mappings and presets (C1).

``import_csv`` streams a CSV file into a store in one unit of work: every row goes
through the rules, rejects come back with their reasons, and a failure half-way leaves
the store as it was.
"""

from salesflow.interchange._importer import ImportProgress, ImportSummary, import_csv
from salesflow.interchange._mapping import ImportMapping, Join, load_mapping
from salesflow.interchange._presets import PRESETS

__all__ = [
    "PRESETS",
    "ImportMapping",
    "ImportProgress",
    "ImportSummary",
    "Join",
    "import_csv",
    "load_mapping",
]
