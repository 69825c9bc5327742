"""Print the facts ``docs/export-format.md`` states about the real exports in ``tests/real/``.

Reads the raw cells with openpyxl (read-only), **not** with chattools' readers, so the page
checks the readers instead of repeating them. Run from the repository root::

    .venv/bin/python docs/measure_real_exports.py            # both files of tests/real/
    .venv/bin/python docs/measure_real_exports.py a.xlsx b.xlsx

Per sheet: the columns in order and, per column, a census of cell patterns (blank, 20-hex,
digits, local time, UTC time with and without milliseconds, ``{h}h {m}m {s}s``,
``true``/``false``, other text). Then the cross-column facts the page quotes. The agreement
of chattools' recomputation with Channel Talk's columns is measured with ``ct.reconcile``
(``docs/metrics.md``), not here.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import openpyxl

PATTERNS = {
    "hex20": re.compile(r"[0-9a-f]{20}"),
    "digits": re.compile(r"\d+"),
    "local": re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"),
    "utc_ms": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"),
    "utc_s": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"),
    "duration": re.compile(r"(\d+)h (\d+)m (\d+)s"),
    "bool": re.compile(r"true|false"),
}
DURATION = PATTERNS["duration"]
PADDED = re.compile(r"(^| )0\d")
FIVE = ["firstRepliedAtAfterOpen", "waitingTime", "replyCount", "totalReplyTime", "avgReplyTime"]
TWINS = {
    "operationWaitingTime": "waitingTime",
    "operationAvgReplyTime": "avgReplyTime",
    "operationTotalReplyTime": "totalReplyTime",
    "operationReplyCount": "replyCount",
    "operationResolutionTime": "resolutionTime",
}
Rows = list[tuple[Any, ...]]


def pattern(value: object) -> str:
    """The name of the first pattern ``value`` matches (``blank``, ``text``, ``NOT TEXT``)."""
    if value is None:
        return "blank"
    if not isinstance(value, str):
        return f"NOT TEXT ({type(value).__name__})"
    return next((k for k, rx in PATTERNS.items() if rx.fullmatch(value)), "text")


def seconds(text: str) -> int:
    """``"1h 2m 3s"`` → 3723."""
    m = DURATION.fullmatch(text)
    assert m is not None, text
    return int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])


def read(path: Path) -> dict[str, tuple[list[str], Rows]]:
    """Every sheet as (header, rows of raw cell values), in workbook order."""
    book = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        out[sheet.title] = ([str(h) for h in rows[0]], rows[1:])
    return out


def census(sheets: dict[str, tuple[list[str], Rows]]) -> None:
    """Columns and cell patterns, sheet by sheet."""
    print("sheets in order:", list(sheets))
    for name, (header, rows) in sheets.items():
        print(f"--- {name}: {len(header)} columns, {len(rows)} rows")
        for i, column in enumerate(header):
            counts = Counter(pattern(r[i] if i < len(r) else None) for r in rows)
            print(f"  {column}: {dict(counts)}")
    cells = [v for _, rows in sheets.values() for r in rows for v in r]
    odd = Counter(
        v
        for v in cells
        if isinstance(v, str) and v.strip().lower() in ("", "null", "-", "n/a", "none")
    )
    print(f"data cells {len(cells)}, not text {sum(not (v is None or isinstance(v, str)) for v in cells)}, "
          f"sentinel-looking {dict(odd)}, padded {sum(isinstance(v, str) and v != v.strip() for v in cells)}")  # fmt: skip


def chats_facts(header: list[str], rows: Rows, tag_names: set[str]) -> None:
    """Durations, blank patterns, operation* twins, tags, timestamps order of the chat sheet."""
    col = {h: i for i, h in enumerate(header)}
    durations = [
        r[col[h]] for r in rows for h in header if h.endswith("Time") and r[col[h]] is not None
    ]
    padded = sum(bool(PADDED.search(v)) for v in durations)
    print(f"durations {len(durations)}, max {max(seconds(v) for v in durations) // 3600} h, "
          f"min {min(seconds(v) for v in durations)} s, '0h 0m 0s' {durations.count('0h 0m 0s')}, "
          f"padded {padded}")  # fmt: skip
    blanks = Counter(tuple(r[col[c]] is None for c in FIVE) for r in rows)
    print(f"blank pattern of {FIVE}: {dict(blanks)}")
    for twin, plain in TWINS.items():
        present = [r for r in rows if r[col[twin]] is not None]
        equal = sum(r[col[twin]] == r[col[plain]] for r in present)
        value = int if twin.endswith("Count") else seconds
        above = sum(value(r[col[twin]]) > value(r[col[plain]]) for r in present)
        print(f"  {twin}: present {len(present)}, equal to {plain} {equal}, above it {above}")
    avg = [r for r in rows if r[col["avgReplyTime"]] is not None]
    floor = sum(
        seconds(r[col["avgReplyTime"]])
        == seconds(r[col["totalReplyTime"]]) // int(r[col["replyCount"]])
        for r in avg
    )
    print(f"avgReplyTime == floor(total / count): {floor} / {len(avg)}")
    pieces = [p for r in rows if r[col["tags"]] for p in r[col["tags"]].split(", ")]
    print(f"tag pieces that are UserChatTag names: {sum(p in tag_names for p in pieces)} / "
          f"{len(pieces)}; names with ',': {sum(',' in n for n in tag_names)}, "
          f"with '/': {sum('/' in n for n in tag_names)}, of {len(tag_names)}")  # fmt: skip
    order = ("createdAt", "firstOpenedAt", "openedAt", "closedAt")
    ordered = sum(all(r[col[a]] <= r[col[b]] for a, b in pairwise(order)) for r in rows)
    reopened = sum(r[col["firstOpenedAt"]] != r[col["openedAt"]] for r in rows)
    print(f"createdAt <= firstOpenedAt <= openedAt <= closedAt: {ordered} / {len(rows)}; "
          f"reopened (firstOpenedAt != openedAt): {reopened}")  # fmt: skip
    for name in ("state", "contactMediumType", "marketingType"):
        print(f"{name}:", dict(Counter(r[col[name]] for r in rows)))


def message_facts(header: list[str], rows: Rows, chat_ids: set[str]) -> None:
    """Block layout, order, ties, duplicates and texts of the message sheet."""
    chat, person, created, text = (header.index(c) for c in ("chatId", "personType", "createdAt", "plainText"))  # fmt: skip
    blocks: Counter[str] = Counter()
    last: dict[str, str] = {}
    regressions = 0
    previous = None
    for r in rows:
        if r[chat] != previous:
            blocks[r[chat]] += 1
            previous = r[chat]
        regressions += r[chat] in last and r[created] < last[r[chat]]
        last[r[chat]] = r[created]
    ties = sum(a[chat] == b[chat] and a[created] == b[created] for a, b in pairwise(rows))
    mentions = Counter(r[person] for r in rows if r[text] and r[text].startswith("@"))
    print("personType:", dict(Counter(r[person] for r in rows)))
    print(f"chats in more than one block {sum(n > 1 for n in blocks.values())}, "
          f"time regressions within a chat {regressions}, same-second neighbours {ties}, "
          f"exact duplicate rows {len(rows) - len(set(rows))}")  # fmt: skip
    print(
        f"blank plainText {sum(r[text] is None for r in rows)}, starting with '@' {dict(mentions)}"
    )
    print(f"chats without messages {len(chat_ids - set(last))}, unknown chats {len(set(last) - chat_ids)}")  # fmt: skip


def main(paths: list[Path]) -> None:
    """Measure each file, then what the files share."""
    books = {}
    for path in paths:
        print(f"\n##### {path}")
        sheets = books[path.name] = read(path)
        census(sheets)
        chat_header, chats = sheets["UserChat data"]
        tag_header, tags = sheets["UserChatTag data"]
        chats_facts(chat_header, chats, {r[tag_header.index("name")] for r in tags})
        if "Message data" in sheets:
            messages = sheets["Message data"][1]
            message_facts(*sheets["Message data"], {r[0] for r in chats})
            used = {r[2] for r in messages if r[1] == "manager"}
            used |= {r[chat_header.index("assigneeId")] for r in chats} - {None}
            known = {r[0] for r in sheets["Manager data"][1]}
            print(f"manager ids used {len(used)}, in Manager data {len(used & known)}")
        users = {r[0] for r in sheets["User data"][1]}
        chat_users = {r[chat_header.index("userId")] for r in chats} - {None}
        print(f"chat users without a User row: {len(chat_users - users)} / {len(chat_users)}")
    if len(books) == 2:
        (a, first), (b, second) = books.items()
        print(f"\n##### {a} and {b}")
        for name in dict.fromkeys([*first, *second]):
            one, two = set(first.get(name, ([], []))[0]), set(second.get(name, ([], []))[0])
            print(f"{name}: only in {a} {sorted(one - two)}, only in {b} {sorted(two - one)}")
        for sheet in ("UserChat data", "User data"):
            shared = {r[0] for r in first[sheet][1]} & {r[0] for r in second[sheet][1]}
            print(f"{sheet}: ids in both files {len(shared)}")
        same = sorted(first["UserChatTag data"][1]) == sorted(second["UserChatTag data"][1])
        print("UserChatTag data identical:", same)


if __name__ == "__main__":
    args = [Path(a) for a in sys.argv[1:]] or sorted(Path("tests/real").glob("*.xlsx"))
    main(args)
