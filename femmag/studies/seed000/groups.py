"""Seed-000 inputs of the FEM spin-valve runs: the ferromagnet groups (and, re-exported from
:mod:`femmag.studies.seed000.thermal`, the finite-volume reference's thermal set).

:func:`seed000_groups` names the two ferromagnets of
:func:`femmag.studies.seed000.seed000_spin_valve` for
:class:`~femmag.physics.spin.module.SpinTransport`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from femmag.studies.seed000.thermal import seed000_thermal_library  # re-exported

__all__ = ["seed000_groups", "seed000_thermal_library"]


def seed000_groups(stack: Any, names: Sequence[str] = ("free", "ref")) -> dict[str, list[str]]:
    """FM groups of the seed-000 stack: ``{"free": [free_* regions], "ref": [ref_* regions]}``.

    Args:
        stack: :func:`femmag.studies.seed000.seed000_spin_valve` (full or simplified).
        names: group name = region prefix (without the underscore).
    """
    groups = {g: [n for n in stack.names if n.startswith(f"{g}_")] for g in names}
    empty = [g for g, regions in groups.items() if not regions]
    if empty:
        raise ValueError(f"seed000_groups: no stack layer starts with {[f'{g}_' for g in empty]}; "
                         f"layers are {stack.names}")
    return groups
