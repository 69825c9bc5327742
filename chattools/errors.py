"""Errors raised by chattools.

Every error is a :class:`ChattoolsError` and also subclasses the builtin that fits
(``ValueError``, ``KeyError``, ``FileNotFoundError``), so ``except ValueError`` keeps
working. Messages are lower-case, name what was wrong and end with a ``Hint:`` that
says what to do. They never contain a password.

Examples
--------
>>> from chattools.errors import WrongPasswordError
>>> err = WrongPasswordError("wrong password for 'june.xlsx'")
>>> isinstance(err, ValueError)
True
>>> print(err)  # doctest: +NORMALIZE_WHITESPACE
wrong password for 'june.xlsx'
Hint: check the password you set when downloading the file; a lost password means the file has to be downloaded again.
"""

from __future__ import annotations

__all__ = [
    "ChatNotFoundError",
    "ChattoolsError",
    "CorruptFileError",
    "DatasetBusyError",
    "DatasetCorruptError",
    "DatasetError",
    "InvalidOperatingHoursError",
    "InvalidValueError",
    "MissingColumnError",
    "MissingDependencyError",
    "MissingSheetError",
    "MovedError",
    "NotAnExportError",
    "OutputExistsError",
    "OutputPathError",
    "PasswordRequiredError",
    "SourceNotFoundError",
    "UnreadableExportsError",
    "UnsafeFileError",
    "UnsupportedFormatError",
    "WrongPasswordError",
]


class ChattoolsError(Exception):
    """Base class of every error chattools raises on purpose."""

    default_hint = "see the chattools README for the supported inputs."

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint if hint is not None else self.default_hint
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return f"{self.message}\nHint: {self.hint}"

    def __reduce__(self):  # keep pickling (multiprocessing) working with the keyword
        return (_rebuild, (type(self), self.message, self.hint))


def _rebuild(cls: type[ChattoolsError], message: str, hint: str) -> ChattoolsError:
    return cls(message, hint=hint)


class SourceNotFoundError(ChattoolsError, FileNotFoundError):
    """A path given as an export does not exist (or a glob/folder matched nothing)."""

    default_hint = "check the path; folders and globs must contain .xlsx, .json or .zip exports."


class PasswordRequiredError(ChattoolsError, ValueError):
    """The export is encrypted and no password was given."""

    default_hint = (
        "pass password=..., or set the CHATTOOLS_PASSWORD environment variable "
        "(the CLI also accepts --password-env NAME)."
    )


class WrongPasswordError(ChattoolsError, ValueError):
    """The password does not open the export."""

    default_hint = (
        "check the password you set when downloading the file; a lost password means the "
        "file has to be downloaded again."
    )


class UnsupportedFormatError(ChattoolsError, ValueError):
    """The bytes are not a container chattools knows (e.g. CSV, PDF, empty file)."""

    default_hint = (
        "Channel Talk exports are password-protected .xlsx files, .json files, or .zip files "
        "holding JSON; download the file again from Analytics → Download."
    )


class CorruptFileError(ChattoolsError, ValueError):
    """The container is recognised but truncated or damaged."""

    default_hint = "the file is damaged or incomplete; download it again."


class UnsafeFileError(ChattoolsError, ValueError):
    """The file tries something dangerous (zip bomb, path traversal, XML entities)."""

    default_hint = (
        "the file was refused for safety; if it is a genuine export from a source you trust "
        "and the message names a limit, raise that limit: in Python pass "
        "limits=chattools.readers.Limits(max_cells=...) (any limit by its name) to "
        "open_export, open_exports or convert_to_dataset; on the command line add "
        "--limit max_cells=N (repeatable). DTDs and names escaping the archive are always refused."
    )


class UnreadableExportsError(ChattoolsError, ValueError):
    """None of several export files could be read, and not all for the same reason.

    (When every file fails with the same error class, that class is raised instead.)
    """

    default_hint = (
        "each file's reason is listed; fix or remove those files, or open one with "
        "ct.open_export(path) to see its full error."
    )


class NotAnExportError(ChattoolsError, ValueError):
    """The file opens, but its sheets are not those of a Channel Talk chat export."""

    default_hint = (
        "open the file that Channel Talk's Analytics → Download produced; it has a "
        "'UserChat data' (or 'UserChat', 'UserChatCase data') sheet."
    )


class MissingSheetError(ChattoolsError, KeyError):
    """A sheet that the operation needs is not in the export."""

    default_hint = "download the export again with that data selected."


class MissingColumnError(ChattoolsError, KeyError):
    """A column that the operation needs is missing from a sheet."""

    default_hint = "the file may have been edited; download it again from Channel Talk."


class InvalidValueError(ChattoolsError, ValueError):
    """A cell could not be parsed (raised only with ``on_problem="raise"``)."""

    default_hint = (
        "by default such cells are collected in `Export.problems` instead; fix the cell or "
        'load with on_problem="collect".'
    )


class ChatNotFoundError(ChattoolsError, KeyError):
    """A chat id is not in the export."""

    default_hint = "list the available ids with `exp.chats['id']`."


class InvalidOperatingHoursError(ChattoolsError, ValueError):
    """An operating-hours specification cannot be understood."""

    default_hint = (
        'use slots like {"mon-fri": ["09:00-12:00", "13:00-18:00"], "sat": "22:00-06:00"} '
        "and an IANA time zone such as 'Asia/Seoul'."
    )


class DatasetError(ChattoolsError, ValueError):
    """A converted Parquet dataset is missing, incomplete or inconsistent."""

    default_hint = "re-create it with `chattools convert EXPORTS... --out DATASET/`."


class DatasetBusyError(DatasetError):
    """Another process is writing the same dataset folder (it holds the folder's lock)."""

    default_hint = (
        "wait for the other conversion to finish, then run this one again (it adds only "
        "files not yet in the dataset); a crashed process releases the lock by itself."
    )


class DatasetCorruptError(DatasetError):
    """A Parquet part of a dataset does not match what its manifest recorded."""

    default_hint = (
        "a part was truncated, replaced or edited after conversion; convert the exports again "
        "into a new folder: `chattools convert EXPORTS... --out NEW_DATASET/`."
    )


class OutputExistsError(ChattoolsError, FileExistsError):
    """The output file exists already (and overwriting it was not asked for)."""

    default_hint = "choose another output name, or pass --force (overwrite=True) to replace it."


class OutputPathError(ChattoolsError, OSError):
    """The output cannot be written there: it is an input, a folder, or not writable."""

    default_hint = "choose an output file in an existing folder you can write to."


class MovedError(ChattoolsError, AttributeError):
    """A name that moved: ``exp.timeline()`` is ``ct.timeline(exp)`` since 2026-12-04."""

    default_hint = "see docs/decisions.md (decision 41) for where the name went."


class MissingDependencyError(ChattoolsError, ImportError):
    """An optional dependency (Altair, vl-convert, ipywidgets) is not installed."""

    default_hint = "install the notebook extras: pip install 'chattools[notebooks]'."
