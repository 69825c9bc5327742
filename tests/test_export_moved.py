"""Export is a container: its former join methods point at the functions that replaced them."""

from __future__ import annotations

import re

import pytest

import chattools as ct
from chattools.errors import MovedError


@pytest.mark.parametrize(
    ("method", "function"),
    [
        ("timeline", "ct.timeline(exp)"),
        ("chat_table", "ct.chat_table(exp)"),
        ("transcript", "ct.transcript(exp, chat_id)"),
        ("coverage", "ct.coverage(exp)"),
    ],
)
def test_a_join_that_left_export_names_the_function_to_call(method: str, function: str) -> None:
    with pytest.raises(MovedError, match=re.escape(function)) as caught:
        getattr(ct.Export.empty(), method)
    assert isinstance(caught.value, AttributeError)
    assert not hasattr(ct.Export.empty(), method)


def test_an_unknown_attribute_is_a_plain_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'chatz'") as caught:
        ct.Export.empty().chatz  # noqa: B018
    assert not isinstance(caught.value, MovedError)
