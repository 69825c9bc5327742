"""The import layers of pyproject.toml hold on main, and a violation breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

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
    ],
)
def test_a_layer_violation_fails(tree: Path, module: str, line: str) -> None:
    with (tree / "chattools" / module).open("a") as f:
        f.write(f"\n{line}  # noqa\n")
    result = _lint(tree)
    assert result.returncode == 1 and "BROKEN" in result.stdout
