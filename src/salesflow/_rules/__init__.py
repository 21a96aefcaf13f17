"""The pure rules engine: functions from state, actor and time to new state plus events.

Private: import these names from :mod:`salesflow`.
"""
