"""Parameter sets of the pointwise kernels, read from a material of the library (SI).

The kernels (:mod:`femmag.kernels`) take plain numbers and never read the library; these
functions are the bridge for callers that start from a material name.
"""

from __future__ import annotations

from typing import Any

from femmag.kernels.m3tm import M3TMParameters
from femmag.kernels.micromagnetics import MicromagneticParameters
from femmag.materials.library import Library, get_material
from femmag.materials.material import Material

__all__ = ["m3tm_parameters", "micromagnetic_parameters"]


def micromagnetic_parameters(name: str = "CoPt_S003A",
                             library: Library | None = None) -> MicromagneticParameters:
    """The LLB + micromagnetic parameters of material ``name``.

    Args:
        name: material name (default the seed-003 film ``CoPt_S003A``).
        library: a :class:`~femmag.materials.Library` (default: the packaged one).

    Raises:
        ValueError: the material lacks one of the six constants the model needs.
    """
    lib = Library.default() if library is None else library
    mat = lib.get(name)
    needed = ("curie_temperature", "atomic_moment", "llb_coupling",
              "saturation_magnetization", "exchange_stiffness", "anisotropy_constant")
    missing = [p for p in needed if not mat.has(p)]
    if missing:
        raise ValueError(f"material '{name}' lacks {missing} needed by the micromagnetic LLB "
                         "model; add them to the materials library (e.g. with "
                         "Library.override).")
    value = {p: float(mat.prop(p).value) for p in needed}
    return MicromagneticParameters(
        curie_temperature=value["curie_temperature"], atomic_moment=value["atomic_moment"],
        coupling=value["llb_coupling"],
        saturation_magnetization=value["saturation_magnetization"],
        exchange_stiffness=value["exchange_stiffness"],
        anisotropy_constant=value["anisotropy_constant"])


def m3tm_parameters(material: Material | str) -> M3TMParameters:
    """The M3TM parameters of a material or of a name of the packaged library ("Ni", "Co").

    Uses ``curie_temperature`` and ``m3tm_demagnetization_rate`` (SI).
    """
    mat: Any = get_material(material) if isinstance(material, str) else material
    return M3TMParameters(curie_temperature=mat.prop("curie_temperature").value,
                          rate=mat.prop("m3tm_demagnetization_rate").value)
