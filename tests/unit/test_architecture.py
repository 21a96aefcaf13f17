"""The package's shape stays true: layers only point down, no import circles (issue 10).

Read from the source with ``ast`` (nothing is imported), so a new upward arrow fails here
before anyone has to notice it in review.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "salesflow"

#: The layers, lowest first: a module may import its own layer's package or a lower layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("salesflow.errors", "salesflow._spreadsheet"),
    ("salesflow._model",),
    ("salesflow._rules", "salesflow.templates"),
    ("salesflow._queries", "salesflow.serialization"),
    ("salesflow._face",),  # the public names, which the package loads on first use
    ("salesflow",),  # the public face: re-exports the model, rules and queries
    ("salesflow.stats",),
    ("salesflow.repository",),
    ("salesflow.interchange",),
    ("salesflow.dask",),  # statistics on Dask, over store partitions
    ("salesflow.testing",),
    ("salesflow.cli",),
    ("salesflow.__main__",),
)

#: Arrows the layer order would allow but the architecture forbids.
FORBIDDEN = (
    ("salesflow.stats", "salesflow._rules"),  # statistics read facts of the model, not rules
    ("salesflow.repository", "salesflow.stats"),  # stores know queries, not statistics
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    """Every salesflow module *path* imports, at module level or inside functions."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, node.module] if node.module else parts)
            else:
                base = node.module or ""
            # ``from salesflow import errors`` imports the module salesflow.errors
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        yield from (n for n in names if n == "salesflow" or n.startswith("salesflow."))


MODULES = {_module_name(p) for p in PACKAGE.rglob("*.py")}
GRAPH = {_module_name(p): sorted(set(_imports(p))) for p in sorted(PACKAGE.rglob("*.py"))}


def _home(module: str) -> tuple[int, str]:
    """The layer of *module* and the package it belongs to (the longest listed prefix)."""
    best: tuple[int, str] | None = None
    for level, homes in enumerate(LAYERS):
        for home in homes:
            inside = module == home or (home != "salesflow" and module.startswith(home + "."))
            if inside and (best is None or len(home) > len(best[1])):
                best = (level, home)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def test_every_module_has_a_layer() -> None:
    for module in GRAPH:
        _home(module)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_only_down(module: str) -> None:
    level, home = _home(module)
    for target in GRAPH[module]:
        if target not in GRAPH:  # ``from salesflow.x import name`` where x is a package
            assert any(m.startswith(target) for m in GRAPH), f"{module} imports unknown {target}"
        target_level, target_home = _home(target)
        assert target_level < level or target_home == home, (
            f"{module} (layer {home}) imports {target} (layer {target_home}): an upward arrow"
        )
        for source, forbidden in FORBIDDEN:
            assert not (home == source and target_home == forbidden), (
                f"{module} imports {target}: {source} must not import {forbidden}"
            )


def test_nothing_in_the_library_imports_the_command_line() -> None:
    for module, targets in GRAPH.items():
        if not module.startswith("salesflow.cli") and module != "salesflow.__main__":
            assert not [t for t in targets if t.startswith("salesflow.cli")], module


def test_the_library_never_imports_its_own_public_face() -> None:
    """Internal modules import where a name lives, never the ``salesflow`` package root."""
    for module, targets in GRAPH.items():
        if not module.startswith("salesflow.cli") and module != "salesflow.__main__":
            assert "salesflow" not in targets, f"{module} imports the package root"


def test_there_is_no_import_circle() -> None:
    """Tarjan-free check: a depth-first walk never meets a module still on its path."""
    done: set[str] = set()

    def walk(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            cycle = " → ".join((*path[path.index(module) :], module))
            raise AssertionError(f"import circle: {cycle}")
        if module in done:
            return
        for target in GRAPH.get(module, ()):
            if target in GRAPH:
                walk(target, (*path, module))
        done.add(module)

    for module in GRAPH:
        walk(module, ())


def test_implementation_modules_are_private_by_name() -> None:
    """The public face: salesflow, stats, repository, templates, serialization, testing,
    interchange, dask, errors and the cli package; everything else starts with ``_``."""
    public = {
        "salesflow",
        "salesflow.__main__",
        "salesflow.errors",
        "salesflow.templates",
        "salesflow.serialization",
        "salesflow.stats",
        "salesflow.repository",
        "salesflow.testing",
        "salesflow.interchange",
        "salesflow.dask",
        "salesflow.cli",
    }
    for module in GRAPH:
        if module in public:
            continue
        assert any(part.startswith("_") for part in module.split(".")[1:]), (
            f"{module} looks public: start its name (or its package's) with _"
        )


def test_the_lazy_face_gives_every_public_name() -> None:
    """``salesflow`` loads its names on first use (PEP 562): each one it lists is the
    object ``salesflow._face`` imports, and a star import gives them all."""
    import salesflow
    from salesflow import _face

    assert salesflow.__all__ == ["__version__", *salesflow.errors.__all__, *_face.__all__]
    assert len(salesflow.__all__) == len(set(salesflow.__all__))
    for name in _face.__all__:
        assert getattr(salesflow, name) is getattr(_face, name)
    namespace: dict[str, object] = {}
    exec("from salesflow import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(salesflow.__all__)


def test_importing_the_package_loads_no_model_until_a_name_is_used() -> None:
    """``import salesflow`` stays quick (issue 13: start-up); a name loads its module."""
    probe = (
        "import sys, salesflow\n"
        "print('before:', 'salesflow._model.events' in sys.modules, 'attr' in sys.modules)\n"
        "salesflow.Deal\n"
        "print('after:', 'salesflow._model.deal' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["before: False False", "after: True"]
