"""``import chattools`` stays quick: public names are imported on first use."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import chattools as ct

INIT = Path(ct.__file__)


def test_every_public_name_resolves_from_its_module() -> None:
    for name in ct.__all__:
        value = getattr(ct, name)
        assert value is not None, name
    assert sorted(ct.__all__) == sorted(["__version__", *ct._WHERE])


def test_the_type_checking_imports_name_the_same_modules() -> None:
    """The ``if TYPE_CHECKING`` block (for editors and mypy) matches ``_WHERE``."""
    tree = ast.parse(INIT.read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If))
    imported = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom)
        for alias in node.names:
            module = f"{node.module}.{alias.name}" if node.module == "chattools" else node.module
            imported[alias.name] = module
    assert imported == ct._WHERE


def test_import_loads_none_of_the_heavy_modules() -> None:
    code = (
        "import sys, chattools\n"
        "heavy = [m for m in ('polars', 'numpy', 'holidays', 'altair', 'ipywidgets',"
        " 'fastexcel', 'msoffcrypto', 'chattools.sample') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        ct.open_exprt  # noqa: B018
    except AttributeError as err:
        assert "open_exprt" in str(err)
    else:
        raise AssertionError("no AttributeError")


def test_a_function_named_like_its_module_is_the_function() -> None:
    assert callable(ct.waits) and ct.waits.__module__ == "chattools.derive.waits"
    assert ct.sample.__name__ == "chattools.sample"
