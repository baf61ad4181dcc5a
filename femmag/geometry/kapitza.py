"""Kapitza (thermal boundary) conductance at metal/dielectric interfaces as thin resistive layers.

The lattice temperature jumps at a metal/dielectric interface with conductance h_K:
−κ_l ∂_n T_l = h_K (T_l − T_s) (physics-spec §4.2). femmag represents it by a layer of thickness δ
inserted between the two media, with conductivity κ = h_K δ and a negligible heat capacity, so its
thermal resistance δ/κ = 1/h_K: exact in the limit δ → 0 (the stored heat error is C δ ΔT, ~1e-4 of
the film's for δ = 0.1 nm), and it needs no discontinuous spaces. The layer is optically
transparent and index-matched to the dielectric (so the optics are unchanged to O(k0 δ)), has no
electrons (they stay blocked at the metal) and is meshed with one cell across.

Values come from the materials library's interface table (``kapitza_conductance`` of
``[interfaces."A|B"]``; ``inf`` means perfect contact) or are given explicitly.
"""

from __future__ import annotations

import math
from typing import Any

from femmag.units import to_si

#: heat capacity of the resistive layer [J/(m³ K)]: small, but nonzero keeps its nodes' rows regular
KAPITZA_LAYER_HEAT_CAPACITY = 1e3


def _is_metal(library: Any, material: str) -> bool:
    return library.get(material).has("electron_phonon_coupling")


def insert_kapitza_layers(stack: Any, library: Any, *, conductance: Any = None,
                          thickness: Any = "0.1 nm") -> tuple[Any, Any]:
    """Insert a resistive layer at every metal/dielectric interface of ``stack``.

    Args:
        stack: the :class:`~femmag.geometry.stack.Stack`.
        library: the materials library.
        conductance: h_K for every such interface (e.g. ``"1e9 W/(m^2 K)"``); None: take each
            interface's ``kapitza_conductance`` from the library (interfaces without data, or
            with ``inf``, stay in perfect contact).
        thickness: δ of the resistive layers.

    Returns:
        ``(stack, library)``: the new stack and a library holding the generated materials.
    """
    from femmag.geometry.stack import Layer, Stack
    from femmag.materials import Material, Property, RefractiveIndex

    delta = to_si(thickness, "thickness", "Kapitza layer thickness")
    h_given = None if conductance is None else to_si(conductance, "W/(m^2 K)",
                                                     "kapitza conductance")
    if h_given is not None and not h_given > 0:
        raise ValueError(f"kapitza conductance = {conductance!r} must be positive")
    media = [*stack.layers, stack.substrate]
    new_layers = []
    for upper, lower in zip(media[:-1], media[1:], strict=True):
        if upper is not stack.substrate:
            new_layers.append(upper)
        metal_up, metal_low = _is_metal(library, upper.material), _is_metal(library, lower.material)
        if metal_up == metal_low:
            continue
        h = h_given
        if h is None:
            try:
                iface = library.interface(upper.material, lower.material)
            except LookupError:
                continue
            if not iface.has("kapitza_conductance"):
                continue
            h = iface.prop("kapitza_conductance").value
        if not math.isfinite(h):
            continue
        dielectric = lower if metal_up else upper
        name = f"kapitza_{upper.name}"
        n = library.get(dielectric.material).refractive_index
        source = f"femmag: resistive layer for h_K = {h:.3g} W/(m^2 K) at {upper.name}|{lower.name}"
        props = {
            "lattice_thermal_conductivity": Property("lattice_thermal_conductivity", "W/(m K)",
                                                     source, constant=h * delta),
            "lattice_heat_capacity": Property("lattice_heat_capacity", "J/(m^3 K)", source,
                                              constant=KAPITZA_LAYER_HEAT_CAPACITY),
        }
        n800 = complex(n(800e-9)) if callable(n) else 1.0
        optics = RefractiveIndex(source, n=(n800.real,), k=(0.0,))
        library = library.add(Material(name, "dielectric", source, props, optics))
        new_layers.append(Layer(name, name, f"{delta} m", min_cells=1))
    stack = Stack(new_layers, substrate=stack.substrate, ambient=stack.ambient,
                  material_check=library.get)
    return stack, library
