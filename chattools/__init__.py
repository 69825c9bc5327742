"""chattools: read, merge and analyse Channel Talk chat exports with Polars.

Examples
--------
>>> import chattools as ct
>>> ct.__version__
'0.1.0'
"""

from __future__ import annotations

from chattools import errors, schema
from chattools._version import __version__
from chattools.errors import ChattoolsError
from chattools.export import Export

__all__ = [
    "ChattoolsError",
    "Export",
    "__version__",
    "errors",
    "schema",
]
