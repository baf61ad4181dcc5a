"""Units: SI inside femmag, conversion at the door.

Every user-facing quantity is given *with its unit*, either as a string (``"2.6 mJ/cm^2"``,
``"140 fs"``, ``"10 um"``) or as a :mod:`pint` quantity, and converted once to SI by
:func:`to_si`. Bare numbers are rejected where a unit is expected, because a fluence of ``2.6``
could be mJ/cm² or J/m² (a factor of 10).

Physical constants (CODATA 2018, SI) live here and nowhere else.
"""

from __future__ import annotations

import difflib
from typing import Any

import pint

#: The one unit registry of femmag (pint). ``Q("2.6 mJ/cm^2")`` builds a quantity.
ureg = pint.UnitRegistry()
ureg.define("bohr_magneton_unit = 9.2740100783e-24 J/T = mu_B = muB")
Q = ureg.Quantity

# --- constants (SI) -------------------------------------------------------------------------
KB = 1.380649e-23  # Boltzmann constant [J/K]
E_CHARGE = 1.602176634e-19  # elementary charge [C]
MU0 = 1.25663706212e-6  # vacuum permeability [T m/A]
EPS0 = 8.8541878128e-12  # vacuum permittivity [F/m]
C0 = 299792458.0  # speed of light [m/s]
MU_B = 9.2740100783e-24  # Bohr magneton [J/T]
HBAR = 1.054571817e-34  # reduced Planck constant [J s]
GAMMA_E = 1.76085963023e11  # electron gyromagnetic ratio |γ| [rad/(s T)] (g = 2.0023)
EV = E_CHARGE  # one electronvolt [J]

# --- convenient SI scale factors (for readable code, not for user input) --------------------
NM = 1e-9
UM = 1e-6
FS = 1e-15
PS = 1e-12
MJ_PER_CM2 = 10.0  # 1 mJ/cm² in J/m²

#: Canonical SI units of the quantity kinds femmag takes as input. `to_si(x, kind)` accepts either
#: a kind from this table or any unit string.
KINDS: dict[str, str] = {
    "fluence": "J/m^2",
    "length": "m",
    "thickness": "m",
    "diameter": "m",
    "wavelength": "m",
    "time": "s",
    "duration": "s",
    "temperature": "K",
    "magnetic_flux_density": "T",
    "field": "T",
    "ife_coefficient": "T*m^2/J",  # tesla per fluence (seed 003: T per mJ/cm²)
    "ife_susceptibility": "A*m/V^2",
    "energy": "J",
    "conductivity": "S/m",
    "power_density": "W/m^3",
    "intensity": "W/m^2",
    "angle": "rad",
    "diffusivity": "m^2/s",
    "density_of_states": "1/(J*m^3)",
    "interface_conductance": "S/m^2",
}

_EXAMPLES: dict[str, str] = {
    "fluence": "'2.6 mJ/cm^2'",
    "length": "'10 nm'",
    "thickness": "'10 nm'",
    "diameter": "'10 um'",
    "wavelength": "'800 nm'",
    "time": "'1 ps'",
    "duration": "'140 fs'",
    "temperature": "'300 K'",
    "magnetic_flux_density": "'1 T'",
    "field": "'10 mT'",
    "ife_coefficient": "'1 T/(mJ/cm^2)'",
    "ife_susceptibility": "'2.13e-11 A*m/V^2'",
    "energy": "'1 eV'",
    "conductivity": "'8e6 S/m'",
    "angle": "'45 deg'",
    "diffusivity": "'1.7e-4 m^2/s'",
    "density_of_states": "'1.13e48 1/(J*m^3)'",
    "interface_conductance": "'6.5e14 S/m^2'",
}

#: Units an angle may carry (pint treats angles as dimensionless, so "45" or "45 %" would
#: otherwise pass as radians).
_ANGLE_UNITS = frozenset({"radian", "degree", "milliradian", "microradian", "arcminute",
                          "arcsecond"})


class UnitError(ValueError):
    """A quantity came without a unit, with an unknown unit, or with one of the wrong dimension."""


