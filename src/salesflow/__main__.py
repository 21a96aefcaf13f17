"""``python -m salesflow``: the command line."""

from salesflow.cli import main

raise SystemExit(main())
