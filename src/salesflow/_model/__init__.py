"""Frozen domain objects: money, people, processes, deals, leads and their events.

Private: import these names from :mod:`salesflow`.
"""
