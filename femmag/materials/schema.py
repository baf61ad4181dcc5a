"""What the library may contain: material kinds and the canonical property names with SI units."""

from __future__ import annotations

from dataclasses import dataclass

from femmag.materials.errors import MaterialError, did_you_mean

__all__ = ["INTERFACE_PROPERTIES", "KINDS", "PROPERTIES", "TEMPERATURE_VARIABLES", "PropertyInfo",
           "property_info"]

#: Material kinds.
KINDS = ("metal", "magnetic metal", "dielectric")

#: Names of the temperature variables that expressions and tables may use [K].
TEMPERATURE_VARIABLES = ("T_e", "T_l")


@dataclass(frozen=True)
class PropertyInfo:
    """What a canonical property name means.

    Attributes:
        unit: SI unit every value is converted to.
        symbol: the symbol of physics-spec.
        description: one line.
        needed_by: the physics that reads it (for error messages).
        nonnegative: whether a negative value is unphysical (rejected at load).
    """

    unit: str
    symbol: str
    description: str
    needed_by: str
    nonnegative: bool = True


_2TM = "the two-temperature model (femmag.physics.heat.module, spec §4)"
_LLB = "the LLB magnetization (spec §5.1-5.5)"
_M3TM = "the M3TM / s-d magnetization (spec §5.6, §6)"
_SPIN = "spin diffusion (spec §7) and s-d transport (spec §6.2)"

#: Canonical material property names → SI unit, symbol, meaning and the physics that needs them.
PROPERTIES: dict[str, PropertyInfo] = {
    "ballistic_range": PropertyInfo(
        "m", "δ_b", "ballistic range of optically excited (hot) electrons",
        "ballistic hot-electron energy transport (femmag.physics.optics.ballistic)"),
    "electron_heat_capacity_coefficient": PropertyInfo(
        "J/(m^3 K^2)", "γ_e", "Sommerfeld coefficient, C_e = γ_e T_e", _2TM),
    "electron_phonon_coupling": PropertyInfo(
        "W/(m^3 K)", "G", "electron-phonon coupling constant", _2TM),
    "lattice_heat_capacity": PropertyInfo(
        "J/(m^3 K)", "C_l", "volumetric lattice heat capacity (dielectrics: their heat capacity)",
        _2TM),
    "electron_thermal_conductivity": PropertyInfo(
        "W/(m K)", "κ_e0", "electronic conductivity at equilibrium, κ_e = κ_e0 T_e/T_l", _2TM),
    "lattice_thermal_conductivity": PropertyInfo(
        "W/(m K)", "κ_l", "phonon conductivity (dielectrics: their conductivity)", _2TM),
    "electrical_conductivity": PropertyInfo(
        "S/m", "σ", "electrical conductivity",
        "the eddy-current induction (spec §3) and spin diffusion D = σ/(e²N) (spec §7)"),
    "curie_temperature": PropertyInfo("K", "T_c", "Curie temperature", f"{_LLB} and {_M3TM}"),
    "saturation_magnetization": PropertyInfo(
        "A/m", "M_s0", "saturation magnetization at 0 K", _LLB),
    "atomic_moment": PropertyInfo(
        "J/T", "μ_at", "magnetic moment per atom (spin)", f"{_LLB} and {_M3TM}"),
    "llb_coupling": PropertyInfo("1", "λ", "LLB coupling-to-bath constant", _LLB),
    "exchange_stiffness": PropertyInfo(
        "J/m", "A0", "exchange stiffness at 0 K", "the LLB exchange field (spec §5.3)"),
    "anisotropy_constant": PropertyInfo(
        "J/m^3", "K0", "uniaxial anisotropy at 0 K (> 0: perpendicular easy axis)",
        "the LLB anisotropy field (spec §5.3)", nonnegative=False),
    "spin_quantum_number": PropertyInfo(
        "1", "S", "spin quantum number of the localized moments", f"{_M3TM} and quantum LLB"),
    "spin_diffusion_length": PropertyInfo("m", "λ_sf", "spin-diffusion length", _SPIN),
    "fermi_dos": PropertyInfo(
        "1/(J m^3)", "N", "density of states at E_F (both spins) per volume", _SPIN),
    "spin_relaxation_time": PropertyInfo(
        "s", "τ_s", "spin relaxation time of conduction electrons", f"{_SPIN} and {_M3TM}"),
    "spin_flip_probability": PropertyInfo(
        "1", "a_sf", "Elliott-Yafet spin-flip probability", _M3TM),
    "debye_temperature": PropertyInfo("K", "T_D", "Debye temperature", _M3TM),
    "m3tm_demagnetization_rate": PropertyInfo(
        "1/s", "R", "M3TM demagnetization rate R", _M3TM),
    "sd_coupling_time": PropertyInfo("s", "τ_sd", "s-d coupling time", _M3TM),
    "sd_rho": PropertyInfo("J", "ρ", "s-d spin-transfer energy ρ = 2 S n_d/ν_F", _M3TM),
}

#: Canonical interface property names.
INTERFACE_PROPERTIES: dict[str, PropertyInfo] = {
    "spin_conductance": PropertyInfo(
        "S/m^2", "G_s", "interface spin conductance (= 1/AR*)",
        "the spin-diffusion interface condition (spec §7.2)"),
    "kapitza_conductance": PropertyInfo(
        "W/(m^2 K)", "h_K", "thermal boundary (Kapitza) conductance; inf = perfect contact",
        "the two-temperature interface condition (spec §4.2)"),
}


def property_info(name: str) -> PropertyInfo:
    """The :class:`PropertyInfo` of a material or interface property (raises if unknown)."""
    if name in PROPERTIES:
        return PROPERTIES[name]
    if name in INTERFACE_PROPERTIES:
        return INTERFACE_PROPERTIES[name]
    known = [*PROPERTIES, *INTERFACE_PROPERTIES]
    raise MaterialError(f"unknown property '{name}'.{did_you_mean(name, known)} Known: "
                        f"{', '.join(known)}")

