"""Stores for salesflow data: protocols, in memory, SQLite, PostgreSQL (R1–R3).

``PostgresStore`` needs the ``postgres`` extra (psycopg 3) only when one is opened.
"""

from salesflow.repository._memory import MemoryStore
from salesflow.repository._partitions import (
    JsonLinesPartition,
    PartitionKind,
    StorePartition,
    write_json_lines,
)
from salesflow.repository._postgres import PostgresStore
from salesflow.repository._protocols import (
    CatalogRepository,
    DealRepository,
    LeadRepository,
    Outbox,
    OutboxItem,
    Store,
    UnitOfWork,
)
from salesflow.repository._retry import Retried, retry
from salesflow.repository._sqlite import SqliteStore

__all__ = [
    "CatalogRepository",
    "DealRepository",
    "JsonLinesPartition",
    "LeadRepository",
    "MemoryStore",
    "Outbox",
    "OutboxItem",
    "PartitionKind",
    "PostgresStore",
    "Retried",
    "SqliteStore",
    "Store",
    "StorePartition",
    "UnitOfWork",
    "retry",
    "write_json_lines",
]
