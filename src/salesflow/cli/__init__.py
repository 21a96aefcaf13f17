"""The ``salesflow`` command line: demo, import, report, processes.

The application around the library: nothing in the library imports it.
"""

from salesflow.cli._main import main

__all__ = ["main"]
