from __future__ import annotations

import polars as pl
import pytest

from chattools import schema
from chattools.errors import (
    ChattoolsError,
    MissingColumnError,
    MissingSheetError,
    NotAnExportError,
    PasswordRequiredError,
    WrongPasswordError,
)


def test_every_generation_has_a_chat_sheet() -> None:
    for generation in ("legacy", "2026"):
        assert schema.SHEETS["chats"].sheet_names[generation]
    assert schema.SHEETS["cases"].sheet_names["case"] == ("UserChatCase data",)


def test_legacy_chat_columns_are_the_28_seen_ones_in_order() -> None:
    legacy = [c.name for c in schema.SHEETS["chats"].core_columns]
    assert len(legacy) == 28
    assert legacy[:3] == ["id", "userId", "name"]
    assert legacy[-2:] == ["closedAt", "summary"]


def test_aliases_resolve_to_canonical_names() -> None:
    assert schema.canonical_column("chats", "mediumName") == "contactMediumType"
    assert schema.canonical_column("chats", "profile.csat") == "profile.csat"


def test_typed_schema_uses_channel_timezone_and_ends_with_provenance() -> None:
    s = schema.typed_schema("chats", "Europe/Berlin")
    assert s["openedAt"] == pl.Datetime("us", "Europe/Berlin")
    assert s["waitingTime"] == pl.Duration("us")
    assert s["tags"] == pl.List(pl.String)
    assert s["replyCount"] == pl.Int64
    assert list(s)[-3:] == ["_file", "_sheet", "_row"]


def test_users_timestamps_are_utc_kind_but_channel_typed() -> None:
    users = schema.SHEETS["users"]
    assert users.column("createdAt").kind == "utc_datetime"
    assert schema.typed_schema("users")["createdAt"] == pl.Datetime("us", "Asia/Seoul")


def test_api_keys_cover_every_sheet() -> None:
    assert set(schema.API_KEYS.values()) == set(schema.SHEETS)


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (PasswordRequiredError, ValueError),
        (WrongPasswordError, ValueError),
        (NotAnExportError, ValueError),
        (MissingSheetError, KeyError),
        (MissingColumnError, KeyError),
    ],
)
def test_errors_subclass_builtins_and_end_with_hint(cls: type, builtin: type) -> None:
    err = cls("something specific went wrong")
    assert isinstance(err, ChattoolsError)
    assert isinstance(err, builtin)
    text = str(err)
    assert text.startswith("something specific went wrong")
    assert "\nHint: " in text
    assert text.splitlines()[-1].startswith("Hint: ")


def test_error_pickles_with_its_hint() -> None:
    import pickle

    err = MissingSheetError("no 'Message data' sheet", hint="tick 'message data'.")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is MissingSheetError
    assert str(back) == str(err)
