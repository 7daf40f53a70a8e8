"""Shared values for the KV tests."""

from __future__ import annotations

# 2027-01-15T08:00:00Z: recent, and far from the int32 limit of absolute expirations.
START = 1_800_000_000
