"""Moved to :mod:`rosenblatt.io.estimators` (estimators to and from files, beside the rest
of saving and loading); ``rosenblatt.models._persist`` still names it."""

from __future__ import annotations

from ..io.estimators import describe, is_estimator, rebuild

__all__ = ["describe", "is_estimator", "rebuild"]
