"""Helpers for tests of hostile input: a time bound, and the one way to expect an error.

Import with ``from hostile import PW, bounded, fails_with`` (``tests/`` is on the path).
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from chattools import errors

#: The password of the hostile-input tests; no error message or repr may contain it.
PW = "Zq7Secret9Pw"


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Fail with ``TimeoutError`` if the block runs longer than ``seconds`` (main thread)."""

    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def fails_with(
    kind: type[errors.ChattoolsError], call: Callable[[], object], *, seconds: float = 20
) -> errors.ChattoolsError:
    """Run ``call`` within ``seconds``: it must raise exactly ``kind``, with a hint and
    without :data:`PW` in its message or repr; return the error.
    """
    with bounded(seconds), pytest.raises(kind) as info:
        call()
    err = info.value
    assert type(err) is kind, f"{type(err).__name__}: {err}"
    assert err.hint.strip() and "Hint:" in str(err)
    assert PW not in str(err) and PW not in repr(err)
    return err
