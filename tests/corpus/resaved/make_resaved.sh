#!/usr/bin/env bash
# Rebuild the re-saved copies of one small sample export (see README.md in this folder).
#
#   tests/corpus/resaved/make_resaved.sh        # from the repository root
#
# Needs the project's .venv and LibreOffice with its Python bridge
# (Debian: apt-get install libreoffice-calc-nogui python3-uno). Writes, next to this script:
#   reference.xlsx    the sample, every cell text (as Channel Talk writes it)
#   libreoffice.xlsx  its CSV copies imported by LibreOffice Calc with type detection
#   openpyxl.xlsx     the same typed the way Excel types an opened CSV, written by openpyxl
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
py="$root/.venv/bin/python"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$py" "$here/resaved_files.py" reference "$work"
cp "$work/reference.xlsx" "$here/reference.xlsx"
# a private LibreOffice profile: nothing of the user's settings (locale, autocorrect) leaks in
/usr/bin/python3 "$here/lo_import.py" "$work/csv" "$here/libreoffice.xlsx" \
    "file://$work/lo-profile"
"$py" "$here/resaved_files.py" openpyxl "$here/reference.xlsx" "$here/openpyxl.xlsx"
ls -l "$here"/*.xlsx
