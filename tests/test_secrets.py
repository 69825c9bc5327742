"""Password resolution: argument → CHATTOOLS_PASSWORD → prompt only when interactive."""

from __future__ import annotations

import getpass

import pytest

import chattools as ct
from chattools import errors, secrets
from chattools.writers import write_export


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(secrets.PASSWORD_ENV_VAR, raising=False)


def _no_prompt(prompt: str = "") -> str:
    raise AssertionError("must not prompt")


def test_argument_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(secrets.PASSWORD_ENV_VAR, "fromenv")
    monkeypatch.setattr(getpass, "getpass", _no_prompt)
    assert secrets.resolve_password("given", interactive=True) == "given"
    assert secrets.resolve_password(None, interactive=True) == "fromenv"
    assert secrets.resolve_password("", interactive=True) == "fromenv"


def test_prompt_only_when_interactive(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def fake(prompt: str = "") -> str:
        asked.append(prompt)
        return "typed"

    monkeypatch.setattr(getpass, "getpass", fake)
    assert secrets.resolve_password(None, name="june.xlsx", interactive=True) == "typed"
    assert asked == ["Password for june.xlsx: "]
    assert secrets.resolve_password(None, interactive=False) is None
    assert len(asked) == 1


def test_not_a_tty_means_no_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(getpass, "getpass", _no_prompt)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    assert secrets.resolve_password(None) is None


def test_open_export_prompts_only_for_encrypted_files(monkeypatch: pytest.MonkeyPatch) -> None:
    import polars as pl

    chats = pl.DataFrame({"id": ["c"], "state": ["closed"], "createdAt": ["2024-01-01 00:00:00"]})
    chats = chats.with_columns(
        pl.col("createdAt").str.to_datetime().dt.replace_time_zone("Asia/Seoul")
    )
    monkeypatch.setattr(secrets, "_stdin_is_tty", lambda: True)
    monkeypatch.setattr(getpass, "getpass", _no_prompt)
    assert ct.open_export(write_export({"chats": chats})).chats.height == 1  # plain: no prompt
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "Pw1")
    assert ct.open_export(write_export({"chats": chats}, password="Pw1")).chats.height == 1
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": "")
    with pytest.raises(errors.PasswordRequiredError):
        ct.open_export(write_export({"chats": chats}, password="Pw1"))


def test_the_export_never_holds_the_password() -> None:
    import polars as pl

    chats = pl.DataFrame({"id": ["c"], "state": ["closed"], "createdAt": ["2024-01-01 00:00:00"]})
    chats = chats.with_columns(
        pl.col("createdAt").str.to_datetime().dt.replace_time_zone("Asia/Seoul")
    )
    exp = ct.open_export(write_export({"chats": chats}, password="Zq9Secret"), password="Zq9Secret")
    dump = repr(exp) + repr(exp.sources.rows()) + repr(exp.problems.rows()) + repr(vars(exp))
    assert "Zq9Secret" not in dump


def test_a_kernel_that_cannot_prompt_means_no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """ipykernel without a frontend (papermill) raises StdinNotImplementedError, a
    NotImplementedError: that is "no password given", which open_export explains."""

    class StdinNotImplementedError(NotImplementedError):
        pass

    def no_frontend(prompt: str = "") -> str:
        raise StdinNotImplementedError(
            "raw_input was called, but this frontend does not support it"
        )

    monkeypatch.setattr(getpass, "getpass", no_frontend)
    assert secrets.resolve_password(None, interactive=True) is None
