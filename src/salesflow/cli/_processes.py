"""``salesflow processes``: the catalog in a database, or one process's stages and actions (C1)."""

from __future__ import annotations

import argparse
from typing import TextIO

from salesflow._model.process import Catalog, Process
from salesflow.cli._database import find_process, read_catalog

__all__ = ["run_processes"]


def run_processes(args: argparse.Namespace, out: TextIO) -> int:
    """Print the catalog, or one process's stages and actions."""
    catalog = read_catalog(args.db)
    if args.show is None:
        _print_catalog(catalog, out)
    else:
        _print_process(find_process(catalog, args.show), out)
    return 0


def _print_catalog(catalog: Catalog, out: TextIO) -> None:
    for p in catalog:
        flags = [
            "default" if catalog.is_default(p.id) else "",
            "active" if p.active else "inactive",
            "auto-win" if p.auto_status_change else "",
            "gated" if p.gated else "",
        ]
        print(
            f"{p.id:<14} {p.name:<26} {len(p.stages)} stages, {len(p.actions):>2} actions  "
            + ", ".join(f for f in flags if f),
            file=out,
        )


def _print_process(process: Process, out: TextIO) -> None:
    print(f"{process.name} ({process.id})", file=out)
    for i, stage in enumerate(process.stages, start=1):
        extras = []
        if stage.probability is not None:
            extras.append(f"probability {stage.probability}")
        if stage.rotting_days is not None:
            extras.append(f"rots after {stage.rotting_days} d")
        print(f"  {i}. {stage.name}" + (f" [{', '.join(extras)}]" if extras else ""), file=out)
        for action in stage.actions:
            settings = [f"weight {action.weight}"]
            if action.mandatory:
                settings.append("mandatory")
            if action.performed_by.who.value != "everyone":
                settings.append(f"by {action.performed_by.describe()}")
            if action.requires_note.value != "none":
                settings.append(action.requires_note.value.replace("_", " "))
            if action.notify:
                settings.append("notifies")
            if action.trigger is not None:
                settings.append(f"task '{action.trigger.title}'")
            print(f"     - {action.name} ({', '.join(settings)})", file=out)
