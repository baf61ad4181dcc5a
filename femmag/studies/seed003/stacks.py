"""The seed-003 film (set S003-A, physics-spec §4.5): CoPt 10 nm on fused silica.

The parameter values live in ``femmag/materials/library.toml`` (``[CoPt_S003A]``,
``[fused_silica_S003A]``). :func:`seed003_film` is the FEM stack; :func:`seed003_film_layers` the
layer dicts of the 1D reference 2TM (10 nm film on 4 µm substrate, the default stack of
:class:`femmag.models.electron_temperature.ElectronTemperatureTable`).
"""

from __future__ import annotations

from typing import Any

from femmag.geometry.stack import Layer, MaterialCheck, Stack
from femmag.models.electron_temperature import DEFAULT_FILM, DEFAULT_SUBSTRATE
from femmag.models.electron_temperature import default_film_layers as seed003_film_layers

__all__ = ["FILM_MATERIAL", "SUBSTRATE_MATERIAL", "seed003_film", "seed003_film_layers"]

#: library name of the S003-A film
FILM_MATERIAL = DEFAULT_FILM
#: library name of the S003-A substrate of the 1D reference (fused silica, S003-A heat capacity)
SUBSTRATE_MATERIAL = DEFAULT_SUBSTRATE


def seed003_film(
    thickness: Any = "10 nm",
    substrate_thickness: Any = "5 um",
    material: str = FILM_MATERIAL,
    material_check: MaterialCheck | None = None,
) -> Stack:
    """Seed 003 (spec §4.5 set S003-A): air / CoPt 10 nm / fused silica. Region ``"CoPt"``."""
    return Stack([Layer("CoPt", material, thickness)],
                 substrate=Layer("substrate", "fused_silica", substrate_thickness),
                 ambient="air", material_check=material_check)
