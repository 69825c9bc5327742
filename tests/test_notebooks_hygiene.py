"""The committed notebooks: executed, error-free, no secrets, no machine paths.

nbval (``make test``) re-runs the notebooks and compares outputs; these checks look at the
committed files themselves, so a notebook saved without outputs, with an error, with a typed
password or with a path of the author's machine is caught before it is shared.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from chattools import sample
from chattools.secrets import PASSWORD_ENV_VAR

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = (
    "01_open_an_export",
    "02_merge_downloads",
    "03_tags",
    "04_hold_and_waiting_time",
    "05_team_performance",
    "06_report",
    "07_csat_alf_and_teams",
)
PARAMETERS = ("export_glob", "date_from", "date_to", "hours", "mask")
#: Where the value of a ``password=`` / ``password =`` may come from in a notebook.
ALLOWED_PASSWORD_SOURCES = ("resolve_password(", "os.environ[", "os.environ.get(", "os.getenv(")
#: The sample's password is public and documented: the constant, named as such, and nothing
#: added to it, is allowed (so the sample notebooks run with no environment variable).
SAMPLE_PASSWORD = re.compile(r"sample\.DEFAULT_PASSWORD\s*(?:[,)]|#|$)")
PASSWORD_ASSIGNMENT = re.compile(r"\bpasswords?\s*=(?!=)\s*(?P<rhs>[^\n]*)")
MACHINE_PATHS = re.compile(r"(?<![\w.])/(?:work|tmp|root|home|Users|private|var/folders)/")


def _paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _code_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _output_texts(nb: dict[str, Any]) -> list[str]:
    """Every textual output (streams, text and HTML data, errors); images are skipped."""
    texts = []
    for cell in _code_cells(nb):
        for out in cell.get("outputs", []):
            if "text" in out:
                texts.append(_text(out["text"]))
            for mime, value in out.get("data", {}).items():
                if not mime.startswith("image/"):
                    texts.append(value if isinstance(value, str) else json.dumps(value))
            texts.extend(out.get("traceback", []))
    return texts


def _all_text(nb: dict[str, Any]) -> str:
    sources = [_text(c["source"]) for c in nb["cells"]]
    return "\n".join([*sources, *_output_texts(nb), json.dumps(nb.get("metadata", {}))])


def _check_password_assignments(source: str) -> list[str]:
    """The ``password=`` right-hand sides that do not read the environment."""
    bad = []
    for match in PASSWORD_ASSIGNMENT.finditer(source):
        rhs = match["rhs"].strip()
        if rhs.startswith(ALLOWED_PASSWORD_SOURCES) or re.match(r"password\b", rhs):
            continue
        if SAMPLE_PASSWORD.match(rhs):
            continue
        bad.append(match.group(0))
    return bad


NOTEBOOK_PARAMS = [pytest.param(p, id=p.stem) for p in _paths()]


def test_the_expected_notebooks_are_committed() -> None:
    assert [p.stem for p in _paths()] == list(EXPECTED)
    ignore = (NOTEBOOKS / "data" / ".gitignore").read_text(encoding="utf-8").split()
    assert "*" in ignore and "!.gitignore" in ignore


@pytest.mark.parametrize("path", NOTEBOOK_PARAMS)
def test_executed_top_to_bottom_with_outputs(path: Path) -> None:
    cells = [c for c in _code_cells(_load(path)) if _text(c["source"]).strip()]
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: re-execute it in a fresh kernel"
    with_output = [c for c in cells if c.get("outputs")]
    assert len(with_output) >= len(cells) // 2, f"{path.name}: most cells have no output"


@pytest.mark.parametrize("path", NOTEBOOK_PARAMS)
def test_no_errors_warnings_or_interactive_charts(path: Path) -> None:
    for cell in _code_cells(_load(path)):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: {out.get('ename')}"
            assert out.get("name") != "stderr", f"{path.name}: stderr output {out.get('text')!r}"
            mimes = out.get("data", {})
            assert not [m for m in mimes if "vegalite" in m or "vega" in m], path.name


@pytest.mark.parametrize("path", NOTEBOOK_PARAMS)
def test_no_saved_widget_state(path: Path) -> None:
    """Widgets come alive when the notebook runs; their saved state (05's FilterPanel:
    ~230 KB, its chart PNG included) only bloats the repository."""
    assert "widgets" not in _load(path).get("metadata", {}), f"{path.name}: strip metadata.widgets"


@pytest.mark.parametrize("path", NOTEBOOK_PARAMS)
def test_no_password_anywhere(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    assert sample.DEFAULT_PASSWORD not in raw
    nb = _load(path)
    for cell in _code_cells(nb):
        bad = _check_password_assignments(_text(cell["source"]))
        assert not bad, f"{path.name}: password not read from {PASSWORD_ENV_VAR}: {bad}"
    for text in _output_texts(nb):
        assert not re.search(r"password\s*[=:]\s*['\"]", text, re.IGNORECASE), path.name


#: A ``quantile(q)`` call that does not say ``"linear"`` (Polars' default is "nearest").
NOT_LINEAR_QUANTILE = re.compile(r"\.quantile\((?![^)]*[\"']linear[\"'])[^)]*\)")


@pytest.mark.parametrize("path", NOTEBOOK_PARAMS)
def test_percentiles_are_linear_as_in_the_library(path: Path) -> None:
    """docs/naming.md rule 6: one quantile definition, so a notebook's p90 is the report's."""
    for cell in _code_cells(_load(path)):
        found = NOT_LINEAR_QUANTILE.findall(_text(cell["source"]))
        assert not found, f'{path.name}: {found}: write .quantile(q, "linear")'


@pytest.mark.parametrize(
    ("source", "bad"),
    [("x.quantile(0.9)", True), ('x.quantile(0.9, "linear")', False),
     ("x.quantile(0.9, interpolation='linear')", False), ('x.quantile(0.5, "nearest")', True)],
)  # fmt: skip
def test_quantile_pattern(source: str, bad: bool) -> None:
    assert bool(NOT_LINEAR_QUANTILE.search(source)) is bad


@pytest.mark.parametrize("path", NOTEBOOK_PARAMS)
def test_no_paths_of_this_machine(path: Path) -> None:
    text = _all_text(_load(path))
    for local in {str(ROOT), str(Path.home())} - {"/"}:
        assert local not in text, f"{path.name} contains {local!r}"
    found = MACHINE_PATHS.findall(text)
    assert not found, f"{path.name} contains absolute paths: {found}"


@pytest.mark.parametrize("path", NOTEBOOK_PARAMS)
def test_first_cells_show_how_to_use_your_own_files(path: Path) -> None:
    """The sample runs as it is; the cell choosing it says how to switch to one's own files."""
    cells = _load(path)["cells"]
    first = next(
        i
        for i, c in enumerate(cells)
        if c["cell_type"] == "code" and re.search(r"^\s*password =", _text(c["source"]), re.M)
    )
    assert first <= 3, f"{path.name}: the password is chosen too late (cell {first})"
    source = _text(cells[first]["source"])
    assert re.search(r"^\s+password = sample\.DEFAULT_PASSWORD$", source, re.MULTILINE), path.name
    own = re.search(r"^\s+password = resolve_password\((?P<args>.*)\)$", source, re.MULTILINE)
    assert own and "interactive=True" in own["args"], f"{path.name}: no hidden prompt for own files"
    explained = [_text(c["source"]) for c in cells[:first] if c["cell_type"] == "markdown"]
    assert any("your own" in text.lower() for text in explained), path.name
    assert "raise RuntimeError" not in _all_text(_load(path)), f"{path.name} stops without setup"


