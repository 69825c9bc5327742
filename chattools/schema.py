"""The one catalogue of Channel Talk export sheets, columns, generations and parse rules.

Everything that knows what a Channel Talk export looks like reads it from here: the
readers (text → typed frames), the sample writer (typed frames → text), the JSON
shapes and the documentation. See ``docs/export-format.md`` for the measured facts.

Each column has a *kind*; the kind fixes both the Polars dtype of the typed frame and
how the cell text is parsed and written, in one codec per kind
(:func:`chattools.codecs.codec`, which also holds the formats re-exported here):

==================  ===============================  =========================================
kind                dtype                            text in XLSX / sheet-keyed JSON
==================  ===============================  =========================================
``id``              ``String``                       digits or 20 hex chars, kept as text
``text``            ``String``                       as is (``"N/A"`` stays text, blank → null)
``datetime``        ``Datetime(us, channel tz)``     naive ``YYYY-MM-DD HH:MM:SS`` local time
                                                     (or ISO-8601 / epoch ms, for 2026 files:
                                                     :mod:`chattools.readers.timestamps`)
``utc_datetime``    ``Datetime(us, channel tz)``     ``YYYY-MM-DDTHH:MM:SS[.sss]Z`` (UTC)
``duration``        ``Duration(us)``                 ``"12h 3m 5s"`` (legacy) or integer seconds
``int``             ``Int64``                        digits
``number``          ``Float64``                      a decimal number (``"4.5"``, ``"5"``)
``bool``            ``Boolean``                      ``true`` / ``false``
``list``            ``List(String)``                 joined with ``", "``
``tags``            ``List(String)``                 joined with ``", "``; names may hold ``,``
==================  ===============================  =========================================

In the Open-API-style JSON shape, ``datetime``/``utc_datetime`` are epoch milliseconds,
``duration`` is milliseconds and ``list``/``tags`` are JSON arrays.

Examples
--------
>>> from chattools import schema
>>> sheet = schema.SHEETS["chats"]
>>> sheet.sheet_names["legacy"]
('UserChat data',)
>>> sheet.column("waitingTime").kind
'duration'
>>> schema.canonical_column("chats", "mediumName")
'contactMediumType'
>>> schema.empty_frame("messages").schema["createdAt"]
Datetime(time_unit='us', time_zone='Asia/Seoul')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

import polars as pl

from chattools.codecs import (
    DURATION_TEXT_PATTERN,
    LIST_SEPARATOR,
    LOCAL_DATETIME_FORMAT,
    TIME_UNIT,
    UTC_DATETIME_FORMATS,
    Kind,
    codec,
)

__all__ = [
    "API_KEYS",
    "DEFAULT_TIMEZONE",
    "DURATION_TEXT_PATTERN",
    "GENERATIONS",
    "HEADERS_BY_GENERATION",
    "LIST_SEPARATOR",
    "LOCAL_DATETIME_FORMAT",
    "PROVENANCE_COLUMNS",
    "REDEFINED_IN_2026",
    "SHEETS",
    "SIGNATURE_2026",
    "TIME_UNIT",
    "UTC_DATETIME_FORMATS",
    "Column",
    "Generation",
    "Kind",
    "Sheet",
    "canonical_column",
    "dtype_of",
    "empty_frame",
    "frame_columns",
    "legacy_column",
    "reported_missing",
    "sheet_generation",
    "typed_schema",
]

Generation = Literal["legacy", "2026", "case"]
GENERATIONS: tuple[Generation, ...] = ("legacy", "2026", "case")

DEFAULT_TIMEZONE = "Asia/Seoul"

#: Columns every typed frame ends with: where each row came from.
#: ``_file`` is the file name, ``_sheet`` the sheet (or JSON key) and ``_row`` the
#: 1-based record number within that sheet (the spreadsheet row is ``_row + 1``).
PROVENANCE_COLUMNS: dict[str, pl.DataType] = {
    "_file": pl.String(),
    "_sheet": pl.String(),
    "_row": pl.Int64(),
}


def dtype_of(kind: Kind, timezone: str = DEFAULT_TIMEZONE) -> pl.DataType:
    """Return the Polars dtype of a typed column of ``kind`` (its :func:`~chattools.codecs.codec`'s).

    >>> dtype_of("duration")
    Duration(time_unit='us')
    >>> dtype_of("tags")
    List(String)
    """
    return codec(kind).dtype(timezone)


@dataclass(frozen=True)
class Column:
    """One known column of a sheet.

    ``core`` columns are always present in the typed frame (null-filled when a file
    lacks them, and reported unless the sheet's columns vary); other known columns
    are typed only when present — or, if ``generations`` names the sheet's
    generation, always present for a sheet of that generation.
    ``generations`` are the generations whose files carry the column (empty: all the
    sheet has); a missing column is reported only for a sheet of one of them.
    ``required`` columns must be in the file or the sheet cannot be used.
    """

    name: str
    kind: Kind = "text"
    core: bool = True
    required: bool = False
    aliases: tuple[str, ...] = ()
    generations: tuple[Generation, ...] = ()

    def carried_by(self, generation: Generation) -> bool:
        """Whether files of ``generation`` carry this column."""
        return not self.generations or generation in self.generations


@dataclass(frozen=True)
class Sheet:
    """One sheet of an export, as it appears in each generation."""

    key: str
    sheet_names: dict[Generation, tuple[str, ...]]
    api_key: str
    columns: tuple[Column, ...]
    description: str = ""
    #: Whether files of one channel hold different column sets (seen: User data), so a
    #: missing core column is normal and not reported as a problem.
    columns_vary: bool = False
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {c.name: c for c in self.columns}
        for c in self.columns:
            for alias in c.aliases:
                by_name.setdefault(alias, c)
        object.__setattr__(self, "_by_name", by_name)

    def column(self, name: str) -> Column:
        """The known column called ``name`` (or one of its aliases)."""
        return self._by_name[name]

    def known(self, name: str) -> bool:
        """Whether ``name`` is a known column (or an alias of one) of this sheet."""
        return name in self._by_name

    @property
    def core_columns(self) -> tuple[Column, ...]:
        """The columns always present in the typed frame."""
        return tuple(c for c in self.columns if c.core)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        """The columns without which the sheet cannot be used."""
        return tuple(c for c in self.columns if c.required)

    @property
    def all_sheet_names(self) -> tuple[str, ...]:
        """The sheet's names in every generation, each once, in first-seen order."""
        seen: dict[str, None] = {}
        for names in self.sheet_names.values():
            seen.update(dict.fromkeys(names))
        return tuple(seen)


def _cols(
    spec: str,
    *,
    core: bool = True,
    required: tuple[str, ...] = (),
    generations: tuple[Generation, ...] = (),
) -> tuple[Column, ...]:
    """Build columns from ``"name:kind name:kind …"`` (kind defaults to text)."""
    out = []
    for item in spec.split():
        name, _, kind = item.partition(":")
        out.append(
            Column(
                name, kind or "text", core=core, required=name in required,  # type: ignore[arg-type]
                generations=generations,
            )
        )  # fmt: skip
    return tuple(out)


def _legacy_only(columns: tuple[Column, ...], names: str) -> tuple[Column, ...]:
    """``columns`` with those called ``names`` marked as carried by legacy files only."""
    only = set(names.split())
    return tuple(replace(c, generations=("legacy",)) if c.name in only else c for c in columns)


# Order matters: the writers write known columns in this order, so the legacy columns
# keep the order of the real legacy files (the legacy sample is byte-for-byte stable).
_LEGACY_CHAT = _legacy_only(
    _cols(
        "id:id userId:id name description state contactMediumType marketingType "
        "marketingId:id supportBotId:id managerIds:list assigneeId:id tags:tags "
        "firstOpenedAt:datetime openedAt:datetime firstRepliedAtAfterOpen:datetime "
        "createdAt:datetime waitingTime:duration avgReplyTime:duration "
        "totalReplyTime:duration replyCount:int resolutionTime:duration "
        "operationWaitingTime:duration operationAvgReplyTime:duration "
        "operationTotalReplyTime:duration operationReplyCount:int "
        "operationResolutionTime:duration closedAt:datetime summary",
        required=("id", "state", "createdAt"),
    ),
    "marketingType marketingId supportBotId firstRepliedAtAfterOpen waitingTime "
    "resolutionTime operationWaitingTime operationAvgReplyTime operationTotalReplyTime "
    "operationReplyCount operationResolutionTime summary",
)

#: The 2026 analytics export's ``Time(초)`` columns, in the help's order (article
#: 535969); each ``…InOperation`` twin excludes non-operating time.
_DURATIONS_2026 = (
    "totalReplyTimeInOperation avgReplyTimeInOperation totalSnoozedTime "
    "operationTotalSnoozedTime firstQueueTime firstQueueTimeInOperation "
    + " ".join(
        f"{name} {name}InOperation"
        for name in (
            "timeToFirstAssignment", "timeToFirstAnswer", "timeFromFirstAskToFirstAnswer",
            "timeFromFirstAssignmentToFirstAnswer", "timeFromFirstActiveToFirstAnswer",
            "timeFromFirstOpenToFirstAnswer", "timeToFirstClose", "timeToClose",
            "timeFromFirstAskToFirstClose", "timeFromFirstAssignmentToFirstClose",
            "timeFromFirstActiveToFirstClose", "timeFromFirstOpenToFirstClose",
            "firstMemberHandlingTime", "memberHandlingTime",
        )
    )
    + " workflowHandlingTime alfHandlingTime"
)  # fmt: skip

# The 2026 analytics export (documented in help article 535969, never seen): the
# columns it has beyond the legacy ones it shares (id, userId, name, description,
# state, mediumName = contactMediumType, managerIds, assigneeId, tags, firstOpenedAt,
# openedAt, createdAt, avgReplyTime, totalReplyTime, replyCount, closedAt).
# See docs/export-2026.md for each column's meaning.
_CHAT_2026 = _cols(
    "managedAt:datetime title summarizedMessage priority direction sync page "
    "firstAssigneeId:id assigneeIdAtFirstClose:id teamId:id mediumType "
    "mediumSenderName missedReason goalState goalCheckedAt:datetime everOpened:bool "
    "reopened:bool reassigned:bool workflowTriggered:bool alfTriggered:bool "
    "replyCountInOperation:int reopenCount:int reassignmentCount:int updatedAt:datetime "
    "firstWorkflowStartedAt:datetime firstAskedAt:datetime firstAlfStartedAt:datetime "
    "firstAlfEndedAt:datetime firstWorkflowEndedAt:datetime firstQueueInAt:datetime "
    "queuedAt:datetime firstQueueOutAt:datetime firstMissedAt:datetime missedAt:datetime "
    "firstAssignedAt:datetime firstActiveAt:datetime firstAnsweredAt:datetime "
    "repliedAt:datetime snoozedAt:datetime firstClosedAt:datetime "
    + " ".join(f"{name}:duration" for name in _DURATIONS_2026.split())
    + " ALF_CX_Score:number url profile.csat:number profile.csatComment",
    core=False,
    generations=("2026",),
)
#: Chat columns both formats carry under one name but define differently: legacy counts
#: the latest cycle only, 2026 every cycle (docs/decisions.md, C2 and decision 53). In an
#: export that merges both formats the legacy rows' values move to
#: ``legacy_column(name)``, so that no column mixes two definitions (decision 71).
REDEFINED_IN_2026 = ("replyCount", "totalReplyTime", "avgReplyTime")


def legacy_column(name: str) -> str:
    """Where a merged export keeps the legacy value of a :data:`REDEFINED_IN_2026` column.

    >>> legacy_column("replyCount")
    'legacy.replyCount'
    """
    return f"legacy.{name}"


_CHAT_COLUMNS = tuple(
    replace(c, aliases=("mediumName",))
    if c.name == "contactMediumType"
    else replace(c, name="ALF CX Score")  # the documented header has spaces
    if c.name == "ALF_CX_Score"
    else c
    for c in _LEGACY_CHAT + _CHAT_2026
)

SHEETS: dict[str, Sheet] = {
    s.key: s
    for s in (
        Sheet(
            "chats",
            {"legacy": ("UserChat data",), "2026": ("UserChat", "UserChat data")},
            "userChats",
            _CHAT_COLUMNS,
            "one row per chat (its latest open→close cycle); `profile.*` columns follow",
        ),
        Sheet(
            "users",
            {"legacy": ("User data",), "2026": ("User data",)},
            "users",
            _cols(
                "id:id name tags:list memberId member:bool language country timeZone province "
                "lastSeenAt:utc_datetime sessionsCount:int createdAt:utc_datetime "
                "updatedAt:utc_datetime unsubscribeEmail:bool unsubscribeTexting:bool "
                "hasPushToken:bool",
                required=("id",),
            ),
            "customers; dynamic `profile.*`, `web.*`, `mobile.*` columns follow",
            columns_vary=True,
        ),
        Sheet(
            "supportbots",
            {"legacy": ("SupportBot data",)},
            "supportBots",
            _cols("id:id revisionId:id sectionPath:list", required=("id",)),
            "support-bot paths, several rows per bot",
        ),
        Sheet(
            "marketing",
            {"legacy": ("Marketing data",)},
            "marketings",
            _cols("id:id channelId:id name type state createdAt:datetime", required=("id",)),
            "marketing campaigns (assumed columns: documented, never seen)",
        ),
        Sheet(
            "managers",
            {"legacy": ("Manager data",), "2026": ("Manager data",)},
            "managers",
            _cols(
                "id:id channelId:id accountId:id name email mobileNumber removed:bool "
                "createdAt:datetime defaultGroupWatch defaultDirectChatWatch "
                "defaultUserChatWatch receiveUnassignedChatAlert:bool "
                "operatorEmailReminder:bool",
                required=("id",),
            ),
            "managers (incomplete in real files: most ids used in chats are missing)",
        ),
        Sheet(
            "bots",
            {"legacy": ("Bot data",)},
            "bots",
            _cols("id:id channelId:id name createdAt:datetime color", required=("id",)),
        ),
        Sheet(
            "tags",
            {"legacy": ("UserChatTag data",), "2026": ("UserChatTag data",)},
            "chatTags",
            _cols("id:id channelId:id name description createdAt:datetime", required=("id",)),
            "the channel's whole chat-tag list",
        ),
        Sheet(
            "messages",
            {"legacy": ("Message data",), "2026": ("Message data",)},
            "messages",
            tuple(
                # the help's table capitalises the keys (ChatId …): read either spelling
                replace(c, aliases=(c.name[0].upper() + c.name[1:],))
                for c in _cols(
                    "chatId:id personType personId:id createdAt:datetime plainText",
                    required=("chatId", "personType", "createdAt"),
                )
            )
            + _cols("isPrivate:bool", core=False, generations=("2026",)),
            "messages in file order; no message id; `_row` breaks same-second ties; "
            "ALF's person ids are `ALF-1` and `FRONTALF-2`",
        ),
        Sheet(
            "meets",
            {"legacy": ("UserChat meet data",), "2026": ("UserChat meet data",)},
            "meets",
            _cols(
                "id:id userChatId:id startedAt:datetime endedAt:datetime engagedAt:datetime "
                "from to direction missedReason duration:duration",
                required=("id",),
            )
            + _cols("type primaryNumber representativeNumber", core=False, generations=("2026",)),
            "calls and meets",
        ),
        Sheet(
            "teams",
            {"2026": ("Team data",)},
            "teams",
            _cols("id:id channelId:id name managerIds:list", required=("id",)),
            "teams and their members",
        ),
        Sheet(
            "cases",
            {"case": ("UserChatCase data",)},
            "userChatCases",
            _cols(
                "userChatCaseCreatedAt:datetime userChatCase:int userChatCaseId:id "
                "userChatCaseState userChatCaseUpdatedAt:datetime userChatId:id direction "
                "userChatState userChatUrl teamId:id teamName assigneeId:id assigneeName "
                "managerIds:list managerNames:list userId:id userName createdAt:datetime "
                "firstQueuedAt:datetime firstOpenedAt:datetime firstAskedAt:datetime "
                "firstRepliedAt:datetime closedAt:datetime waitingTime:duration "
                "totalReplyTime:duration replyCount:int avgReplyTime:duration "
                "resolutionTime:duration totalSnoozedTime:duration leadTime:duration "
                "snoozedCount:int missedCount:int description summarizedMessage tags:tags "
                "mediumName mediumSenderName marketingType marketingId:id workflowId:id page "
                "priority profile.csat:number profile.csatComment",
                required=("userChatCaseId", "userChatId"),
            ),
            "one row per open→close cycle of a chat",
        ),
    )
}

#: Open-API-style JSON key → sheet key.
API_KEYS: dict[str, str] = {s.api_key: s.key for s in SHEETS.values()}

#: Header names a generation writes instead of the canonical name (sheet → canonical → header).
HEADERS_BY_GENERATION: dict[Generation, dict[str, dict[str, str]]] = {
    "legacy": {},
    "2026": {"chats": {"contactMediumType": "mediumName"}},
    "case": {},
}

#: Columns whose presence marks a 2026 analytics export (documented): the 2026-only
#: columns of each sheet, except a few a legacy chat profile may hold too.
_MAY_BE_LEGACY_PROFILE = frozenset(
    [
        "title",
        "summarizedMessage",
        "priority",
        "page",
        "goalState",
        "goalCheckedAt",
        "url",
        "profile.csat",
        "profile.csatComment",
    ]
)
SIGNATURE_2026: dict[str, frozenset[str]] = {
    key: frozenset(
        c.name
        for c in SHEETS[key].columns
        if c.generations == ("2026",) and c.name not in _MAY_BE_LEGACY_PROFILE
    )
    for key in ("chats", "messages", "meets")
}


def sheet_generation(key: str, columns: Iterable[str]) -> Generation:
    """The generation a sheet of ``key`` with these header ``columns`` belongs to.

    A sheet only one generation has is of that generation; otherwise a column of
    :data:`SIGNATURE_2026` makes it ``"2026"``, and its absence ``"legacy"``.

    >>> sheet_generation("chats", ["id", "state", "managedAt"])
    '2026'
    >>> sheet_generation("chats", ["id", "state", "mediumName"]), sheet_generation("teams", [])
    ('legacy', '2026')
    """
    generations = tuple(SHEETS[key].sheet_names)
    if len(generations) == 1:
        return generations[0]
    signature = SIGNATURE_2026.get(key, frozenset())
    if any(canonical_column(key, c.strip()) in signature for c in columns):
        return "2026"
    return "legacy"


def frame_columns(key: str, generation: Generation) -> tuple[Column, ...]:
    """The columns always in the typed frame of a ``generation`` sheet of ``key``.

    The core columns (of every generation, so that frames of all files share them)
    and the columns this generation's files carry.

    >>> [c.name for c in frame_columns("messages", "2026")][-2:]
    ['plainText', 'isPrivate']
    >>> len(frame_columns("chats", "2026")) - len(frame_columns("chats", "legacy"))
    80
    """
    return tuple(c for c in SHEETS[key].columns if c.core or generation in c.generations)


def reported_missing(key: str, generation: Generation) -> frozenset[str]:
    """Columns whose absence from a ``generation`` sheet of ``key`` is a problem.

    >>> "waitingTime" in reported_missing("chats", "legacy")
    True
    >>> expected = reported_missing("chats", "2026")
    >>> "waitingTime" in expected, "alfHandlingTime" in expected
    (False, True)
    """
    if SHEETS[key].columns_vary:
        return frozenset()
    return frozenset(c.name for c in frame_columns(key, generation) if c.carried_by(generation))


def canonical_column(sheet: str, name: str) -> str:
    """The canonical name of column ``name`` of ``sheet`` (unknown names unchanged)."""
    spec = SHEETS[sheet]
    return spec.column(name).name if spec.known(name) else name


def typed_schema(
    sheet: str,
    timezone: str = DEFAULT_TIMEZONE,
    *,
    extra: dict[str, pl.DataType] | None = None,
    provenance: bool = True,
) -> pl.Schema:
    """The schema of a typed frame: core columns, ``extra`` columns, provenance."""
    cols: dict[str, pl.DataType] = {
        c.name: dtype_of(c.kind, timezone) for c in SHEETS[sheet].core_columns
    }
    cols.update(extra or {})
    if provenance:
        cols.update(PROVENANCE_COLUMNS)
    return pl.Schema(cols)


def empty_frame(sheet: str, timezone: str = DEFAULT_TIMEZONE) -> pl.DataFrame:
    """An empty typed frame for ``sheet`` (what an absent sheet loads as)."""
    return pl.DataFrame(schema=typed_schema(sheet, timezone))
