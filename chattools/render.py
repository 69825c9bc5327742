"""Render Altair charts to static SVG or PNG, offline and deterministically.

Charts go through ``vl-convert`` (no browser, no network). Its PNG renderer only knows
the fonts it is given, and the machines chattools runs on often have no Korean font:
Hangul tag names, manager names and titles came out as empty boxes. When the
``koreanize-matplotlib`` package (part of the ``notebooks`` extra) is installed, its
NanumGothic fonts are registered once, before the first chart is drawn, and the
renderer falls back to them for every glyph the default font lacks.

Examples
--------
>>> import altair as alt
>>> from chattools.render import to_svg
>>> chart = alt.Chart(alt.Data(values=[{"tag": "환불", "chats": 3}])).mark_bar().encode(
...     x="tag:N", y="chats:Q")
>>> svg = to_svg(chart)
>>> svg.startswith("<svg") and svg == to_svg(chart)
True
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chattools.errors import InvalidValueError, MissingDependencyError

if TYPE_CHECKING:
    import altair as alt

__all__ = ["font_directories", "rename_svg_ids", "to_png", "to_svg"]


def font_directories() -> list[Path]:
    """Folders of extra fonts registered with the renderer (Korean, when installed)."""
    spec = importlib.util.find_spec("koreanize_matplotlib")  # found, never imported
    if spec is None or not spec.submodule_search_locations:
        return []
    fonts = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    return [fonts] if fonts.is_dir() else []


#: Virtual address space vl-convert's V8 engine reserves when it starts: under a lower
#: ``ulimit -v`` it dies with SIGTRAP, which no ``except`` can catch (measured: it
#: fails at 64 GiB and runs at 66 GiB).
V8_ADDRESS_SPACE = 66 * 1024**3


def _address_space_limit() -> int | None:
    """The virtual memory limit of this process (``ulimit -v``) in bytes, or None if none."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft == resource.RLIM_INFINITY else soft


@functools.cache
def _vlc() -> Any:
    limit = _address_space_limit()
    if limit is not None and limit < V8_ADDRESS_SPACE:
        msg = (
            f"chart rendering (vl-convert's V8 engine) needs about "
            f"{V8_ADDRESS_SPACE // 1024**3} GiB of virtual address space and this process "
            f"is limited to {limit / 1024**3:.1f} GiB (ulimit -v)"
        )
        raise MissingDependencyError(msg, hint="raise or lift `ulimit -v` to draw charts.")
    try:
        import vl_convert
    except ImportError:  # pragma: no cover - exercised only without the extra
        msg = "rendering charts needs the optional package 'vl-convert-python'"
        raise MissingDependencyError(msg) from None
    for folder in font_directories():
        vl_convert.register_font_directory(str(folder))
    return vl_convert


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def rename_svg_ids(svg: str, rename: Callable[[int, str], str]) -> str:
    """Rename every element id of ``svg`` (and its ``url(#…)`` / ``href="#…"`` uses).

    ``rename(n, old)`` gives the new name of the ``n``-th distinct id (from 0, in order of
    appearance). One pass, so new names can never collide with old ones.
    """
    mapping: dict[str, str] = {}
    for old in _ID.findall(svg):
        if old not in mapping:
            mapping[old] = rename(len(mapping), old)
    if not mapping:
        return svg
    return _REF.sub(lambda m: m.group(1) + mapping.get(m.group(2), m.group(2)), svg)


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render ``chart`` to a static SVG string (offline, deterministic).

    The renderer numbers gradients and clip paths with a counter that lives as long as
    the process; ids are renumbered in order of appearance so the same chart always
    gives the same text.
    """
    svg = str(_vlc().vegalite_to_svg(chart.to_dict()))
    return rename_svg_ids(svg, lambda n, _old: f"i{n}")


def to_png(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """Render ``chart`` to PNG bytes (offline, deterministic); ``scale`` multiplies the size."""
    if not scale > 0:
        msg = f"scale={scale!r} must be positive"
        raise InvalidValueError(msg, hint="use e.g. scale=2.0.")
    return bytes(_vlc().vegalite_to_png(chart.to_dict(), scale=scale))
