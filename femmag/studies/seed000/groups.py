"""Seed-000 inputs of the FEM spin-valve runs: the ferromagnet groups and the FV thermal set.

:func:`seed000_groups` names the two ferromagnets of
:func:`femmag.geometry.stack.seed000_spin_valve` for
:class:`~femmag.physics.spin.module.SpinTransport`; :func:`seed000_thermal_library` gives the
materials library the thermal parameters of the finite-volume reference, so that the FEM
two-temperature model solves the same problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from femmag.materials import Library
from femmag.models.spin_valve import SEED000_THERMAL

__all__ = ["seed000_groups", "seed000_thermal_library"]


def seed000_groups(stack: Any, names: Sequence[str] = ("free", "ref")) -> dict[str, list[str]]:
    """FM groups of the seed-000 stack: ``{"free": [free_* regions], "ref": [ref_* regions]}``.

    Args:
        stack: :func:`femmag.geometry.stack.seed000_spin_valve` (full or simplified).
        names: group name = region prefix (without the underscore).
    """
    groups = {g: [n for n in stack.names if n.startswith(f"{g}_")] for g in names}
    empty = [g for g, regions in groups.items() if not regions]
    if empty:
        raise ValueError(f"seed000_groups: no stack layer starts with {[f'{g}_' for g in empty]}; "
                         f"layers are {stack.names}")
    return groups


# SEED000_THERMAL key → (library property, unit)
_THERMAL_KEYS = {"gamma_e": ("electron_heat_capacity_coefficient", "J/(m^3 K^2)"),
                 "G": ("electron_phonon_coupling", "W/(m^3 K)"),
                 "C_l": ("lattice_heat_capacity", "J/(m^3 K)"),
                 "kappa_e0": ("electron_thermal_conductivity", "W/(m K)"),
                 "kappa_l": ("lattice_thermal_conductivity", "W/(m K)"),
                 "C": ("lattice_heat_capacity", "J/(m^3 K)"),
                 "kappa": ("lattice_thermal_conductivity", "W/(m K)")}


def seed000_thermal_library(library: Any = None) -> Any:
    """The materials library with the thermal set of the finite-volume seed-000 reference.

    :data:`femmag.models.spin_valve.SEED000_THERMAL` (the choices of bench/bench_2tm_1d.py, used
    by :func:`~femmag.models.spin_valve.seed000_temperatures`) replaces γ_e, G, C_l, κ_e0, κ_l of
    Co, Pt, Cu, Ta and C, κ of glass, so that the FEM 2TM solves the same problem as the FV
    reference (e.g. G_Co 4e18 instead of the library's 4.5e18 W/m³K, κ_e0,Cu 245 vs 256 W/mK).

    Args:
        library: the library to start from (default: the packaged one).
    """
    lib = Library.default() if library is None else library
    for material, values in SEED000_THERMAL.items():
        lib = lib.override(material, **{_THERMAL_KEYS[k][0]: f"{v} {_THERMAL_KEYS[k][1]}"
                                        for k, v in values.items()})
    return lib
