#!/usr/bin/env bash
# Rebuild tests/corpus: one small synthetic sample written by chattools, and copies of it
# written, re-saved or encrypted by third-party programs (LibreOffice, openpyxl,
# xlsxwriter, msoffcrypto-tool, Apache POI, 7-Zip). See tests/corpus/README.md.
#
#   bash tests/corpus/make_corpus.sh          (from anywhere; needs root for apt-get)
#
# Needs the project's venv (make unit creates it) and Debian packages it installs itself.
# Every encrypted file uses the public password below. The files are rewritten in place;
# VERSIONS.txt records the programs that made them.
set -euo pipefail

PASSWORD=Corpus1234
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY="$ROOT/.venv/bin/python"
WORK=$(mktemp -d /tmp/chattools-corpus.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# -- tools -------------------------------------------------------------------------------
need=()
command -v soffice >/dev/null || need+=(libreoffice-calc-nogui)
dpkg -s python3-uno >/dev/null 2>&1 || need+=(python3-uno)
[ -f /usr/share/java/poi-ooxml.jar ] || need+=(libapache-poi-java)
command -v javac >/dev/null || need+=(default-jdk-headless)
command -v 7z >/dev/null || need+=(p7zip-full)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi
[ -x "$PY" ] || { echo "no venv at $PY: run 'make unit' first" >&2; exit 1; }

# Debian's poi-ooxml-schemas.jar lacks the XMLBeans type system (see poi-shim/): take the
# complete poi-ooxml-schemas-3.17.jar out of the poi4py sdist on PyPI (pip download only;
# nothing is installed) and put it, with a shim for the one class POI 4 moved, first.
"$PY" -m pip download --quiet --no-deps poi4py==0.0.8 -d "$WORK/pypi"
tar -xzf "$WORK/pypi/poi4py-0.0.8.tar.gz" -C "$WORK" poi4py-0.0.8/poi4py/java/poi-ooxml-schemas-3.17.jar
J=/usr/share/java
CP="$WORK/poi4py-0.0.8/poi4py/java/poi-ooxml-schemas-3.17.jar:$J/poi.jar:$J/poi-ooxml.jar"
CP="$CP:$J/xmlbeans.jar:$J/commons-collections4.jar:$J/commons-codec.jar"
CP="$CP:$J/commons-compress.jar:$J/commons-math3.jar"
mkdir -p "$WORK/classes"
javac -nowarn -cp "$CP" -d "$WORK/classes" "$HERE/PoiCorpus.java" \
    "$HERE/poi-shim/org/apache/poi/POIXMLTypeLoader.java"
poi() { java -cp "$WORK/classes:$CP" PoiCorpus "$@"; }

# -- versions ----------------------------------------------------------------------------
{
    echo "# written by make_corpus.sh on $(date -u +%Y-%m-%d)"
    "$PY" "$HERE/corpus_rewrite.py" versions
    soffice --version | awk 'NR == 1'
    /usr/bin/python3 -c 'import uno; print("python3-uno (system python", __import__("sys").version.split()[0] + ")")'
    poi version
    echo "poi-ooxml-schemas 3.17 (from the PyPI sdist poi4py 0.0.8)"
    echo "xmlbeans $(dpkg-query -W -f '${Version}' libxmlbeans-java) (Debian)"
    java -version 2>&1 | awk 'NR == 1'
    7z i | awk '/^7-Zip/ && !seen { print; seen = 1 }'
} > "$WORK/VERSIONS.txt"
cat "$WORK/VERSIONS.txt"

# -- the sample (the reference) ----------------------------------------------------------
OUT="$WORK/out"
mkdir -p "$OUT"
"$PY" "$HERE/corpus_rewrite.py" sample "$OUT"
SAMPLE="$OUT/sample.xlsx"

# -- LibreOffice: re-saved, and saved with a password ------------------------------------
PROFILE="file://$WORK/lo-profile"
soffice "-env:UserInstallation=$PROFILE" --headless --convert-to xlsx --outdir "$WORK/lo" "$SAMPLE"
mv "$WORK/lo/sample.xlsx" "$OUT/libreoffice.xlsx"
# LibreOffice 7.4 encrypts XLSX only with ECMA-376 standard encryption ("Agile" fails
# with an I/O write error), so that is what it makes.
/usr/bin/python3 "$HERE/corpus_lo_encrypt.py" "$SAMPLE" "$OUT/libreoffice-standard.xlsx" \
    "$PASSWORD" "$WORK/lo-profile-uno" Standard

# -- openpyxl, xlsxwriter, msoffcrypto-tool ----------------------------------------------
"$PY" "$HERE/corpus_rewrite.py" openpyxl "$SAMPLE" "$OUT/openpyxl.xlsx"
"$PY" "$HERE/corpus_rewrite.py" xlsxwriter "$SAMPLE" "$OUT/xlsxwriter-sst.xlsx"
"$PY" "$HERE/corpus_rewrite.py" xlsxwriter "$SAMPLE" "$OUT/xlsxwriter-inline.xlsx" --constant-memory
"$PY" "$HERE/corpus_rewrite.py" msoffcrypto "$SAMPLE" "$OUT/msoffcrypto-agile.xlsx"

# -- Apache POI: rewritten by SXSSF as text cells, plain and encrypted -------------------
poi plain "$SAMPLE" "$OUT/poi-sxssf.xlsx"
poi agile "$SAMPLE" "$OUT/poi-agile.xlsx" "$PASSWORD"
poi agile256 "$SAMPLE" "$OUT/poi-agile256.xlsx" "$PASSWORD"
poi standard "$SAMPLE" "$OUT/poi-standard.xlsx" "$PASSWORD"

# -- 7-Zip: the JSON export in a password-protected ZIP ----------------------------------
(cd "$OUT" && 7z a -bd -tzip -mem=AES256 "-p$PASSWORD" "$OUT/7z-aes256.zip" sample.json >/dev/null)
(cd "$OUT" && 7z a -bd -tzip -mem=ZipCrypto "-p$PASSWORD" "$OUT/7z-zipcrypto.zip" sample.json >/dev/null)

# -- install -----------------------------------------------------------------------------
cp "$OUT"/*.xlsx "$OUT"/*.json "$OUT"/*.zip "$WORK/VERSIONS.txt" "$HERE/"
ls -l "$HERE"/*.xlsx "$HERE"/*.json "$HERE"/*.zip
du -ch "$HERE"/*.xlsx "$HERE"/*.json "$HERE"/*.zip | tail -1
