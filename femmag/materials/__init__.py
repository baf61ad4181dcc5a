"""Materials library: parameters with units and sources, for every physics module.

The packaged defaults live in ``library.toml`` next to this file (one table per material, one
sub-table per property; the header of that file documents the format). Every value carries a unit,
converted to SI once at load, and a ``source`` string with the provenance tag of the physics spec
(§0.1). A property is a constant, an expression in the electron and lattice temperatures
``T_e``, ``T_l`` [K], or a piecewise-linear table in one of them; it is evaluated with numpy
(:meth:`Property.numpy`) or as a UFL expression for DOLFINx forms (:meth:`Property.ufl`).

Example::

    from femmag.materials import Library, get_material

    film = get_material("CoPt_S003A")
    film.prop("electron_heat_capacity_coefficient").value   # 700.0 J/(m^3 K^2)
    film.refractive_index(800e-9)                           # (2.673+4.883j)
    lib = Library.default().override("CoPt_S003A", electron_phonon_coupling="2e18 W/(m^3 K)")

Libraries are immutable: :meth:`Library.add`, :meth:`Library.override` and
:meth:`Library.merge_toml` return new libraries, so the cached default never changes.

Modules: :mod:`~femmag.materials.schema` (kinds, canonical property names and units),
:mod:`~femmag.materials.expressions` (the safe expression language),
:mod:`~femmag.materials.properties` (:class:`Property`), :mod:`~femmag.materials.optical`
(:class:`RefractiveIndex`), :mod:`~femmag.materials.material` (:class:`Material`,
:class:`Interface`), :mod:`~femmag.materials.reader` (the TOML format) and
:mod:`~femmag.materials.library` (:class:`Library`, :func:`get_material`);
:mod:`~femmag.materials.kernel_parameters` reads the parameter sets of the kernels from a material.
"""

from femmag.materials.errors import MaterialError, MissingPropertyError, UnknownMaterialError
from femmag.materials.kernel_parameters import m3tm_parameters, micromagnetic_parameters
from femmag.materials.library import DEFAULT_TOML, Library, get_material
from femmag.materials.material import Interface, Material
from femmag.materials.optical import RefractiveIndex
from femmag.materials.properties import Property
from femmag.materials.schema import (
    INTERFACE_PROPERTIES,
    KINDS,
    PROPERTIES,
    TEMPERATURE_VARIABLES,
    PropertyInfo,
)

__all__ = [
    "DEFAULT_TOML",
    "INTERFACE_PROPERTIES",
    "KINDS",
    "PROPERTIES",
    "TEMPERATURE_VARIABLES",
    "Interface",
    "Library",
    "Material",
    "MaterialError",
    "MissingPropertyError",
    "Property",
    "PropertyInfo",
    "RefractiveIndex",
    "UnknownMaterialError",
    "get_material",
    "m3tm_parameters",
    "micromagnetic_parameters",
]
