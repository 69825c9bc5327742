"""LibreOffice step of ``make_resaved.sh``: import the CSV copies with type detection, save XLSX.

Run with the system Python that has LibreOffice's ``uno`` module (Debian:
``apt-get install libreoffice-calc-nogui python3-uno``)::

    /usr/bin/python3 tests/corpus/resaved/lo_import.py CSV_DIR DEST.xlsx

What an analyst does in Calc: open each sheet's CSV (UTF-8, comma, "detect special
numbers" on, "evaluate formulas" on, English locale), gather the sheets into one
workbook, type ``=NA()`` over one assignee and a huge number over one close time, and
save as Excel 2007-365. LibreOffice itself types every cell and writes the XML;
nothing here writes a cell value except those two edits.

Every import is inside a function, so that pytest (``--doctest-modules``) can import
this module without LibreOffice.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

#: CSV import options: separator 44 (,), text delimiter 34 ("), UTF-8 (76), from line 1,
#: no column formats, English (1033), quoted fields not forced to text, detect special
#: numbers (dates, scientific notation), …, evaluate formulas.
CSV_OPTIONS = "44,34,76,1,,1033,false,true,false,false,false,-1,true"
PIPE = "chattools_resaved"
#: The analyst's edits, as in the openpyxl copy: (sheet, record row, column) → what.
EDITS = {
    ("UserChat data", 2, "assigneeId"): "=NA()",
    ("UserChat data", 4, "closedAt"): 99999999,
}


def _prop(name: str, value: Any) -> Any:
    from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _connect(profile: str) -> tuple[subprocess.Popen[bytes], Any]:
    import uno  # type: ignore[import-not-found]

    office = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--nologo", "--norestore",
         f"-env:UserInstallation={profile}", f"--accept=pipe,name={PIPE};urp;"],
    )  # fmt: skip
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    for _ in range(200):
        try:
            context = resolver.resolve(f"uno:pipe,name={PIPE};urp;StarOffice.ComponentContext")
            break
        except Exception:
            time.sleep(0.2)
    else:
        office.kill()
        raise SystemExit("LibreOffice did not start")
    desktop = context.ServiceManager.createInstanceWithContext(
        "com.sun.star.frame.Desktop", context
    )
    return office, desktop


def import_csvs(csv_dir: Path, dest: Path, profile: str = "file:///tmp/lo-profile") -> None:
    import uno

    names = [line.split("\t") for line in (csv_dir / "sheets.txt").read_text("utf-8").split("\n")]
    office, desktop = _connect(profile)
    try:
        docs = []
        for file, sheet in (n for n in names if len(n) == 2):
            url = uno.systemPathToFileUrl(str((csv_dir / file).resolve()))
            args = (
                _prop("FilterName", "Text - txt - csv (StarCalc)"),
                _prop("FilterOptions", CSV_OPTIONS),
                _prop("Hidden", True),
            )
            doc = desktop.loadComponentFromURL(url, "_blank", 0, args)
            doc.Sheets.getByIndex(0).Name = sheet
            docs.append(doc)
        book = docs[0]
        for i, doc in enumerate(docs[1:], start=1):
            book.Sheets.importSheet(doc, doc.Sheets.getByIndex(0).Name, i)
        for (sheet_name, row, column), value in EDITS.items():
            sheet = book.Sheets.getByName(sheet_name)
            header = sheet.getCellRangeByPosition(0, 0, 200, 0).DataArray[0]
            cell = sheet.getCellByPosition(list(header).index(column), row)
            if isinstance(value, str):
                cell.setFormula(value)
            else:
                cell.setValue(value)  # keeps the cell's date format
        book.calculateAll()
        target = uno.systemPathToFileUrl(str(dest.resolve()))
        book.storeToURL(target, (_prop("FilterName", "Calc MS Excel 2007 XML"),))
        for doc in docs:
            doc.close(True)
    finally:
        with contextlib.suppress(Exception):  # the bridge closes as the office quits
            desktop.terminate()
        try:
            office.wait(timeout=60)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    import_csvs(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:4])
