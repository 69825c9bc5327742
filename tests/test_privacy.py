"""mask_pii: e-mail and phone masking, stable name pseudonyms, no input mutation."""

from __future__ import annotations

import hashlib

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import chattools as ct
from chattools.errors import InvalidValueError, MissingColumnError
from chattools.privacy import pseudonym

PHONES = [
    "010-1234-5678",
    "01012345678",
    "010 1234 5678",
    "010.1234.5678",
    "+82 10-1234-5678",
    "+821012345678",
    "+82-10-1234-5678",
    "02-123-4567",
    "(02) 123-4567",
    "031-123-4567",
    "+1 (415) 555-0132",
    "+44 20 7946 0958",
]
NOT_PHONES = [
    "order 12345678",
    "id 2024010112345678",
    "2026-03-04 10:00:05",
    "1,000,000원",
    "010-1234-56789",  # one digit too many: part of something else
    "version 1.2.3",
]


def text(values: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({"plainText": values})


@pytest.mark.parametrize("phone", PHONES)
def test_phone_formats(phone: str) -> None:
    out = ct.mask_pii(text([f"call {phone} please", f"번호는{phone}입니다"]))
    assert out["plainText"].to_list() == ["call [phone] please", "번호는[phone]입니다"]


@pytest.mark.parametrize("value", NOT_PHONES)
def test_not_phones(value: str) -> None:
    assert ct.mask_pii(text([value]))["plainText"].to_list() == [value]


def test_emails() -> None:
    out = ct.mask_pii(text(["a.b+c@mail.example.co.kr, x@y.io", "no@mail", None]))
    assert out["plainText"].to_list() == ["[email], [email]", "no@mail", None]


def test_names_get_stable_distinct_pseudonyms() -> None:
    frame = pl.DataFrame({"name": ["Kim", "Lee", "Kim", None], "note": ["a", "b", "c", "d"]})
    out = ct.mask_pii(frame)
    expected_kim = "Customer " + hashlib.sha256(b"\x00Kim").hexdigest()[:6]
    assert out["name"].to_list() == [expected_kim, pseudonym("Lee"), expected_kim, None]
    assert pseudonym("Kim") != pseudonym("Lee")
    assert pseudonym("Kim", salt="s") != pseudonym("Kim")
    assert out["note"].to_list() == ["a", "b", "c", "d"]


def test_default_columns_skip_ids_and_keep_input() -> None:
    frame = pl.DataFrame(
        {
            "id": ["01012345678"],
            "personId": ["01012345678"],
            "plainText": ["01012345678"],
            "tags": [["010-1234-5678", "vip"]],
            "n": [1],
        }
    )
    before = frame.clone()
    out = ct.mask_pii(frame)
    assert out.row(0) == ("01012345678", "01012345678", "[phone]", ["[phone]", "vip"], 1)
    assert_frame_equal(frame, before)


def test_explicit_columns_kinds_and_lazy() -> None:
    frame = pl.DataFrame({"a": ["x@y.io 010-1234-5678"], "b": ["x@y.io"], "name": ["Kim"]})
    out = ct.mask_pii(frame.lazy(), columns=["a"], kinds=("phone",))
    assert isinstance(out, pl.LazyFrame)
    assert out.collect().row(0) == ("x@y.io [phone]", "x@y.io", "Kim")
    renamed = ct.mask_pii(frame, kinds=("name",), name_columns=["b"], name_label="User")
    assert renamed["b"][0] == pseudonym("x@y.io", label="User")
    assert renamed["name"][0] == "Kim"


def test_errors() -> None:
    frame = text(["a"])
    with pytest.raises(InvalidValueError, match=r"kinds=\['ssn'\]"):
        ct.mask_pii(frame, kinds=("ssn",))  # type: ignore[arg-type]
    with pytest.raises(MissingColumnError, match=r"\['nope'\]"):
        ct.mask_pii(frame, columns=["nope"])
    with pytest.raises(InvalidValueError, match="'n'"):
        ct.mask_pii(pl.DataFrame({"n": [1]}), columns=["n"])
