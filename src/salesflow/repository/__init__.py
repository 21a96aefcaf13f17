"""Stores for salesflow data: protocols, in memory, SQLite, PostgreSQL (R1–R3)."""

from salesflow.repository._memory import MemoryStore
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
from salesflow.repository._sql import SqliteStore

__all__ = [
    "CatalogRepository",
    "DealRepository",
    "LeadRepository",
    "MemoryStore",
    "Outbox",
    "OutboxItem",
    "Retried",
    "SqliteStore",
    "Store",
    "UnitOfWork",
    "retry",
]