def to_si(value: Any, kind: str, name: str | None = None) -> float:
    """Convert a quantity given with its unit to an SI float.

    Args:
        value: ``"2.6 mJ/cm^2"``, a :class:`pint.Quantity`, or a ``(number, "unit")`` tuple.
        kind: a key of :data:`KINDS` (``"fluence"``, ``"duration"``, ...) or a unit string that
            gives the expected dimension (``"J/m^2"``).
        name: what the value is, for the error message (e.g. ``"Pulse.fluence"``).

    Returns:
        The magnitude in SI base units (float).

    Raises:
        UnitError: bare number, unparsable unit, or wrong dimension; the message says what was
            given, what was expected and gives an example.
    """
    target = KINDS.get(kind, kind)
    label = name or kind
    example = _EXAMPLES.get(kind, f"'1 {target}'")
    if isinstance(value, bool) or isinstance(value, int | float):
        raise UnitError(
            f"{label} = {value!r} has no unit. Give it with its unit, e.g. {label} = {example} "
            f"(expected a {kind} in units compatible with {target})."
        )
    if isinstance(value, tuple) and len(value) == 2:
        value = f"{value[0]} {value[1]}"
    try:
        q = value if isinstance(value, pint.Quantity) else Q(str(value))
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, ValueError,
            AttributeError, TypeError) as err:
        known = ["mJ/cm^2", "J/m^2", "nm", "um", "fs", "ps", "K", "T", "eV", "S/m"]
        hint = difflib.get_close_matches(str(value).split()[-1] if str(value).split() else "",
                                         known, n=1)
        extra = f" Did you mean '{hint[0]}'?" if hint else ""
        raise UnitError(f"{label} = {value!r}: cannot read the unit ({err}).{extra} "
                        f"Example: {label} = {example}.") from None
    if kind == "angle" and str(q.units) not in _ANGLE_UNITS:
        raise UnitError(f"{label} = {value!r} is not an angle with a unit; give it in deg or rad, "
                        f"e.g. {label} = {example}.")
    if q.dimensionless and not Q(1, target).dimensionless:
        raise UnitError(f"{label} = {value!r} has no unit. Give it with its unit, e.g. "
                        f"{label} = {example}.")
    try:
        return float(q.to(target).magnitude)
    except pint.errors.DimensionalityError:
        # pint's gauss is the Gaussian-CGS unit (not tesla-compatible): 1 G = 1e-4 T in SI fields
        if Q(1, target).check("[magnetic_field]") and q.check("[mass]**0.5/[length]**0.5/[time]"):
            return float(q.to("gauss").magnitude * 1e-4 * Q(1, "T").to(target).magnitude)
        raise UnitError(
            f"{label} = {value!r} has the wrong unit: [{q.units:~}] is not a {kind} "
            f"(expected units compatible with {target}, e.g. {example})."
        ) from None


def fluence(value: Any) -> float:
    """Fluence in J/m² from e.g. ``"2.6 mJ/cm^2"`` (1 mJ/cm² = 10 J/m²)."""
    return to_si(value, "fluence")


def format_si(value: float, unit: str, to: str, fmt: str = ".4g") -> str:
    """Format an SI value in a display unit, e.g. ``format_si(26.0, "J/m^2", "mJ/cm^2")``."""
    return f"{Q(value, unit).to(to).magnitude:{fmt}} {to}"


def to_si_array(value: Any, kind: str, name: str | None = None) -> Any:
    """:func:`to_si` for arrays: a pint quantity array (``Q(t, "ps")``, ``t * ureg.ps``), a
    ``(numbers, "unit")`` tuple or a sequence of quantities → a float numpy array in SI.

    A bare array (or list of numbers) is rejected like a bare number: the message names the
    expected unit and shows how to attach it.
    """
    import numpy as np

    target = KINDS.get(kind, kind)
    label = name or kind
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str):
        value = Q(np.asarray(value[0], dtype=float), value[1])
    if isinstance(value, pint.Quantity):
        try:
            return np.asarray(value.to(target).magnitude, dtype=float)
        except pint.errors.DimensionalityError:
            raise UnitError(f"{label} has the wrong unit: [{value.units:~}] is not a {kind} "
                            f"(expected units compatible with {target}).") from None
    if isinstance(value, str):
        return np.asarray(to_si(value, kind, label), dtype=float)
    items = list(np.ravel(np.asarray(value, dtype=object))) if not np.isscalar(value) else [value]
    if items and all(isinstance(v, str | pint.Quantity) for v in items):
        return np.array([to_si(v, kind, f"{label}[{k}]") for k, v in enumerate(items)],
                        dtype=float).reshape(np.shape(np.asarray(value, dtype=object)))
    raise UnitError(f"{label} has no unit. Give the numbers with their unit, e.g. "
                    f"{label} = Q(values, '{target}') or (values, '{target}') "
                    f"(expected a {kind} in units compatible with {target}).")
