"""Thermal parameters of the seed-000 spin valve: the finite-volume reference's set.

:file:`thermal.toml` next to this module lists where that set departs from the packaged library
(e.g. G_Co 4e18 instead of 4.5e18 W/m³K, κ_e0,Cu 245 instead of 256 W/mK);
:func:`seed000_thermal_library` applies it with :meth:`femmag.materials.Library.override`, so that
the FEM 2TM and the 1D finite-volume reference (:func:`seed000_temperatures`) solve the same
problem. :data:`SEED000_THERMAL` is the same set as the plain-SI dicts of
:mod:`femmag.models.two_temperature_1d`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from femmag.models.spin_valve import TemperatureTraces, layer_temperatures
from femmag.models.two_temperature_1d import material_layer, solve_two_temperature_1d
from femmag.studies.seed000.stacks import SEED000_LAYERS, SEED000_OPTICS

__all__ = ["SEED000_THERMAL", "THERMAL_OVERLAY", "fv_layers", "seed000_temperatures",
           "seed000_thermal_library"]

NM = 1e-9
#: the overlay file: ``[<material>.<property>]`` tables in the format of library.toml
THERMAL_OVERLAY = Path(__file__).with_name("thermal.toml")
_MATERIALS = ("Co", "Pt", "Cu", "Ta", "glass")


def seed000_thermal_library(library: Any = None) -> Any:
    """The materials library with the thermal set of the finite-volume seed-000 reference.

    Args:
        library: the library to start from (default: the packaged one).
    """
    from femmag.materials import Library

    lib = Library.default() if library is None else library
    with open(THERMAL_OVERLAY, "rb") as fh:
        overlay = tomllib.load(fh)
    for material, properties in overlay.items():
        lib = lib.override(material, **properties)
    return lib


def _thermal_dicts() -> dict[str, dict[str, float]]:
    library = seed000_thermal_library()
    out = {}
    for material in _MATERIALS:
        layer = material_layer(material, material, NM, 1, library=library)
        out[material] = {k: v for k, v in layer.items()
                         if k not in ("name", "thickness", "cells", "n")}
    return out


#: per-material thermal parameters of the FV reference (keys of
#: :func:`~femmag.models.two_temperature_1d.solve_two_temperature_1d`; SI)
SEED000_THERMAL: dict[str, dict[str, float]] = _thermal_dicts()


def fv_layers(layers: Sequence[tuple[str, float, str]], max_cell: float,
              thermal: Mapping[str, Mapping[str, float]] = SEED000_THERMAL) -> list[dict]:
    """FV layer dicts ``"<label>_<material>_<index>"`` of (material, thickness [nm], label)."""
    out = []
    for index, (material, thickness, label) in enumerate(layers):
        out.append({"name": f"{label}_{material}_{index}", "thickness": thickness * NM,
                    "cells": max(1, round(thickness * NM / max_cell)),
                    "n": SEED000_OPTICS[material], **thermal[material]})
    return out


def seed000_temperatures(fluence: float = 200.0, duration: float = 50e-15,
                         arrival: float = 0.1e-12, t_end: float = 5e-12,
                         layers: Sequence[tuple[str, float, str]] = tuple(SEED000_LAYERS),
                         groups: Mapping[str, str] | None = None, from_substrate: bool = False,
                         max_cell: float = 2 * NM, rtol: float = 1e-5,
                         thermal: Mapping[str, Mapping[str, float]] | None = None
                         ) -> TemperatureTraces:
    """Layer-averaged 2TM temperatures of the seed-000 spin valve (or of another stack).

    Runs the 1D finite-volume 2TM reference (TMM absorption at 800 nm, Cu electron transport heats
    the ref layer, glass substrate 1 µm with a fixed bottom), physics-spec §4, §6.3.

    Args:
        fluence: incident peak fluence [J/m²] (20 mJ/cm² = 200 J/m², seed-000 Fig. 3).
        duration: pulse FWHM [s].
        arrival: pulse peak time [s].
        t_end: end [s].
        layers: (material, thickness [nm], label) from the pumped side's top (air side).
        groups: FM layer name → 2TM name prefix; default {"free": "free_", "ref": "ref_"}.
        from_substrate: pump through the glass.
        max_cell: largest FV cell [m].
        rtol: solver tolerance.
        thermal: per-material overrides of :data:`SEED000_THERMAL` entries (e.g.
            ``{"Cu": {"kappa_e0": 395.0}}`` for the bulk Cu electronic conductivity).

    Returns:
        :class:`~femmag.models.spin_valve.TemperatureTraces` of the FM layers, from t = 0.
    """
    params = {k: dict(v) for k, v in SEED000_THERMAL.items()}
    for material, values in (thermal or {}).items():
        if material not in params:
            raise ValueError(f"seed000_temperatures: no material {material!r} to override; "
                             f"have {sorted(params)}")
        params[material].update(values)
    substrate = {"name": "glass", "thickness": 1e-6, "cells": 40,
                 "n": SEED000_OPTICS["glass"], **params["glass"]}
    times = np.linspace(0.0, t_end, int(round(t_end / 5e-15)) + 1)
    result = solve_two_temperature_1d(fv_layers(layers, max_cell, params), substrate,
                                      fluence=fluence, duration=duration, arrival=arrival,
                                      t_start=0.0, t_end=t_end, t_eval=times, rtol=rtol,
                                      atol=rtol * 1e3, bottom="fixed",
                                      from_substrate=from_substrate)
    return layer_temperatures(result, groups or {"free": "free_", "ref": "ref_"})
