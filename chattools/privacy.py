"""Mask personal data (e-mail addresses, phone numbers, customer names) in frames.

:func:`mask_pii` is what transcripts and reports use before showing text to someone who
should not see customers' contact details. Masking is vectorised (Polars regular
expressions); names are replaced by a stable pseudonym derived from a SHA-256 hash, so the
same name always becomes the same pseudonym (across runs, machines and Polars versions)
and different customers stay distinguishable.

What is recognised (see :data:`EMAIL_PATTERN` and :data:`PHONE_PATTERN`):

- e-mail addresses: ``name@domain.tld``;
- Korean numbers: ``010-1234-5678``, ``01012345678``, ``010 1234 5678``, ``02-123-4567``,
  ``031.123.4567`` — also glued to Korean text (``번호는01012345678입니다``);
- international numbers starting with ``+``: ``+82 10-1234-5678``, ``+821012345678``,
  ``+1 (415) 555-0132``, ``+44 20 7946 0958``.

Digit runs that are part of a longer number (order numbers, ids) are left alone; numbers
written without a leading ``0`` or ``+`` are not masked (they cannot be told apart from
order numbers). Masking is a best effort, not a guarantee.

Examples
--------
>>> import polars as pl
>>> from chattools.privacy import mask_pii
>>> df = pl.DataFrame({"name": ["Kim"], "plainText": ["call 010-1234-5678 or kim@example.com"]})
>>> out = mask_pii(df)
>>> out["plainText"][0]
'call [phone] or [email]'
>>> out["name"][0] == mask_pii(df)["name"][0]  # stable pseudonym
True
>>> out["name"][0].startswith("Customer ")
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal, TypeVar

import polars as pl

from chattools.errors import InvalidValueError, MissingColumnError

__all__ = [
    "DEFAULT_NAME_COLUMNS",
    "EMAIL_PATTERN",
    "PHONE_PATTERN",
    "PiiKind",
    "mask_pii",
    "mask_text_expr",
    "pseudonym",
]

PiiKind = Literal["email", "phone", "name"]
_KINDS: tuple[PiiKind, ...] = ("email", "phone", "name")

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

#: An e-mail address.
EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"

# ASCII word boundary: Hangul counts as a non-word character, so numbers glued to
# Korean text are still found, while digits inside a longer number are not.
_B = r"(?-u:\b)"
_SEP = r"[ .\-]?"
_KR = rf"(?:\(0\d{{1,2}}\)\s?|{_B}0\d{{1,2}}{_SEP})\d{{3,4}}{_SEP}\d{{4}}{_B}"
_INTL = rf"\+\d{{1,3}}{_SEP}(?:\(0?\d{{1,4}}\)|\d{{1,4}})(?:{_SEP}\d{{2,4}}){{2,4}}{_B}"
#: A phone number (Korean domestic formats, or international with a leading ``+``).
PHONE_PATTERN = rf"(?:{_INTL}|{_KR})"

#: Columns holding customer names, pseudonymised when present (``name_columns`` default).
DEFAULT_NAME_COLUMNS: tuple[str, ...] = (
    "name",
    "userName",
    "user_name",
    "customer_name",
    "mediumSenderName",
)


def pseudonym(name: str, *, label: str = "Customer", salt: str = "") -> str:
    """The stable pseudonym of ``name``: ``label`` plus six hex digits of SHA-256.

    >>> pseudonym("Kim")
    'Customer 6580eb'
    >>> pseudonym("Kim") == pseudonym("Kim"), pseudonym("Kim") == pseudonym("Lee")
    (True, False)
    """
    digest = hashlib.sha256((salt + "\x00" + name).encode("utf-8")).hexdigest()
    return f"{label} {digest[:6]}"


def mask_text_expr(expr: pl.Expr, *, kinds: Sequence[PiiKind] = ("email", "phone")) -> pl.Expr:
    """``expr`` (a String expression) with e-mail addresses and phone numbers masked.

    >>> import polars as pl
    >>> pl.select(mask_text_expr(pl.lit("+82 10-1234-5678, order 2024123456"))).item()
    '[phone], order 2024123456'
    """
    if "email" in kinds:
        expr = expr.str.replace_all(EMAIL_PATTERN, "[email]")
    if "phone" in kinds:
        expr = expr.str.replace_all(PHONE_PATTERN, "[phone]")
    return expr


def _pseudonymise(series: pl.Series, *, label: str, salt: str) -> pl.Series:
    """Replace each distinct value by its pseudonym (hashes each distinct value once)."""
    values = series.drop_nulls().unique().to_list()
    mapping = {v: pseudonym(v, label=label, salt=salt) for v in values}
    return series.replace_strict(mapping, default=None, return_dtype=pl.String)


def _is_id_like(name: str) -> bool:
    return name in ("id", "_file", "_sheet") or name.endswith(("Id", "Ids", "_id", "_ids"))


def mask_pii(
    frame: FrameT,
    *,
    columns: Sequence[str] | None = None,
    kinds: Sequence[PiiKind] = ("email", "phone", "name"),
    name_columns: Sequence[str] = DEFAULT_NAME_COLUMNS,
    name_label: str = "Customer",
    salt: str = "",
) -> FrameT:
    """Return a copy of ``frame`` with e-mail addresses, phone numbers and names masked.

    Parameters
    ----------
    frame
        Any ``DataFrame`` or ``LazyFrame`` (the result has the same type and row count).
    columns
        Text columns (``String`` or ``List(String)``) in which e-mail addresses and phone
        numbers are replaced by ``[email]`` / ``[phone]``. Default: every ``String`` and
        ``List(String)`` column except id-like ones (``id``, ``*Id``, ``*Ids``, ``*_id``)
        and the name columns.
    kinds
        What to mask: any of ``"email"``, ``"phone"``, ``"name"``.
    name_columns
        Columns holding customer names; with ``"name"`` in ``kinds`` each distinct name is
        replaced by :func:`pseudonym` (e.g. ``"Customer 6580eb"``). Names listed here but
        absent from the frame are ignored (the default lists common spellings).
    name_label
        The word the pseudonyms start with.
    salt
        Mixed into the hash, so pseudonyms cannot be reversed by hashing a list of
        candidate names (use one secret salt per report to keep them comparable).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"id": ["01012345678"], "note": ["mail: a.b@ex.co.kr"]})
    >>> mask_pii(df, kinds=("email",)).rows()
    [('01012345678', 'mail: [email]')]
    """
    unknown = [k for k in kinds if k not in _KINDS]
    if unknown:
        msg = f"unknown kinds={unknown!r} in mask_pii"
        raise InvalidValueError(msg, hint=f"use any of {_KINDS!r}.")
    schema = frame.collect_schema()
    names = [c for c in name_columns if c in schema]
    if columns is None:
        columns = [
            c
            for c, dtype in schema.items()
            if dtype in (pl.String(), pl.List(pl.String()))
            and not _is_id_like(c)
            and c not in names
        ]
    missing = [c for c in columns if c not in schema]
    if missing:
        msg = f"columns={missing!r} not found in the frame passed to mask_pii"
        raise MissingColumnError(msg, hint=f"the frame has {list(schema)!r}.")
    text_kinds = [k for k in kinds if k != "name"]
    exprs: list[pl.Expr] = []
    if text_kinds:
        for c in columns:
            if schema[c] == pl.List(pl.String()):
                exprs.append(pl.col(c).list.eval(mask_text_expr(pl.element(), kinds=text_kinds)))
            elif schema[c] == pl.String():
                exprs.append(mask_text_expr(pl.col(c), kinds=text_kinds))
            else:
                msg = f"column {c!r} has dtype {schema[c]!r}; mask_pii masks text columns only"
                raise InvalidValueError(msg, hint="pass String or List(String) columns.")
    if "name" in kinds:
        exprs.extend(
            pl.col(c)
            .cast(pl.String)
            .map_batches(
                lambda s: _pseudonymise(s, label=name_label, salt=salt),
                return_dtype=pl.String,
            )
            for c in names
        )
    return frame.with_columns(exprs) if exprs else frame.clone()
