"""Value checks of the recipe format: ``RecipeError`` and the small checkers (``integer``,
``number``, ``choice``, ``list_of`` ...) that ``KEYS`` is written with.

A check is ``check(value, key) -> value``: it returns the value (converted where the format
allows, an int for a float key) or raises :class:`RecipeError` naming the key by its dotted
path and what was expected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any


class RecipeError(ValueError):
    """A recipe that cannot be used; the message names the key by its dotted path."""


# A check takes (value, dotted key) and returns the value (converted) or raises RecipeError.
Check = Callable[[Any, str], Any]


def _fail(key: str, expected: str, value: Any) -> RecipeError:
    return RecipeError(f"{key} must be {expected}, got {value!r}")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def integer(lo: int | None = None, hi: int | None = None) -> Check:
    """An integer >= lo (and <= hi)."""
    expected = "an integer" if lo is None else f"an integer >= {lo}"

    def check(v: Any, key: str) -> int:
        if not isinstance(v, int) or isinstance(v, bool) or (lo is not None and v < lo):
            raise _fail(key, expected, v)
        if hi is not None and v > hi:
            raise _fail(key, f"at most {hi:,}", v)
        return v

    return check


def number(lo: float | None = None, hi: float | None = None, hi_open: bool = True) -> Check:
    """A finite number in [lo, hi) (or [lo, hi] with ``hi_open=False``); ints are accepted."""
    parts = ["a number"]
    if lo is not None and hi is not None:
        parts.append(f"in [{lo:g}, {hi:g}{')' if hi_open else ']'}")
    elif lo is not None:
        parts.append(f">= {lo:g}")
    expected = " ".join(parts)

    def check(v: Any, key: str) -> float:
        if not _is_number(v) or not math.isfinite(v):
            raise _fail(key, expected, v)
        if (lo is not None and v < lo) or (hi is not None and (v >= hi if hi_open else v > hi)):
            raise _fail(key, expected, v)
        return float(v)

    return check


def positive() -> Check:
    """A finite number > 0."""

    def check(v: Any, key: str) -> float:
        if not _is_number(v) or not math.isfinite(v) or v <= 0:
            raise _fail(key, "a number > 0", v)
        return float(v)

    return check


def boolean() -> Check:
    def check(v: Any, key: str) -> bool:
        if not isinstance(v, bool):
            raise _fail(key, "true or false", v)
        return v

    return check


def string() -> Check:
    def check(v: Any, key: str) -> str:
        if not isinstance(v, str) or not v:
            raise _fail(key, "a non-empty string", v)
        return v

    return check


def choice(options: Iterable[str]) -> Check:
    """One of the given strings; the message lists them."""
    allowed = tuple(options)

    def check(v: Any, key: str) -> str:
        if v not in allowed:
            raise RecipeError(
                f"{key} = {v!r} is not allowed; choose one of: {', '.join(map(repr, allowed))}"
            )
        return v

    return check


def list_of(item: Check, what: str, length: int | None = None) -> Check:
    """A list whose elements pass ``item``; ``length`` fixes its length."""
    expected = f"a list of {what}" if length is None else f"a list of {length} {what}"

    def check(v: Any, key: str) -> list[Any]:
        if not isinstance(v, list) or (length is not None and len(v) != length):
            raise _fail(key, expected, v)
        return [item(x, f"{key}[{i}]") for i, x in enumerate(v)]

    return check


def one_or_list(item: Check, what: str) -> Check:
    """One value, or a list of values, each passing ``item``."""

    def check(v: Any, key: str) -> Any:
        if isinstance(v, list):
            return list_of(item, what)(v, key)
        return item(v, key)

    return check


def either(*checks: Check, expected: str) -> Check:
    """The first check that accepts the value; else an error describing ``expected``."""

    def check(v: Any, key: str) -> Any:
        for c in checks:
            try:
                return c(v, key)
            except RecipeError:
                continue
        raise _fail(key, expected, v)

    return check


def table() -> Check:
    def check(v: Any, key: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise _fail(key, "a table", v)
        return v

    return check
