"""Python steps of ``make_resaved.sh``: the all-text reference, its CSV copies, the openpyxl copy.

Run with the project's venv, from the repository root::

    .venv/bin/python tests/corpus/resaved/resaved_files.py reference OUT_DIR
    .venv/bin/python tests/corpus/resaved/resaved_files.py openpyxl REFERENCE DEST

Every function imports what it needs itself, so that pytest (``--doctest-modules``) can
import this module without running anything.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

#: The sample the files are made from.
CHATS = 40
SEED = 7
#: A 20-hex chat id that a spreadsheet reads as the number 6.123456789012345E+138.
SCI_CHAT_ID = "6123456789012345e123"
#: A digit id longer than the 15 digits a spreadsheet number keeps (a tag id: one cell).
LONG_TAG_ID = "123456789012345678"
#: Cells the analyst "broke" in the openpyxl copy: (sheet, record row, column) → what.
BROKEN = {
    ("UserChat data", 2, "assigneeId"): "error #N/A",
    ("UserChat data", 3, "replyCount"): "formula =Y4 (operationReplyCount), no saved result",
    ("UserChat data", 4, "closedAt"): "date serial 99999999",
    ("Bot data", 1, "createdAt"): "date serial -1",
}
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _sheets(path: Path) -> dict[str, Any]:
    """Sheet name → its frame of text, in file order."""
    import fastexcel

    reader = fastexcel.read_excel(path)
    return {
        name: reader.load_sheet(name, dtypes="string").to_polars() for name in reader.sheet_names
    }


def write_reference(out_dir: Path) -> None:
    """The sample, with one chat id and one tag id a spreadsheet cannot keep, all text.

    Writes ``reference.xlsx`` (every cell a text cell, as Channel Talk writes them) and
    ``csv/NN.csv`` (one per sheet, in order) with ``csv/sheets.txt`` naming them.
    """
    import polars as pl

    from chattools import sample
    from chattools.writers.xlsx import write_xlsx

    out_dir.mkdir(parents=True, exist_ok=True)
    plain = out_dir / "sample.xlsx"
    sample.write_sample(plain, chats=CHATS, seed=SEED, password=None)
    sheets = _sheets(plain)
    plain.unlink()
    chats, messages = sheets["UserChat data"], sheets["Message data"]
    counts = messages.group_by("chatId").len()
    # the chat with the fewest messages (ties: the first in the chat sheet) gets the id
    old = (
        chats.select("id")
        .with_row_index()
        .join(counts, left_on="id", right_on="chatId")
        .sort("len", "index")["id"][0]
    )
    sheets["UserChat data"] = chats.with_columns(pl.col("id").replace(old, SCI_CHAT_ID))
    sheets["Message data"] = messages.with_columns(pl.col("chatId").replace(old, SCI_CHAT_ID))
    tags = sheets["UserChatTag data"]
    sheets["UserChatTag data"] = tags.with_columns(
        id=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(LONG_TAG_ID)).otherwise(pl.col("id"))
    )
    (out_dir / "reference.xlsx").write_bytes(write_xlsx(sheets))
    csv = out_dir / "csv"
    csv.mkdir(exist_ok=True)
    names = []
    for i, (name, frame) in enumerate(sheets.items()):
        frame.write_csv(csv / f"{i:02d}.csv")
        names.append(f"{i:02d}.csv\t{name}")
    (csv / "sheets.txt").write_text("\n".join(names) + "\n", encoding="utf-8")


def _excel_value(text: str | None, column: str, sheet: str) -> Any:
    """What Excel makes of a CSV field: a number, a date, a boolean, or the text."""
    from datetime import datetime

    if text is None:
        return None
    if _LOCAL.match(text):
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    if _UTC.match(text):  # Power Query reads ISO with Z as a UTC date-time, Z dropped
        return datetime.fromisoformat(text.replace("Z", ""))
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if _NUMBER.match(text):
        number = float(text)
        if number.is_integer() and len(text.lstrip("+-")) <= 15 and "e" not in text.lower():
            return int(number)
        return float(f"{number:.15g}")  # Excel keeps 15 significant digits
    return text


def write_openpyxl(reference: Path, dest: Path) -> None:
    """The reference as Excel types it when a CSV copy is opened, plus :data:`BROKEN` cells.

    Dates become date cells (``yyyy-mm-dd hh:mm:ss``; the User sheet's UTC times as
    their UTC wall time), digit ids and counts numbers (15 significant digits),
    ``true``/``false`` booleans; then one error cell, one formula without a saved result
    (openpyxl never calculates) and two date serials no calendar has.
    """
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, frame in _sheets(reference).items():
        sheet = book.create_sheet(name)
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            sheet.append(
                [_excel_value(v, c, name) for v, c in zip(row, frame.columns, strict=True)]
            )
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if cell.is_date:
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
        columns = {c: i + 1 for i, c in enumerate(frame.columns)}
        for (where, row, column), _what in BROKEN.items():
            if where != name:
                continue
            cell = sheet.cell(row + 1, columns[column])
            if column == "assigneeId":
                cell.value, cell.data_type = "#N/A", "e"
            elif column == "replyCount":
                cell.value = "=Y4"
            else:
                cell.value = 99999999 if column == "closedAt" else -1
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
    book.save(dest)


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "reference":
        write_reference(Path(args[0]))
    elif command == "openpyxl":
        write_openpyxl(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
