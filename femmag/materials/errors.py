"""Errors of the materials library, and the "did you mean" hint their messages carry."""

from __future__ import annotations

import difflib
from typing import Any

__all__ = ["MaterialError", "MissingPropertyError", "UnknownMaterialError", "did_you_mean"]


class MaterialError(ValueError):
    """Invalid material data (bad key, unit, value or source) or a bad request to a material."""


class _MessageKeyError(KeyError):
    """A KeyError whose str() is the message itself (KeyError normally shows its repr)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownMaterialError(_MessageKeyError):
    """No material (or interface) of that name in the library."""


class MissingPropertyError(_MessageKeyError):
    """The material has no such property."""


def did_you_mean(name: str, candidates: Any) -> str:
    """`` Did you mean 'X'?`` for the closest candidate, or "" when none is close."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    if not close:  # case-insensitive second try ("co" → "Co")
        lower = {str(c).lower(): c for c in candidates}
        close = [lower[name.lower()]] if name.lower() in lower else []
    return f" Did you mean '{close[0]}'?" if close else ""

