"""Shared test setup: deterministic hypothesis, no progress bars."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

os.environ.setdefault("CHATTOOLS_PROGRESS", "0")

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")