def test_report_notebook_has_a_parameters_cell_without_password() -> None:
    nb = _load(NOTEBOOKS / "06_report.ipynb")
    first = _code_cells(nb)[0]
    assert "parameters" in first["metadata"].get("tags", [])
    source = _text(first["source"])
    assert "password" not in source.lower()
    assigned = {
        target.id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert set(PARAMETERS) <= assigned


# -- the checks themselves ------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("ct.open_export(p, password=os.environ['CHATTOOLS_PASSWORD'])", False),
        ("password = resolve_password(name='x')", False),
        ("write_sample(p, password=password)", False),
        ("ct.open_export(p, password=password + 'x')", False),
        ("if password == 'x': pass", False),
        ("ct.open_export(p, password='hunter2')", True),
        ('password = "hunter2"', True),
        ("ct.open_exports(ps, passwords={'a.xlsx': 'x'})", True),
        ("ct.open_export(p, password=sample.DEFAULT_PASSWORD)", False),
        ("ct.open_export(p, password=sample.DEFAULT_PASSWORD, timezone=TZ)", False),
        ("    password = sample.DEFAULT_PASSWORD  # public", False),
        ("password = sample.DEFAULT_PASSWORD + 'x'", True),
        ("password = sample.DEFAULT_PASSWORD_2", True),
        ("password = DEFAULT_PASSWORD", True),
        ("password = mine.DEFAULT_PASSWORD", True),
        ("password = 'Demo1234'", True),
    ],
)
def test_password_check_tells_literals_from_the_environment(source: str, bad: bool) -> None:
    assert bool(_check_password_assignments(source)) is bad


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("wrote /work/main/notebooks/data/report.html", True),
        ("/tmp/ipykernel_1/123.py:2: DeprecationWarning", True),
        ("wrote data/report.html", False),
        ('xmlns="http://www.w3.org/2000/svg"', False),
        ("billing/tmp/x", False),
    ],
)
def test_machine_path_pattern(text: str, found: bool) -> None:
    assert bool(MACHINE_PATHS.search(text)) is found
