"""Frozen domain objects: money, people, processes, deals and events."""
