"""Sniff a container, decrypt it in memory, read its sheets as text and type them.

:func:`open_export` reads one file (path, bytes or binary file object) into a typed
:class:`~chattools.Export`; :class:`Limits` bounds what it may expand to. The steps,
one module each:

==============  ======================================================================
``sniff``       container from the first bytes (encrypted XLSX, XLSX, ZIP, JSON)
``decrypt``     msoffcrypto / pyzipper in memory; password via :mod:`chattools.secrets`
``safety``      zip bombs, escaping names, XML DTDs → ``UnsafeFileError``
``extent``      worksheets that would make the XLSX reader allocate too much → same
``sheets``      every sheet as text (fastexcel, ``dtypes="string"``) or JSON rows
``detect``      generation and sheet keys from names and column signatures
``parse``       one vectorised ``select`` per sheet; problems collected per cell
``tags``        chat tags checked against the tag sheet
``links``       messages of unknown chats or senders listed as problems (kept)
``cases``       ``chats`` derived from a by-case export (latest case per chat)
``load``        :func:`open_export`, tying the steps together
==============  ======================================================================
"""

from chattools.readers.load import open_export
from chattools.readers.safety import Limits

__all__ = ["Limits", "open_export"]
