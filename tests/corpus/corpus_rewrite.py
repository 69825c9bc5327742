"""Python steps of ``make_corpus.sh``: the sample, and its copies by openpyxl, xlsxwriter, msoffcrypto.

Run with the project's venv, from the repository root::

    .venv/bin/python tests/corpus/corpus_rewrite.py sample OUT_DIR
    .venv/bin/python tests/corpus/corpus_rewrite.py openpyxl SRC DEST
    .venv/bin/python tests/corpus/corpus_rewrite.py xlsxwriter SRC DEST [--constant-memory]
    .venv/bin/python tests/corpus/corpus_rewrite.py msoffcrypto SRC DEST
    .venv/bin/python tests/corpus/corpus_rewrite.py versions

Every function imports what it needs itself, so that pytest (``--doctest-modules``) can
import this module without running anything.
"""

from __future__ import annotations

import sys
from pathlib import Path

#: The one password of every encrypted corpus file (letters and digits, like Channel Talk's).
PASSWORD = "Corpus1234"
#: The sample the corpus is made from.
CHATS = 40
SEED = 12


def write_samples(out_dir: Path) -> None:
    """The reference: the project's own plain legacy XLSX, and the same sample as JSON."""
    from chattools import sample

    out_dir.mkdir(parents=True, exist_ok=True)
    sample.write_sample(out_dir / "sample.xlsx", chats=CHATS, seed=SEED, password=None)
    sample.write_sample(
        out_dir / "sample.json", chats=CHATS, seed=SEED, container="json", password=None
    )


def resave_openpyxl(src: Path, dest: Path) -> None:
    """``load_workbook`` + ``save``: what a Python user does to "clean up" a download."""
    import openpyxl

    workbook = openpyxl.load_workbook(src)
    workbook.save(dest)


def _text_rows(src: Path) -> list[tuple[str, list[list[str | None]]]]:
    """Every sheet of ``src`` as rows of text cells (None for an absent cell)."""
    import openpyxl

    workbook = openpyxl.load_workbook(src)
    sheets = []
    for sheet in workbook.worksheets:
        rows = []
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if value is not None and not isinstance(value, str):
                    msg = f"{src}: sheet {sheet.title!r} holds a non-text cell {value!r}"
                    raise SystemExit(msg)
            rows.append(list(row))
        sheets.append((sheet.title, rows))
    return sheets


def rewrite_xlsxwriter(src: Path, dest: Path, *, constant_memory: bool) -> None:
    """Every cell rewritten as a text cell, as Channel Talk does (``write_string``).

    Default mode stores the strings in ``xl/sharedStrings.xml``; ``constant_memory`` writes
    them inline, row by row. Absent cells stay absent.
    """
    import xlsxwriter

    sheets = _text_rows(src)
    options = {"constant_memory": constant_memory}
    with xlsxwriter.Workbook(str(dest), options) as workbook:
        for title, rows in sheets:
            worksheet = workbook.add_worksheet(title)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is not None and value != "":
                        worksheet.write_string(r, c, value)


def encrypt_msoffcrypto(src: Path, dest: Path) -> None:
    """ECMA-376 agile encryption by msoffcrypto-tool's ``OOXMLFile.encrypt``."""
    import msoffcrypto.format.ooxml

    with src.open("rb") as plain, dest.open("wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt(PASSWORD, out)


def print_versions() -> None:
    from importlib.metadata import version

    for package in ("chattools", "openpyxl", "XlsxWriter", "msoffcrypto-tool"):
        print(f"{package} {version(package)}")
    print(f"python {sys.version.split()[0]}")


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "sample":
        write_samples(Path(args[0]))
    elif command == "openpyxl":
        resave_openpyxl(Path(args[0]), Path(args[1]))
    elif command == "xlsxwriter":
        rewrite_xlsxwriter(
            Path(args[0]), Path(args[1]), constant_memory="--constant-memory" in args[2:]
        )
    elif command == "msoffcrypto":
        encrypt_msoffcrypto(Path(args[0]), Path(args[1]))
    elif command == "versions":
        print_versions()
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
