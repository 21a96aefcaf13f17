"""The public face is typed: no public callable returns ``Any``; mypy accepts a user's code
that reads the results without casts (issue 10)."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
import typing
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FACES = (
    "salesflow",
    "salesflow.errors",
    "salesflow.interchange",
    "salesflow.repository",
    "salesflow.serialization",
    "salesflow.stats",
    "salesflow.templates",
    "salesflow.testing",
)
TYPING_CHECKS = Path(__file__).resolve().parents[1] / "typing"


def _returns_any(func: Callable[..., object]) -> bool:
    annotation = inspect.get_annotations(func).get("return")
    return annotation is typing.Any or annotation == "Any"


def _callables() -> Iterator[tuple[str, Callable[..., object]]]:
    """Every public function of the faces, and every public method or property of their
    public classes (with each overload of either)."""
    for face in FACES:
        module = importlib.import_module(face)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj):
                members = {
                    attr: member
                    for cls in reversed(obj.__mro__)
                    if cls.__module__.startswith("salesflow")
                    for attr, member in vars(cls).items()
                }
                for attr, member in members.items():
                    if attr.startswith("_") and attr not in ("__call__",):
                        continue
                    if isinstance(member, property) and member.fget is not None:
                        yield f"{face}.{name}.{attr}", member.fget
                    elif isinstance(member, classmethod | staticmethod):
                        yield f"{face}.{name}.{attr}", member.__func__
                    elif inspect.isfunction(member):
                        yield f"{face}.{name}.{attr}", member
            elif inspect.isfunction(obj):
                yield f"{face}.{name}", obj


@pytest.mark.parametrize(("name", "func"), sorted(_callables(), key=lambda nf: nf[0]))
def test_no_public_callable_returns_any(name: str, func: Callable[..., object]) -> None:
    for variant in (func, *typing.get_overloads(func)):
        assert not _returns_any(variant), f"{name} is annotated to return Any"


def test_the_public_face_covers_something() -> None:
    """The check above really walks the faces (a guard against an empty parametrization)."""
    names = {name for name, _ in _callables()}
    assert {"salesflow.complete_action", "salesflow.stats.funnels", "salesflow.fold"} <= names


def test_a_users_code_reading_the_results_type_checks_without_casts() -> None:
    """mypy --strict on tests/typing: ``assert_type`` on what the public functions return."""
    pytest.importorskip("mypy", reason="mypy is a dev dependency")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(TYPING_CHECKS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
