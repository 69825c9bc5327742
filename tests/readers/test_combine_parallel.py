"""Loading many files: order, per-file passwords, errors naming the file, thread pool.

Uses a stand-in loader: each "file" is JSON ``{"password": ..., "chats": [[id, createdAt], ...]}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_combine import chat, make_export

import chattools as ct
from chattools.errors import PasswordRequiredError, WrongPasswordError
from chattools.readers.parallel import load_exports, open_exports
from chattools.readers.sources import expand_sources


def fake_loader(
    payload: Path | bytes,
    *,
    password: str | None,
    timezone: str,
    on_problem: str,
    limits: ct.readers.Limits | None,
) -> ct.Export:
    data = json.loads(payload if isinstance(payload, bytes) else payload.read_bytes())
    if data["password"] is not None:
        if password is None:
            raise PasswordRequiredError("this export is encrypted and no password was given")
        if password != data["password"]:
            raise WrongPasswordError("wrong password")
    name = payload.name if isinstance(payload, Path) else "<bytes>"
    return make_export(name, tz=timezone, chats=[chat(c, when) for c, when in data["chats"]])


def write(path: Path, password: str | None, chats: list[list[str]]) -> Path:
    path.write_text(json.dumps({"password": password, "chats": chats}))
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path / "b.json", "beta2", [["c2", "2024-02-01 10:00:00"]])
    write(tmp_path / "a.json", "alpha1", [["c1", "2024-01-01 10:00:00"]])
    write(tmp_path / "c.json", None, [["c3", "2024-03-01 10:00:00"]])
    return tmp_path


def load(folder: Any, **options: Any) -> list[ct.Export]:
    return load_exports(expand_sources(folder), loader=fake_loader, **options)


def test_per_file_passwords_and_input_order(folder: Path):
    exports = load(folder, passwords={"a.json": "alpha1", "b.json": "beta2"}, workers=1)
    assert [e.chats["id"].to_list() for e in exports] == [["c1"], ["c2"], ["c3"]]


def test_one_password_for_all_and_wrong_one_names_the_file(folder: Path):
    with pytest.raises(WrongPasswordError) as info:
        load(folder, password="alpha1", workers=1)
    text = str(info.value)
    assert "'b.json'" in text
    assert "alpha1" not in text
    assert "Hint:" in text


def test_missing_password_names_the_file(folder: Path):
    with pytest.raises(PasswordRequiredError, match=r"\(file 'a\.json'\)"):
        load([folder / "c.json", folder / "a.json"], workers=1)


def test_bytes_sources_get_distinct_names(folder: Path):
    raw = [(folder / n).read_bytes() for n in ("c.json", "c.json")]
    exports = load(raw, workers=1)
    assert [e.sources["file"].to_list() for e in exports] == [["bytes[0]"], ["bytes[1]"]]
    assert [e.chats["_file"].to_list() for e in exports] == [["bytes[0]"], ["bytes[1]"]]


def test_thread_pool_keeps_input_order_and_error_class(folder: Path):
    passwords = {"a.json": "alpha1", "b.json": "beta2"}
    exports = load(folder, passwords=passwords, workers=2)
    assert [e.sources["file"].item() for e in exports] == ["a.json", "b.json", "c.json"]
    with pytest.raises(WrongPasswordError, match=r"\(file 'a\.json'\)") as info:
        load(folder, passwords={"a.json": "nope-pw", "b.json": "beta2"}, workers=2)
    assert "nope-pw" not in str(info.value)


def test_open_exports_checks_inputs(folder: Path):
    with pytest.raises(ct.errors.InvalidValueError, match="invalid workers=0"):
        load(folder, workers=0)
    with pytest.raises(ct.errors.SourceNotFoundError, match=r"no export files found in glob"):
        open_exports(str(folder / "*.xlsx"))
