"""Expanding lists, folders and globs into sources; per-file passwords."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from chattools.errors import InvalidValueError, SourceNotFoundError
from chattools.readers.sources import (
    Source,
    expand_sources,
    password_for,
)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel in ["2024/b.xlsx", "2024/a.JSON", "2024/c.zip", "2024/notes.txt", "2025/a.json"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rel.encode())
    (tmp_path / "2024" / "sub").mkdir()
    (tmp_path / "2024" / "sub" / "d.xlsx").write_bytes(b"d")
    return tmp_path


def test_folder_lists_exports_sorted_not_recursive(tree: Path):
    got = expand_sources(tree / "2024")
    assert [s.name for s in got] == ["a.JSON", "b.xlsx", "c.zip"]
    assert all(s.path is not None and s.path.parent == tree / "2024" for s in got)


def test_glob_sorted_and_recursive(tree: Path):
    assert [s.name for s in expand_sources(str(tree / "2024" / "*.xlsx"))] == ["b.xlsx"]
    deep = expand_sources(str(tree / "**" / "*.xlsx"))
    assert [s.name for s in deep] == ["b.xlsx", "d.xlsx"]


def test_list_keeps_order_drops_repeats_and_names_collisions(tree: Path):
    (tree / "2025" / "c.zip").write_bytes(b"2025/c.zip")
    got = expand_sources(
        [tree / "2025" / "c.zip", str(tree / "2024"), tree / "2024" / "b.xlsx", b"raw"]
    )
    # b.xlsx is listed once; the two c.zip are named by their folder
    assert [s.name for s in got] == ["2025/c.zip", "a.JSON", "b.xlsx", "2024/c.zip", "bytes[3]"]
    assert got[-1].data == b"raw"
    assert got[0].sha256() == hashlib.sha256(b"2025/c.zip").hexdigest()
    assert got[-1].read_bytes() == b"raw"


def test_same_name_in_two_folders_gets_relative_names(tree: Path):
    got = expand_sources([tree / "2024" / "a.JSON", tree / "2025" / "a.json"])
    assert [s.name for s in got] == ["a.JSON", "a.json"]  # names differ: kept as is
    (tree / "2025" / "b.xlsx").write_bytes(b"x")
    got = expand_sources([tree / "2024" / "b.xlsx", tree / "2025" / "b.xlsx"])
    assert [s.name for s in got] == ["2024/b.xlsx", "2025/b.xlsx"]


def test_nothing_found_names_what_was_searched(tree: Path):
    with pytest.raises(SourceNotFoundError, match=r"glob '.*\*\.csv'"):
        expand_sources(str(tree / "*.csv"))
    (tree / "empty").mkdir()
    with pytest.raises(SourceNotFoundError, match=r"no export files found in folder"):
        expand_sources(tree / "empty")
    with pytest.raises(SourceNotFoundError, match=r"not found: '.*missing\.xlsx'"):
        expand_sources([tree / "2024" / "b.xlsx", tree / "missing.xlsx"])
    with pytest.raises(InvalidValueError, match="sources item 0 is a int"):
        expand_sources([3])  # type: ignore[list-item]


def test_password_for_by_name_path_or_default(tree: Path):
    src = Source("b.xlsx", path=tree / "2024" / "b.xlsx")
    assert password_for(src) is None
    assert password_for(src, password="all") == "all"
    assert password_for(src, password="all", passwords={"b.xlsx": "bee"}) == "bee"
    assert password_for(src, passwords={str(tree / "2024" / "b.xlsx"): "p"}) == "p"
    assert password_for(src, passwords={tree / "2024" / ".." / "2024" / "b.xlsx": "q"}) == "q"
    assert password_for(src, password="all", passwords={"a.json": "x"}) == "all"
