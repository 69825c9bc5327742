"""The import layers of pyproject.toml hold on main, and a violation breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).parent.parent
LINT = Path(sys.executable).with_name("lint-imports")
pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter not installed")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "chattools", tmp_path / "chattools")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_main_keeps_its_layers(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("readers/sniff.py", "from chattools.derive import runs"),  # readers -> derive
        ("derive/runs.py", "from chattools.readers import sniff"),  # derive -> readers
        ("export.py", "from chattools.derive import waits"),  # the container -> derive
        ("derive/waits.py", "from chattools import plots"),  # derive -> presentation
        # the container -> derive inside a function, as its join methods once did
        ("export.py", "def _join():\n    from chattools.derive.timeline import timeline"),
        ("export.py", "from chattools import privacy"),  # the container -> not schema/errors
    ],
)
def test_a_layer_violation_fails(tree: Path, module: str, line: str) -> None:
    with (tree / "chattools" / module).open("a") as f:
        f.write(f"\n{line}  # noqa\n")
    result = _lint(tree)
    assert result.returncode == 1 and "BROKEN" in result.stdout


def _cycle(graph: grimp.ImportGraph) -> list[str] | None:
    """One import cycle among the package's modules, or None (depth-first search)."""
    state: dict[str, str] = {}  # "open" while on the path, "done" once explored
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        path.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if state.get(imported) == "open":
                return [*path[path.index(imported) :], imported]
            if imported not in state and (found := visit(imported)):
                return found
        state[module] = "done"
        path.pop()
        return None

    for module in sorted(graph.modules):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_import_cycle_exists() -> None:
    graph = grimp.build_graph("chattools", exclude_type_checking_imports=True)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_search_finds_a_cycle() -> None:
    graph = grimp.build_graph("chattools", exclude_type_checking_imports=True)
    graph.add_import(importer="chattools.export", imported="chattools.derive.timeline")
    cycle = _cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1], cycle
    assert {"chattools.export", "chattools.derive.timeline"} <= set(cycle)
