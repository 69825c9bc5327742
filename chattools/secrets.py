"""Where an export password comes from: argument → ``CHATTOOLS_PASSWORD`` → prompt.

The prompt (``getpass``, input hidden) is used only when standard input is an
interactive terminal, so scripts, notebooks run headless and CI never hang. The
password is returned to the caller and never stored, logged or put in a message.

Examples
--------
>>> from chattools.secrets import resolve_password
>>> resolve_password("s3cret", env={})
's3cret'
>>> resolve_password(None, env={"CHATTOOLS_PASSWORD": "fromenv"})
'fromenv'
>>> resolve_password(None, env={}, interactive=False) is None
True
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from chattools.errors import InvalidValueError

__all__ = ["PASSWORD_ENV_VAR", "resolve_password"]

#: The environment variable read when no password argument is given.
PASSWORD_ENV_VAR = "CHATTOOLS_PASSWORD"


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdin (notebooks, pytest)
        return False


def resolve_password(
    password: str | None = None,
    *,
    name: str = "the export",
    env: Mapping[str, str] | None = None,
    interactive: bool | None = None,
) -> str | None:
    """The password to use, or ``None`` when there is none.

    Parameters
    ----------
    password
        Given explicitly: used as is (an empty string counts as not given).
    name
        What the prompt asks the password for (a file name, never the password).
    env
        The environment to read :data:`PASSWORD_ENV_VAR` from (default ``os.environ``).
    interactive
        Whether a hidden prompt may be shown; default: only if stdin is a terminal.
    """
    if password is not None and not isinstance(password, str):
        msg = f"invalid password of type {type(password).__name__!r}; expected a string"
        raise InvalidValueError(msg, hint='pass the password as text, e.g. password="...".')
    if password:
        return password
    from_env = (os.environ if env is None else env).get(PASSWORD_ENV_VAR)
    if from_env:
        return from_env
    if interactive is None:
        interactive = _stdin_is_tty()
    if not interactive:
        return None
    import getpass

    try:
        entered = getpass.getpass(f"Password for {name}: ")
    except (EOFError, KeyboardInterrupt):
        return None
    except NotImplementedError:  # a kernel without a frontend to ask (papermill, nbconvert)
        return None
    return entered or None
