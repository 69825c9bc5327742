"""Progress bars for long, multi-file work (``tqdm.auto``), and when to show them.

A bar is shown when ``progress=True``; with ``progress=None`` (the default of every
function that takes the option) it is shown only when standard error is a terminal,
and never when the environment variable ``CHATTOOLS_PROGRESS`` is ``0`` (``1`` forces
it on, e.g. in a notebook). A bar only ever shows file names and counts: never a
password.

Examples
--------
>>> from chattools.progress import progress_bar, progress_enabled
>>> progress_enabled(False)
False
>>> with progress_bar(total=2, desc="reading exports", enabled=False) as bar:
...     bar.update(2)
...     bar.disable
True
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["ENV_VAR", "progress_bar", "progress_enabled"]

#: Environment variable that turns progress bars off (``0``) or on (``1``).
ENV_VAR = "CHATTOOLS_PROGRESS"


def progress_enabled(progress: bool | None = None) -> bool:
    """Whether to show a progress bar.

    Parameters
    ----------
    progress
        ``True`` or ``False`` decides; ``None`` looks at ``CHATTOOLS_PROGRESS``
        (``0`` off, ``1`` on), then shows a bar only when standard error is a terminal.

    Examples
    --------
    >>> progress_enabled(True), progress_enabled(False)
    (True, False)
    """
    if progress is not None:
        return bool(progress)
    env = os.environ.get(ENV_VAR, "").strip().lower()
    if env in ("0", "false", "no", "off"):
        return False
    if env in ("1", "true", "yes", "on"):
        return True
    stream = sys.stderr
    return stream is not None and hasattr(stream, "isatty") and stream.isatty()


def progress_bar(*, total: int, desc: str, enabled: bool | None = None, unit: str = "file") -> Any:
    """A ``tqdm.auto`` bar over ``total`` items (disabled unless :func:`progress_enabled`).

    Use it as a context manager and call ``bar.update(n)``; ``bar.set_postfix_str``
    may show the current file name.
    """
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        disable=not progress_enabled(enabled),
        leave=False,
        dynamic_ncols=True,
    )
