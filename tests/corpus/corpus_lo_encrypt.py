"""LibreOffice step of ``make_corpus.sh``: save a workbook as a password-protected XLSX.

``soffice --convert-to`` has no password option (a JSON filter option with a password is
silently ignored), so this drives LibreOffice through UNO: it starts ``soffice --headless``
on a private pipe and profile, loads ``SRC`` hidden and stores it with the "Calc MS Excel
2007 XML" filter and ``EncryptionData`` in the media descriptor: ``OOXPassword`` (the
password) and ``CryptoType`` (``Standard`` or ``Agile``), as the GUI's "Save with password"
does. Run with the system Python that has ``python3-uno``::

    /usr/bin/python3 tests/corpus/corpus_lo_encrypt.py SRC DEST PASSWORD PROFILE_DIR [CRYPTO_TYPE]

``uno`` is imported inside :func:`main`, so that pytest (``--doctest-modules``) can import
this module from the project's venv, which has no ``uno``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path


def main(src: Path, dest: Path, password: str, profile: Path, crypto_type: str) -> None:
    import uno
    from com.sun.star.beans import NamedValue, PropertyValue
    from com.sun.star.connection import NoConnectException

    def prop(name: str, value: object) -> PropertyValue:
        p = PropertyValue()
        p.Name = name
        p.Value = value
        return p

    def named(name: str, value: object) -> NamedValue:
        n = NamedValue()
        n.Name = name
        n.Value = value
        return n

    pipe = f"chattools_corpus_{os.getpid()}"
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    office = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        for _ in range(120):
            try:
                context = resolver.resolve(url)
                break
            except NoConnectException:
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context
        )
        secret = uno.Any(
            "[]com.sun.star.beans.NamedValue",
            (named("OOXPassword", password), named("CryptoType", crypto_type)),
        )
        document = desktop.loadComponentFromURL(
            src.resolve().as_uri(), "_blank", 0, (prop("Hidden", True),)
        )
        try:
            document.storeToURL(
                dest.resolve().as_uri(),
                (prop("FilterName", "Calc MS Excel 2007 XML"), prop("EncryptionData", secret)),
            )
        finally:
            document.close(True)
    finally:
        if desktop is not None:
            with contextlib.suppress(Exception):  # the bridge drops as soffice exits
                desktop.terminate()
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()
            office.wait()


if __name__ == "__main__":
    args = sys.argv[1:]
    main(
        Path(args[0]),
        Path(args[1]),
        args[2],
        Path(args[3]),
        args[4] if len(args) > 4 else "Standard",
    )
