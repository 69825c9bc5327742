"""Collecting a derive plan with the Polars engine that suits the export.

Measured on the 10,000-chat sample (250,000 messages, 2026-12-03): ``chat_metrics``
collected by the in-memory engine takes 0.75 s and peaks at 422 MB; by the default
(streaming) engine 1.13 s and 675 MB. An export read from files is in memory already,
so its plans use the in-memory engine; an export over a Parquet dataset (lazy frames)
keeps Polars' default, which can stream what does not fit.

Examples
--------
>>> import polars as pl
>>> import chattools as ct
>>> collect(pl.LazyFrame({"a": [1]}), ct.Export.empty()).height
1
"""

from __future__ import annotations

import polars as pl

from chattools.export import Export

__all__ = ["collect"]


def collect(plan: pl.LazyFrame, exp: Export) -> pl.DataFrame:
    """``plan.collect()``, in memory unless ``exp`` holds lazy frames (:attr:`Export.is_lazy`)."""
    return plan.collect() if exp.is_lazy else plan.collect(engine="in-memory")
