"""One chat as a readable transcript: plain text, notebook HTML and the underlying frame.

Built on :func:`chattools.derive.timeline.timeline`, so order, sides and sender names are
the same everywhere. Lines look like ``[2026-03-04 10:00:05] Customer (Kim): hello``;
the speaker is ``Customer``, ``Team``, ``Bot``, ``Note`` (internal note) or ``Other``.
Messages without text (file or image only) show as ``(file)``; further lines of a
multi-line message are indented.

With ``mask=True`` e-mail addresses and phone numbers in the text are masked, and the
customer's name is replaced by a stable pseudonym, in the sender column and wherever the
known name appears literally in the text (see :func:`chattools.privacy.mask_pii`).

Examples
--------
>>> import chattools as ct
>>> ct.transcript(ct.Export.empty(), "nope")
Traceback (most recent call last):
...
chattools.errors.ChatNotFoundError: chat id 'nope' is not in the export
Hint: list the available ids with `exp.chats['id']`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl

from chattools.derive.timeline import timeline
from chattools.errors import ChatNotFoundError, InvalidValueError
from chattools.export import Export
from chattools.privacy import mask_pii, pseudonym

__all__ = ["SPEAKERS", "Transcript", "transcript"]

#: How each ``side`` is named in a transcript.
SPEAKERS = {"customer": "Customer", "team": "Team", "bot": "Bot", "note": "Note", "other": "Other"}

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_STYLE = {
    "customer": "margin:4px 30% 4px 0;background:#f1f3f5;border-left:4px solid #868e96",
    "team": "margin:4px 0 4px 30%;background:#e7f5ff;border-left:4px solid #1c7ed6",
    "bot": "margin:4px 15%;background:#fff9db;border-left:4px solid #f59f00",
    "note": "margin:4px 0 4px 30%;background:#fff;border:1px dashed #e8590c",
    "other": "margin:4px 15%;background:#f8f9fa;border-left:4px solid #adb5bd",
}
_BOX = "padding:4px 8px;border-radius:4px;font-family:sans-serif;font-size:13px"


def _escape(expr: pl.Expr) -> pl.Expr:
    """HTML-escape a String expression (``&`` first), newlines become ``<br>``."""
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        expr = expr.str.replace_all(raw, entity, literal=True)
    return expr.str.replace_all("'", "&#x27;", literal=True).str.replace_all(
        "\n", "<br>", literal=True
    )


def _escape_str(value: str) -> str:
    return pl.select(_escape(pl.lit(value))).item()


@dataclass(frozen=True)
class Transcript:
    """A chat's messages, printable as text (``str``) and as HTML in notebooks.

    ``frame`` holds the timeline rows of the chat (masked when ``masked``); ``chat`` is
    the chat's row of the chats sheet (empty when the chat is only known from messages).
    """

    chat_id: str
    frame: pl.DataFrame
    chat: pl.DataFrame
    masked: bool = False

    def _header(self) -> str:
        parts = [f"Chat {self.chat_id}"]
        if self.chat.height:
            row = self.chat.row(0, named=True)
            if row.get("state"):
                parts.append(f"state {row['state']}")
        else:
            parts.append("not in the chats sheet")
        parts.append(f"{self.frame.height} messages")
        if self.masked:
            parts.append("personal data masked")
        return " · ".join(parts)

    def _lines(self, *, html: bool) -> list[str]:
        if self.frame.is_empty():
            return []
        text = (
            pl.when(pl.col("plainText").fill_null("").str.strip_chars() == "")
            .then(pl.lit("(file)"))
            .otherwise(pl.col("plainText"))
        )
        speaker = pl.col("side").replace_strict(SPEAKERS, default="Other", return_dtype=pl.String)
        stamp = pl.col("createdAt").dt.strftime(_TIME_FORMAT).fill_null("????-??-?? ??:??:??")
        if not html:
            line = pl.format(
                "[{}] {} ({}): {}",
                stamp,
                speaker,
                pl.col("sender_name"),
                text.str.replace_all("\n", "\n    ", literal=True),
            )
        else:
            style = pl.col("side").replace_strict(_STYLE, default=_STYLE["other"])
            line = pl.format(
                '<div class="ct-msg ct-{}" style="{};{}">'
                '<div style="color:#868e96;font-size:11px">{} · <b>{}</b> ({})</div>'
                "<div>{}</div></div>",
                pl.col("side"),
                pl.lit(_BOX),
                style,
                stamp,
                speaker,
                _escape(pl.col("sender_name")),
                _escape(text),
            )
        return self.frame.select(line.alias("line"))["line"].to_list()

    def __str__(self) -> str:
        return "\n".join([self._header(), *self._lines(html=False)])

    def __repr__(self) -> str:
        return f"<Transcript {self._header()}>"

    def _repr_html_(self) -> str:
        body = "".join(self._lines(html=True)) or "<p><i>no messages</i></p>"
        return (
            f'<div class="ct-transcript" data-chat-id="{_escape_str(self.chat_id)}">'
            f'<div style="font-family:sans-serif;font-weight:bold">'
            f"{_escape_str(self._header())}</div>{body}</div>"
        )


def _cutoff(as_of: datetime | str, timezone: str) -> datetime:
    if isinstance(as_of, str):
        try:
            as_of = datetime.fromisoformat(as_of)
        except ValueError:
            msg = f"as_of={as_of!r} is not an ISO date-time"
            raise InvalidValueError(msg, hint='use e.g. as_of="2026-03-04 18:00:00".') from None
    if as_of.tzinfo is None:
        return as_of.replace(tzinfo=ZoneInfo(timezone))
    return as_of.astimezone(ZoneInfo(timezone))


def transcript(
    exp: Export, chat_id: str, *, mask: bool = False, as_of: datetime | str | None = None
) -> Transcript:
    """The transcript of chat ``chat_id``.

    Parameters
    ----------
    exp
        The export.
    chat_id
        A chat id from ``exp.chats["id"]`` (chats known only from messages work too).
    mask
        Mask e-mail addresses, phone numbers and the customer's name.
    as_of
        Show only messages sent at or before this time (naive times and ISO strings
        without offset are read in the export's time zone): the chat as it stood then.

    Raises
    ------
    ChatNotFoundError
        ``chat_id`` is neither in the chats nor in the messages.
    """
    chat = exp.lazy("chats").filter(pl.col("id") == chat_id).head(1).collect()
    frame = timeline(exp, chat_ids=[chat_id])
    if chat.is_empty() and frame.is_empty():
        msg = f"chat id {chat_id!r} is not in the export"
        raise ChatNotFoundError(msg)
    if as_of is not None:
        dtype = frame.schema["createdAt"]
        timezone = getattr(dtype, "time_zone", None) or exp.timezone
        frame = frame.filter(pl.col("createdAt") <= _cutoff(as_of, timezone))
    if mask:
        frame = _mask(frame, chat)
    return Transcript(chat_id=chat_id, frame=frame, chat=chat, masked=mask)


def _mask(frame: pl.DataFrame, chat: pl.DataFrame) -> pl.DataFrame:
    """Mask contact details in the text and the customer's names everywhere."""
    customer = pl.col("side") == "customer"
    names = set(frame.filter(customer)["sender_name"].drop_nulls().to_list())
    if chat.height and chat["name"][0]:
        names.add(chat["name"][0])
    text = pl.col("plainText")
    # longest first, so "Kim Minji" is replaced before "Kim"
    for name in sorted(names, key=len, reverse=True):
        if len(name.strip()) >= 2:
            text = text.str.replace_all(name, pseudonym(name), literal=True)
    masked = mask_pii(
        frame.with_columns(
            pl.when(customer).then(pl.col("sender_name")).alias("__customer"),
            text.alias("plainText"),
        ),
        columns=["plainText"],
        name_columns=["__customer", "chat_name"],
    )
    return masked.with_columns(pl.coalesce("__customer", "sender_name").alias("sender_name")).drop(
        "__customer"
    )
