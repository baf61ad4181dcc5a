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
"""

from __future__ import annotations

import ast
import difflib
import functools
import math
import operator
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pint

from femmag.units import Q

__all__ = [
    "INTERFACE_PROPERTIES",
    "KINDS",
    "PROPERTIES",
    "Interface",
    "Library",
    "Material",
    "MaterialError",
    "MissingPropertyError",
    "Property",
    "RefractiveIndex",
    "UnknownMaterialError",
    "get_material",
]

#: Path of the packaged library file.
DEFAULT_TOML = Path(__file__).with_name("library.toml")

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

_MATERIAL_META = ("kind", "description", "base")
_INTERFACE_META = ("description",)
_PROPERTY_KEYS = ("value", "expression", "table", "unit", "source", "note")
_OPTICS_KEYS = ("unit", "source", "note", "wavelength_nm", "n", "k", "sellmeier_B",
                "sellmeier_C_um2", "wavelength_range_nm")


# --- errors ---------------------------------------------------------------------------------
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


def _did_you_mean(name: str, candidates: Any) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.5)
    if not close:  # case-insensitive second try ("co" → "Co")
        lower = {str(c).lower(): c for c in candidates}
        close = [lower[name.lower()]] if name.lower() in lower else []
    return f" Did you mean '{close[0]}'?" if close else ""


# --- safe expression evaluation -------------------------------------------------------------
_BINARY_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow,
}
_UNARY_OPS: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCTION_NAMES = ("exp", "log", "ln", "sqrt", "tanh", "sinh", "cosh", "sin", "cos", "tan",
                   "atan", "erf", "abs", "min", "max")
_CONSTANTS = {"pi": math.pi}


def _numpy_functions() -> dict[str, Callable[..., Any]]:
    from scipy.special import erf

    return {"exp": np.exp, "log": np.log, "ln": np.log, "sqrt": np.sqrt, "tanh": np.tanh,
            "sinh": np.sinh, "cosh": np.cosh, "sin": np.sin, "cos": np.cos, "tan": np.tan,
            "atan": np.arctan, "erf": erf, "abs": np.abs, "min": np.minimum, "max": np.maximum}


def _ufl_functions() -> dict[str, Callable[..., Any]]:
    import ufl

    return {"exp": ufl.exp, "log": ufl.ln, "ln": ufl.ln, "sqrt": ufl.sqrt, "tanh": ufl.tanh,
            "sinh": ufl.sinh, "cosh": ufl.cosh, "sin": ufl.sin, "cos": ufl.cos, "tan": ufl.tan,
            "atan": ufl.atan, "erf": ufl.erf, "abs": abs, "min": ufl.min_value,
            "max": ufl.max_value}


@functools.lru_cache(maxsize=256)
def _parse_expression(text: str) -> tuple[ast.Expression, frozenset[str]]:
    """Parse and check an expression; return the tree and the temperature variables it uses.

    Raises:
        ValueError: syntax error or a name/construct outside the allowed set (message without
            location; the caller adds file, material and key).
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ValueError(f"cannot parse expression {text!r} ({err.msg})") from None
    used: set[str] = set()
    # names in call position are checked by the Call branch; elsewhere only variables/constants
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.Load) or id(node) in callees:
            continue
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ValueError(f"expression {text!r}: only numbers are allowed as constants, "
                                 f"not {node.value!r}")
        elif isinstance(node, ast.Name):
            if node.id in TEMPERATURE_VARIABLES:
                used.add(node.id)
            elif node.id not in _CONSTANTS:
                hint = _did_you_mean(node.id, (*TEMPERATURE_VARIABLES, *_CONSTANTS))
                raise ValueError(
                    f"expression {text!r}: unknown name '{node.id}'.{hint} "
                    f"Allowed: variables {', '.join(TEMPERATURE_VARIABLES)} [K], constant pi, "
                    f"functions {', '.join(_FUNCTION_NAMES)}")
        elif isinstance(node, ast.Call):
            if (not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTION_NAMES
                    or node.keywords):
                called = ast.unparse(node.func)
                raise ValueError(f"expression {text!r}: '{called}(...)' is not an allowed "
                                 f"function; use one of {', '.join(_FUNCTION_NAMES)}")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY_OPS:
                hint = " (use ** for powers)" if isinstance(node.op, ast.BitXor) else ""
                raise ValueError(f"expression {text!r}: operator "
                                 f"{type(node.op).__name__} is not allowed{hint}")
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY_OPS:
                raise ValueError(f"expression {text!r}: operator "
                                 f"{type(node.op).__name__} is not allowed")
        elif not isinstance(node, ast.operator | ast.unaryop):
            raise ValueError(f"expression {text!r}: '{ast.unparse(node)}' "
                             f"({type(node).__name__}) is not allowed; use numbers, T_e, T_l, "
                             f"+ - * / ** and the functions {', '.join(_FUNCTION_NAMES)}")
    return tree, frozenset(used)


def _evaluate(node: ast.AST, names: Mapping[str, Any], functions: Mapping[str, Callable]) -> Any:
    """Evaluate a checked expression tree with the given variables and function set."""
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, names, functions)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return _CONSTANTS[node.id] if node.id in _CONSTANTS else names[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY_OPS[type(node.op)](_evaluate(node.left, names, functions),
                                          _evaluate(node.right, names, functions))
    if isinstance(node, ast.UnaryOp):
        return _UNARY_OPS[type(node.op)](_evaluate(node.operand, names, functions))
    if isinstance(node, ast.Call):
        args = [_evaluate(a, names, functions) for a in node.args]
        return functions[node.func.id](*args)  # type: ignore[attr-defined]
    raise MaterialError(f"unexpected expression node {type(node).__name__}")  # pragma: no cover


def _si_factor(unit: str, si_unit: str) -> float:
    """Multiplicative factor from ``unit`` to ``si_unit`` (raises on a wrong dimension).

    ``unit`` may carry a scale (``"1e18 W/(m^3 K)"``); offset units (degC) are rejected because
    expressions and tables are scaled by a factor.
    """
    q = Q(unit)
    factor = float(q.to(si_unit).magnitude)
    if float((0 * q).to(si_unit).magnitude) != 0.0:
        raise ValueError(f"offset unit '{unit}' cannot be used here; give the value in K")
    return factor


# --- Property --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Property:
    """One material (or interface) property, in SI, with its source.

    Exactly one of the three forms is set: ``constant`` (a float), ``expression`` (a formula in
    ``T_e``, ``T_l`` [K], multiplied by ``scale`` to reach SI) or a table (``table_variable``,
    ``table_temperatures`` [K], ``table_values`` already in SI; piecewise linear, constant
    extrapolation).

    Attributes:
        name: canonical property name, e.g. ``"electron_phonon_coupling"``.
        unit: SI unit string of the values returned, e.g. ``"W/(m^3 K)"``.
        source: provenance (physics-spec tag), e.g. ``"[DER] physics-spec §4.5 S003-A"``.
        constant: the SI value of a constant property.
        expression: formula text (in ``input_unit``) of an expression property.
        scale: factor from ``input_unit`` to SI for an expression.
        table_variable: ``"T_e"`` or ``"T_l"`` for a table property.
        table_temperatures: table abscissae [K], strictly increasing.
        table_values: table ordinates in SI.
        input_unit: the unit the value was given in (for display).
        owner: material or interface name (for messages).
        note: optional free text.
    """

    name: str
    unit: str
    source: str
    constant: float | None = None
    expression: str | None = None
    scale: float = 1.0
    table_variable: str | None = None
    table_temperatures: tuple[float, ...] = ()
    table_values: tuple[float, ...] = ()
    input_unit: str = ""
    owner: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        forms = [self.constant is not None, self.expression is not None,
                 self.table_variable is not None]
        if sum(forms) != 1:
            raise MaterialError(f"property '{self.name}' of '{self.owner}': give exactly one of "
                                f"a constant value, an expression or a table")
        if self.expression is not None:
            try:
                _parse_expression(self.expression)
            except ValueError as err:
                raise MaterialError(f"property '{self.name}' of '{self.owner}': {err}") from None
        if self.table_variable is not None:
            if self.table_variable not in TEMPERATURE_VARIABLES:
                raise MaterialError(f"property '{self.name}' of '{self.owner}': table variable "
                                    f"'{self.table_variable}' must be T_e or T_l")
            if len(self.table_temperatures) != len(self.table_values) or not self.table_values:
                raise MaterialError(f"property '{self.name}' of '{self.owner}': the table needs "
                                    f"as many values as temperatures (at least one)")
            if np.any(np.diff(self.table_temperatures) <= 0):
                raise MaterialError(f"property '{self.name}' of '{self.owner}': table "
                                    f"temperatures must increase strictly, got "
                                    f"{list(self.table_temperatures)}")

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_quantity(cls, name: str, quantity: Any, source: str, si_unit: str | None = None,
                      owner: str = "") -> Property:
        """A constant property from ``"3e18 W/(m^3 K)"``, a pint quantity or a number.

        Args:
            name: canonical property name (its SI unit is looked up in :data:`PROPERTIES`).
            quantity: value with its unit; a bare number only for dimensionless properties.
            source: provenance string.
            si_unit: SI unit (default: from :data:`PROPERTIES` / :data:`INTERFACE_PROPERTIES`).
            owner: material name, for messages.
        """
        si = si_unit or _info(name).unit
        if isinstance(quantity, bool):
            raise MaterialError(f"{owner}.{name} = {quantity!r}: not a number")
        if isinstance(quantity, int | float):
            if not Q(1.0, si).dimensionless:
                raise MaterialError(f"{owner}.{name} = {quantity!r} has no unit: give it with its "
                                    f"unit, e.g. '{quantity} {si}'")
            return cls(name, si, source, constant=float(quantity), input_unit="1", owner=owner)
        try:
            q = quantity if isinstance(quantity, pint.Quantity) else Q(str(quantity))
            value = float(q.to(si).magnitude)
        except pint.errors.DimensionalityError:
            raise MaterialError(f"{owner}.{name} = {quantity!r}: wrong unit, expected units "
                                f"compatible with {si}") from None
        except (pint.errors.PintError, ValueError, TypeError, AttributeError) as err:
            raise MaterialError(f"{owner}.{name} = {quantity!r}: cannot read it ({err}); give "
                                f"'<number> <unit>', e.g. '1 {si}'") from None
        return cls(name, si, source, constant=value, input_unit=f"{q.units:~}", owner=owner)

    # -- queries --------------------------------------------------------------------------------
    @property
    def is_constant(self) -> bool:
        """True for a temperature-independent property."""
        return self.constant is not None

    @property
    def form(self) -> str:
        """``"constant"``, ``"expression"`` or ``"table"``."""
        if self.constant is not None:
            return "constant"
        return "expression" if self.expression is not None else "table"

    @property
    def variables(self) -> frozenset[str]:
        """Temperature variables the property depends on (subset of {"T_e", "T_l"})."""
        if self.expression is not None:
            return _parse_expression(self.expression)[1]
        if self.table_variable is not None:
            return frozenset({self.table_variable})
        return frozenset()

    @property
    def value(self) -> float:
        """The SI value of a constant property.

        Raises:
            MaterialError: the property depends on temperature.
        """
        if self.constant is None:
            raise MaterialError(
                f"property '{self.name}' of '{self.owner}' depends on temperature ({self.form}: "
                f"{self.describe()}); evaluate it with .numpy(T_e, T_l) or .ufl(T_e, T_l)")
        return self.constant

    def describe(self) -> str:
        """Short text of the value, e.g. ``"700 J/(m^3 K^2)"``."""
        if self.constant is not None:
            return f"{self.constant:.6g} {self.unit}"
        if self.expression is not None:
            scale = "" if self.scale == 1.0 else f" [{self.input_unit}; ×{self.scale:.6g} to SI]"
            return f"{self.expression}{scale}"
        return (f"table in {self.table_variable} over {self.table_temperatures[0]:g}-"
                f"{self.table_temperatures[-1]:g} K [{self.unit}]")

    def _need(self, T_e: Any, T_l: Any) -> dict[str, Any]:
        env = {"T_e": T_e, "T_l": T_l}
        missing = [v for v in sorted(self.variables) if env[v] is None]
        if missing:
            raise MaterialError(f"property '{self.name}' of '{self.owner}' depends on "
                                f"{', '.join(missing)}: pass it (in K)")
        return env

    # -- evaluation -------------------------------------------------------------------------------
    def numpy(self, T_e: npt.ArrayLike | None = None,
              T_l: npt.ArrayLike | None = None) -> np.ndarray:
        """Evaluate in SI on arrays of temperatures (vectorized, broadcast).

        Args:
            T_e: electron temperature [K] (needed if the property depends on it).
            T_l: lattice temperature [K] (needed if the property depends on it).

        Returns:
            Array of the broadcast shape of the given temperatures (0-d for scalars).
        """
        env = self._need(T_e, T_l)
        arrays = {k: np.asarray(v, dtype=float) for k, v in env.items() if v is not None}
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values())) if arrays else ()
        if self.constant is not None:
            return np.full(shape, self.constant)
        if self.expression is not None:
            tree = _parse_expression(self.expression)[0]
            out = self.scale * np.asarray(_evaluate(tree, arrays, _numpy_functions()), float)
        else:
            out = np.interp(arrays[self.table_variable], self.table_temperatures,
                            self.table_values)
        return np.array(np.broadcast_to(out, shape), dtype=float)

    def ufl(self, T_e: Any = None, T_l: Any = None) -> Any:
        """The property as a UFL expression of ``T_e``, ``T_l`` (for DOLFINx forms).

        Args:
            T_e: electron temperature [K]: a UFL expression (Function, component, Constant).
            T_l: lattice temperature [K], likewise.

        Returns:
            A float for constants; otherwise a UFL expression (tables become a chain of
            ``ufl.conditional`` pieces, linear between the table points, constant outside).
        """
        if self.constant is not None:
            return self.constant
        env = self._need(T_e, T_l)
        import ufl

        if self.expression is not None:
            tree = _parse_expression(self.expression)[0]
            expr = _evaluate(tree, env, _ufl_functions())
            return expr if self.scale == 1.0 else self.scale * expr
        x = env[self.table_variable]
        xs, ys = self.table_temperatures, self.table_values
        piecewise: Any = ys[-1]  # constant beyond the last point
        for i in reversed(range(len(xs) - 1)):
            slope = (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i])
            piecewise = ufl.conditional(ufl.lt(x, xs[i + 1]), ys[i] + slope * (x - xs[i]),
                                        piecewise)
        return ufl.conditional(ufl.lt(x, xs[0]), ys[0], piecewise)


def _info(name: str) -> PropertyInfo:
    if name in PROPERTIES:
        return PROPERTIES[name]
    if name in INTERFACE_PROPERTIES:
        return INTERFACE_PROPERTIES[name]
    known = [*PROPERTIES, *INTERFACE_PROPERTIES]
    raise MaterialError(f"unknown property '{name}'.{_did_you_mean(name, known)} Known: "
                        f"{', '.join(known)}")


# --- refractive index ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RefractiveIndex:
    """Complex refractive index n + ik (k ≥ 0 absorbing; time convention e^{-iωt}).

    One of: a table over wavelength (linear interpolation of n and k, no extrapolation), a
    Sellmeier formula (transparent dielectrics), or a wavelength-independent value.

    Attributes:
        source: provenance string.
        wavelengths: table wavelengths [m] (empty for the other forms).
        n, k: table (or constant, one entry) real and imaginary parts.
        sellmeier_B: Sellmeier B coefficients (dimensionless).
        sellmeier_C: Sellmeier C coefficients [m²].
        valid_range: (min, max) wavelength [m] where the data hold.
        owner: material name (for messages).
    """

    source: str
    wavelengths: tuple[float, ...] = ()
    n: tuple[float, ...] = ()
    k: tuple[float, ...] = ()
    sellmeier_B: tuple[float, ...] = ()
    sellmeier_C: tuple[float, ...] = ()
    valid_range: tuple[float, float] = (0.0, math.inf)
    owner: str = ""

    @property
    def form(self) -> str:
        """``"table"``, ``"sellmeier"`` or ``"constant"``."""
        if self.sellmeier_B:
            return "sellmeier"
        return "table" if self.wavelengths else "constant"

    def __call__(self, wavelength: Any) -> complex | np.ndarray:
        """n + ik at ``wavelength`` [m] (float, array, or a string with unit like ``"800 nm"``).

        Raises:
            MaterialError: wavelength outside the data range, or not positive.
        """
        if isinstance(wavelength, str | pint.Quantity):
            from femmag.units import to_si

            wavelength = to_si(wavelength, "wavelength", f"{self.owner} wavelength")
        lam = np.asarray(wavelength, dtype=float)
        lo, hi = self.valid_range
        # a relative tolerance so that 800e-9 m matches a table end given as 800 nm
        bad = (lam <= 0) | (lam < lo * (1 - 1e-9)) | (lam > hi * (1 + 1e-9))
        if np.any(bad):
            worst = float(np.atleast_1d(lam)[np.atleast_1d(bad)][0])
            rng = (f"{lo * 1e9:g}-{hi * 1e9:g} nm" if math.isfinite(hi) else f"> {lo * 1e9:g} nm")
            raise MaterialError(
                f"material '{self.owner}': refractive index known for {rng} only, asked at "
                f"{worst * 1e9:g} nm ({worst:g} m; wavelengths are in metres). Add data for this "
                f"wavelength in a user TOML (Library.merge_toml) or choose a wavelength inside "
                f"the range")
        if self.form == "table":
            lam_c = np.clip(lam, self.wavelengths[0], self.wavelengths[-1])
            out = np.interp(lam_c, self.wavelengths, self.n) + 1j * np.interp(
                lam_c, self.wavelengths, self.k)
        elif self.form == "sellmeier":
            lam2 = lam**2
            eps = 1.0 + sum(b * lam2 / (lam2 - c) for b, c in zip(self.sellmeier_B,
                                                                  self.sellmeier_C, strict=True))
            out = np.sqrt(eps) + 0j
        else:
            out = np.full(lam.shape, self.n[0] + 1j * self.k[0])
        return complex(out) if out.ndim == 0 else out


# --- Material and Interface ---------------------------------------------------------------------
def _frozen_mapping(obj: Any, attr: str) -> None:
    object.__setattr__(obj, attr, MappingProxyType(dict(getattr(obj, attr))))


@dataclass(frozen=True, eq=False)
class Material:
    """A material: kind, description, properties (SI, with sources) and optical constants.

    Attributes:
        name: library key, e.g. ``"CoPt_S003A"``.
        kind: ``"metal"``, ``"magnetic metal"`` or ``"dielectric"``.
        description: one line.
        properties: canonical name → :class:`Property` (read-only mapping).
        optics: the refractive index (None if not given).
        origin: file the material was read from (for messages).
    """

    name: str
    kind: str
    description: str = ""
    properties: Mapping[str, Property] = field(default_factory=dict)
    optics: RefractiveIndex | None = None
    origin: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MaterialError(f"material '{self.name}': kind = {self.kind!r} is not one of "
                                f"{KINDS}.{_did_you_mean(self.kind, KINDS)}")
        for key, prop in self.properties.items():
            if key != prop.name:
                raise MaterialError(f"material '{self.name}': property stored under '{key}' "
                                    f"is named '{prop.name}'")
            _info(key)
        _frozen_mapping(self, "properties")

    @property
    def is_metal(self) -> bool:
        """True for metals (magnetic or not): two temperatures, conduction electrons."""
        return self.kind in ("metal", "magnetic metal")

    @property
    def is_magnetic(self) -> bool:
        """True for magnetic metals."""
        return self.kind == "magnetic metal"

    def has(self, name: str) -> bool:
        """Whether the material has property ``name`` (``"refractive_index"`` included)."""
        if name == "refractive_index":
            return self.optics is not None
        return name in self.properties

    def prop(self, name: str) -> Property:
        """The property ``name``.

        Raises:
            MissingPropertyError: (a KeyError) the material lacks it; the message lists what it
                has and which physics needs the missing one.
        """
        try:
            return self.properties[name]
        except KeyError:
            pass
        if name in PROPERTIES:
            why = (f" ('{name}' [{PROPERTIES[name].unit}] is needed by "
                   f"{PROPERTIES[name].needed_by})")
        else:
            why = f" ('{name}' is not a known property name.{_did_you_mean(name, PROPERTIES)})"
        raise MissingPropertyError(
            f"material '{self.name}' ({self.kind}) has no property '{name}'{why}. It has: "
            f"{', '.join(self.properties) or 'none'}. Add it in a user TOML "
            f"(Library.merge_toml) or with Library.override('{self.name}', {name}='<value> "
            f"<unit>')")

    def refractive_index(self, wavelength: Any) -> complex | np.ndarray:
        """Complex refractive index n + ik (k ≥ 0) at ``wavelength`` [m] (or ``"800 nm"``)."""
        if self.optics is None:
            raise MissingPropertyError(f"material '{self.name}' has no refractive_index (needed "
                                       f"by the optics, spec §1); add a [{self.name}."
                                       f"refractive_index] table")
        return self.optics(wavelength)

    def permittivity(self, wavelength: Any) -> complex | np.ndarray:
        """Relative permittivity ε = (n + ik)² at ``wavelength`` [m]."""
        return self.refractive_index(wavelength) ** 2

    def with_properties(self, **props: Property) -> Material:
        """A copy with properties added or replaced."""
        return replace(self, properties={**self.properties, **props})

    def __repr__(self) -> str:
        return (f"Material({self.name!r}, kind={self.kind!r}, properties="
                f"{list(self.properties)}, optics={self.optics.form if self.optics else None})")


@dataclass(frozen=True, eq=False)
class Interface:
    """Properties of the interface between two materials (order-insensitive).

    Attributes:
        materials: the two material names, sorted.
        label: variant label ("" for the default interface of the pair).
        description: one line.
        properties: ``spin_conductance`` [S/m²], ``kapitza_conductance`` [W/(m² K)].
        origin: file it was read from.
    """

    materials: tuple[str, str]
    label: str = ""
    description: str = ""
    properties: Mapping[str, Property] = field(default_factory=dict)
    origin: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "materials", tuple(sorted(self.materials)))
        _frozen_mapping(self, "properties")

    @property
    def name(self) -> str:
        """``"A|B"`` or ``"A|B:label"``."""
        base = "|".join(self.materials)
        return f"{base}:{self.label}" if self.label else base

    def has(self, name: str) -> bool:
        """Whether the interface has property ``name``."""
        return name in self.properties

    def prop(self, name: str) -> Property:
        """The property ``name`` (raises :class:`MissingPropertyError` with what it has)."""
        if name in self.properties:
            return self.properties[name]
        need = (f" (needed by {INTERFACE_PROPERTIES[name].needed_by})"
                if name in INTERFACE_PROPERTIES else
                f" (not an interface property.{_did_you_mean(name, INTERFACE_PROPERTIES)})")
        raise MissingPropertyError(f"interface '{self.name}' has no '{name}'{need}. It has: "
                                   f"{', '.join(self.properties) or 'none'}")


# --- TOML parsing ----------------------------------------------------------------------------
def _parse_property(name: str, entry: Any, where: str, owner: str, info: PropertyInfo) -> Property:
    """Build a Property from its TOML table, validating keys, unit, source and sign."""
    if not isinstance(entry, dict):
        raise MaterialError(f"{where}: '{name}' must be a table with value/expression/table, unit "
                            f"and source, e.g. [{owner}.{name}] value = 1.0, unit = "
                            f"\"{info.unit}\", source = \"...\" (got {entry!r})")
    for key in entry:
        if key not in _PROPERTY_KEYS:
            raise MaterialError(f"{where}: unknown key '{key}'.{_did_you_mean(key, _PROPERTY_KEYS)}"
                                f" Allowed: {', '.join(_PROPERTY_KEYS)}")
    for key in ("unit", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise MaterialError(f"{where}: missing '{key}' (every value needs a unit and a "
                                f"source string; the SI unit is {info.unit})")
    forms = [k for k in ("value", "expression", "table") if k in entry]
    if len(forms) != 1:
        raise MaterialError(f"{where}: give exactly one of 'value', 'expression' or 'table' "
                            f"(got {forms or 'none'})")
    unit = entry["unit"]
    try:
        scale = _si_factor(unit, info.unit)
    except pint.errors.DimensionalityError:
        raise MaterialError(f"{where}: unit '{unit}' is not compatible with {info.unit}") from None
    except (pint.errors.PintError, ValueError, TypeError, AttributeError) as err:
        raise MaterialError(f"{where}: cannot read unit '{unit}' ({err})") from None
    common = dict(name=name, unit=info.unit, source=entry["source"], input_unit=unit,
                  owner=owner, note=str(entry.get("note", "")))
    allow_inf = name == "kapitza_conductance"
    try:
        if "value" in entry:
            raw = entry["value"]
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise MaterialError(f"{where}: value must be a number, got {raw!r}")
            value = float(raw) * scale
            _check_values(np.array([value]), where, info, allow_inf)
            return Property(constant=value, **common)
        if "expression" in entry:
            text = entry["expression"]
            if not isinstance(text, str):
                raise MaterialError(f"{where}: expression must be a string, got {text!r}")
            try:
                _parse_expression(text)
            except ValueError as err:
                raise MaterialError(f"{where}: {err}") from None
            prop = Property(expression=text, scale=scale, **common)
            # sign check at room temperature only: fits may legitimately leave their range
            sample = prop.numpy(T_e=300.0, T_l=300.0)
            _check_values(np.atleast_1d(sample), where + " (at T_e = T_l = 300 K)", info, False)
            return prop
        table = entry["table"]
        if not isinstance(table, dict) or "value" not in table or len(table) != 2:
            raise MaterialError(f"{where}: table must be {{T_e = [...], value = [...]}} (or T_l), "
                                f"got {table!r}")
        (variable,) = [k for k in table if k != "value"]
        if variable not in TEMPERATURE_VARIABLES:
            raise MaterialError(f"{where}: table variable '{variable}' must be T_e or T_l (K)."
                                f"{_did_you_mean(variable, TEMPERATURE_VARIABLES)}")
        temps = np.asarray(table[variable], dtype=float)
        values = scale * np.asarray(table["value"], dtype=float)
        if temps.ndim != 1 or temps.shape != values.shape or temps.size == 0:
            raise MaterialError(f"{where}: table {variable} and value must be lists of the same "
                                f"length (got {temps.size} and {values.size})")
        if np.any(np.diff(temps) <= 0):
            raise MaterialError(f"{where}: table {variable} must increase strictly, got "
                                f"{temps.tolist()}")
        _check_values(values, where, info, False)
        return Property(table_variable=variable, table_temperatures=tuple(temps.tolist()),
                        table_values=tuple(values.tolist()), **common)
    except (TypeError, ValueError) as err:
        if isinstance(err, MaterialError):
            raise
        raise MaterialError(f"{where}: {err}") from None


def _check_values(values: np.ndarray, where: str, info: PropertyInfo, allow_inf: bool) -> None:
    if np.any(np.isnan(values)) or (not allow_inf and np.any(np.isinf(values))):
        raise MaterialError(f"{where}: value is not finite ({values.tolist()})")
    if info.nonnegative and np.any(values < 0):
        raise MaterialError(f"{where}: negative value {float(values.min()):g} {info.unit} is "
                            f"unphysical for {info.description} ({info.symbol})")


def _parse_optics(entry: Any, where: str, owner: str) -> RefractiveIndex:
    if not isinstance(entry, dict):
        raise MaterialError(f"{where}: refractive_index must be a table")
    for key in entry:
        if key not in _OPTICS_KEYS:
            raise MaterialError(f"{where}: unknown key '{key}'.{_did_you_mean(key, _OPTICS_KEYS)}"
                                f" Allowed: {', '.join(_OPTICS_KEYS)}")
    for key in ("unit", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise MaterialError(f"{where}: missing '{key}' (unit = \"1\" and a source string)")
    if not Q(1.0, entry["unit"]).dimensionless or _si_factor(entry["unit"], "1") != 1.0:
        raise MaterialError(f"{where}: unit must be \"1\" (n and k are dimensionless)")
    source = entry["source"]
    try:
        if "sellmeier_B" in entry or "sellmeier_C_um2" in entry:
            b = tuple(float(x) for x in entry["sellmeier_B"])
            c = tuple(float(x) * 1e-12 for x in entry["sellmeier_C_um2"])
            if len(b) != len(c) or not b:
                raise MaterialError(f"{where}: sellmeier_B and sellmeier_C_um2 need the same "
                                    f"length")
            lo, hi = (float(x) * 1e-9 for x in entry["wavelength_range_nm"])
            return RefractiveIndex(source, sellmeier_B=b, sellmeier_C=c, valid_range=(lo, hi),
                                   owner=owner)
        if "wavelength_nm" in entry:
            lam = np.asarray(entry["wavelength_nm"], dtype=float) * 1e-9
            n = np.asarray(entry["n"], dtype=float)
            k = np.asarray(entry["k"], dtype=float)
            if lam.ndim != 1 or lam.size < 2 or n.shape != lam.shape or k.shape != lam.shape:
                raise MaterialError(f"{where}: wavelength_nm, n and k must be lists of the same "
                                    f"length (at least 2 points; for a constant index give "
                                    f"n = ..., k = ... without wavelength_nm)")
            if np.any(np.diff(lam) <= 0):
                raise MaterialError(f"{where}: wavelength_nm must increase strictly")
        else:
            n = np.atleast_1d(np.asarray(entry["n"], dtype=float))
            k = np.atleast_1d(np.asarray(entry.get("k", 0.0), dtype=float))
            lam = np.array([])
            if n.size != 1 or k.size != 1:
                raise MaterialError(f"{where}: a wavelength-independent index takes scalar n "
                                    f"and k; for a table give wavelength_nm = [...]")
    except KeyError as err:
        raise MaterialError(f"{where}: missing {err.args[0]!r}; give either wavelength_nm, n, k "
                            f"or sellmeier_B, sellmeier_C_um2, wavelength_range_nm, or scalar n, "
                            f"k") from None
    except (TypeError, ValueError) as err:
        raise MaterialError(f"{where}: {err}") from None
    if np.any(k < 0):
        raise MaterialError(f"{where}: k = {k.tolist()} has a negative entry; femmag uses "
                            f"n + ik with k >= 0 for absorbing media")
    if np.any(n <= 0):
        raise MaterialError(f"{where}: n = {n.tolist()} must be positive")
    rng = (float(lam[0]), float(lam[-1])) if lam.size else (0.0, math.inf)
    return RefractiveIndex(source, wavelengths=tuple(lam.tolist()), n=tuple(n.tolist()),
                           k=tuple(k.tolist()), valid_range=rng, owner=owner)


def _parse_interface_key(key: str, where: str) -> tuple[tuple[str, str], str]:
    pair, _, label = key.partition(":")
    names = [s.strip() for s in pair.split("|")]
    if len(names) != 2 or not all(names):
        raise MaterialError(f"{where}: interface name '{key}' must be \"A|B\" or \"A|B:label\"")
    return (names[0], names[1]), label.strip()


def _read_toml(path: Path, known: Mapping[str, Material]) -> tuple[dict[str, Material],
                                                                   dict[Any, Interface]]:
    """Parse one library file; ``known`` provides materials that ``base = ...`` may refer to."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise MaterialError(f"materials file {path} not found") from None
    except tomllib.TOMLDecodeError as err:
        raise MaterialError(f"{path}: not valid TOML ({err})") from None
    raw_interfaces = data.pop("interfaces", {})
    built: dict[str, Material] = {}

    def build(name: str, chain: tuple[str, ...] = ()) -> Material:
        if name in built:
            return built[name]
        entry = data[name]
        where = f"{path}: [{name}]"
        if not isinstance(entry, dict):
            raise MaterialError(f"{where}: a material must be a table ([{name}] with kind, "
                                f"description and property sub-tables)")
        properties: dict[str, Property] = {}
        optics = None
        kind = entry.get("kind")
        description = entry.get("description", "")
        base_name = entry.get("base")
        if base_name is not None:
            if base_name in chain or base_name == name:
                raise MaterialError(f"{where}: circular base chain {' -> '.join((*chain, name))}")
            if base_name in data and isinstance(data[base_name], dict):
                base = build(base_name, (*chain, name))
            elif base_name in known:
                base = known[base_name]
            else:
                raise MaterialError(f"{where}: base = '{base_name}' is not a known material."
                                    f"{_did_you_mean(base_name, [*data, *known])}")
            properties.update(base.properties)
            optics = base.optics
            kind = kind or base.kind
        if kind is None:
            raise MaterialError(f"{where}: missing 'kind' (one of {', '.join(KINDS)})")
        if kind not in KINDS:
            raise MaterialError(f"{where}: kind = {kind!r} is not one of {KINDS}."
                                f"{_did_you_mean(str(kind), KINDS)}")
        for key, value in entry.items():
            if key in _MATERIAL_META:
                continue
            kwhere = f"{path}: [{name}.{key}]"
            if key == "refractive_index":
                optics = _parse_optics(value, kwhere, name)
            elif key in PROPERTIES:
                properties[key] = _parse_property(key, value, kwhere, name, PROPERTIES[key])
            else:
                options = [*_MATERIAL_META, "refractive_index", *PROPERTIES]
                raise MaterialError(f"{path}: [{name}]: unknown key '{key}'."
                                    f"{_did_you_mean(key, options)} Allowed: kind, description, "
                                    f"base, refractive_index and the properties "
                                    f"{', '.join(PROPERTIES)}")
        built[name] = Material(name, kind, str(description), properties, optics, str(path))
        return built[name]

    for name in data:
        build(name)
    if not isinstance(raw_interfaces, dict):
        raise MaterialError(f"{path}: 'interfaces' must be a table of [interfaces.\"A|B\"]")
    interfaces: dict[Any, Interface] = {}
    for key, entry in raw_interfaces.items():
        where = f"{path}: [interfaces.\"{key}\"]"
        pair, label = _parse_interface_key(key, where)
        if not isinstance(entry, dict):
            raise MaterialError(f"{where}: must be a table of interface properties")
        props: dict[str, Property] = {}
        for pkey, value in entry.items():
            if pkey in _INTERFACE_META:
                continue
            if pkey not in INTERFACE_PROPERTIES:
                raise MaterialError(f"{where}: unknown key '{pkey}'."
                                    f"{_did_you_mean(pkey, INTERFACE_PROPERTIES)} Allowed: "
                                    f"description, {', '.join(INTERFACE_PROPERTIES)}")
            props[pkey] = _parse_property(pkey, value, f"{where}.{pkey}", key,
                                          INTERFACE_PROPERTIES[pkey])
        iface = Interface(pair, label, str(entry.get("description", "")), props, str(path))
        interfaces[(iface.materials, label)] = iface
    return built, interfaces


# --- Library ----------------------------------------------------------------------------------
class Library:
    """An immutable collection of materials and interfaces.

    Build it with :meth:`default` (the packaged ``library.toml``, cached) or :meth:`from_toml`;
    derive new libraries with :meth:`add`, :meth:`override` and :meth:`merge_toml`.
    """

    def __init__(self, materials: Mapping[str, Material] | None = None,
                 interfaces: Mapping[Any, Interface] | None = None,
                 files: tuple[str, ...] = ()) -> None:
        self._materials: Mapping[str, Material] = MappingProxyType(dict(materials or {}))
        self._interfaces: Mapping[Any, Interface] = MappingProxyType(dict(interfaces or {}))
        self.files = files
        self._check_interfaces()

    def _check_interfaces(self) -> None:
        for iface in self._interfaces.values():
            for m in iface.materials:
                if m not in self._materials:
                    raise MaterialError(
                        f"{iface.origin}: interface '{iface.name}' names material '{m}', which "
                        f"is not in the library.{_did_you_mean(m, self._materials)}")

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def default(cls) -> Library:
        """The packaged library (``femmag/materials/library.toml``), loaded once and cached."""
        return _default_library()

    @classmethod
    def from_toml(cls, path: str | Path) -> Library:
        """A library from one TOML file (format: see the header of ``library.toml``)."""
        materials, interfaces = _read_toml(Path(path), {})
        return cls(materials, interfaces, (str(path),))

    def merge_toml(self, path: str | Path) -> Library:
        """A new library with the materials and interfaces of ``path`` added.

        A material of an existing name replaces it; ``base = "..."`` may refer to materials of
        this library.
        """
        materials, interfaces = _read_toml(Path(path), self._materials)
        return Library({**self._materials, **materials}, {**self._interfaces, **interfaces},
                       (*self.files, str(path)))

    def add(self, material: Material) -> Library:
        """A new library with ``material`` added (or replacing one of the same name)."""
        if not isinstance(material, Material):
            raise MaterialError(f"Library.add expects a Material, got {type(material).__name__}")
        return Library({**self._materials, material.name: material}, self._interfaces, self.files)

    def override(self, name: str, **properties: Any) -> Library:
        """A new library in which material ``name`` has some properties replaced.

        Args:
            name: material name.
            **properties: canonical property name → new value: ``"2e18 W/(m^3 K)"``, a pint
                quantity, a bare number for dimensionless properties, a :class:`Property`, or a
                dict in the TOML form (``{"expression": "...", "unit": "...", "source": "..."}``;
                source defaults to "user override"). ``refractive_index`` takes the TOML dict.

        Returns:
            A new :class:`Library`; this one is unchanged.
        """
        material = self.get(name)
        new: dict[str, Property] = {}
        optics = material.optics
        for key, value in properties.items():
            where = f"Library.override('{name}', {key}=...)"
            if key == "refractive_index":
                if isinstance(value, RefractiveIndex):
                    optics = replace(value, owner=name)
                else:
                    entry = dict(value)
                    entry.setdefault("source", "user override")
                    entry.setdefault("unit", "1")
                    optics = _parse_optics(entry, where, name)
                continue
            if key not in PROPERTIES:
                raise MaterialError(f"{where}: unknown property '{key}'."
                                    f"{_did_you_mean(key, PROPERTIES)} Known: "
                                    f"{', '.join(PROPERTIES)}")
            info = PROPERTIES[key]
            if isinstance(value, Property):
                prop = replace(value, name=key, owner=name)
            elif isinstance(value, dict):
                entry = dict(value)
                entry.setdefault("source", "user override")
                prop = _parse_property(key, entry, where, name, info)
            else:
                prop = Property.from_quantity(key, value, "user override", owner=name)
                _check_values(np.array([prop.value]), where, info, False)
            new[key] = prop
        updated = replace(material.with_properties(**new), optics=optics)
        return self.add(updated)

    # -- queries ----------------------------------------------------------------------------------
    def get(self, name: str) -> Material:
        """The material ``name``.

        Raises:
            UnknownMaterialError: (a KeyError) with a "did you mean" and the known names.
        """
        try:
            return self._materials[name]
        except (KeyError, TypeError):
            raise UnknownMaterialError(
                f"unknown material {name!r}.{_did_you_mean(str(name), self._materials)} Known "
                f"materials: {', '.join(self._materials)}") from None

    def interface(self, a: str, b: str, label: str = "") -> Interface:
        """Properties of the interface between materials ``a`` and ``b`` (either order).

        Args:
            a, b: material names.
            label: variant (e.g. ``"seed000_free"``); "" for the default one of the pair.

        Raises:
            UnknownMaterialError: no such interface (the known ones are listed).
        """
        self.get(a)
        self.get(b)
        key = (tuple(sorted((a, b))), label)
        if key in self._interfaces:
            return self._interfaces[key]
        known = ", ".join(i.name for i in self._interfaces.values()) or "none"
        raise UnknownMaterialError(
            f"no interface data for '{a}|{b}'" + (f" with label '{label}'" if label else "")
            + f". Known interfaces: {known}. Add [interfaces.\"{a}|{b}\"] to a user TOML")

    def interfaces(self) -> list[Interface]:
        """All interfaces."""
        return list(self._interfaces.values())

    def names(self) -> list[str]:
        """Material names, in file order."""
        return list(self._materials)

    def __contains__(self, name: object) -> bool:
        return name in self._materials

    def __iter__(self) -> Iterator[Material]:
        return iter(self._materials.values())

    def __len__(self) -> int:
        return len(self._materials)

    def __repr__(self) -> str:
        return f"Library({len(self)} materials, {len(self._interfaces)} interfaces)"

    def table(self, wavelength: float = 800e-9) -> str:
        """A printed table of the materials: kind, n + ik and the main properties (SI).

        Args:
            wavelength: wavelength of the refractive-index column [m].
        """
        columns = [("γ_e", "electron_heat_capacity_coefficient", "J/m³K²"),
                   ("G", "electron_phonon_coupling", "W/m³K"),
                   ("C_l", "lattice_heat_capacity", "J/m³K"),
                   ("κ_e0", "electron_thermal_conductivity", "W/mK"),
                   ("κ_l", "lattice_thermal_conductivity", "W/mK"),
                   ("σ", "electrical_conductivity", "S/m"),
                   ("T_c", "curie_temperature", "K"),
                   ("M_s0", "saturation_magnetization", "A/m")]
        header = ["material", "kind", f"n+ik @{wavelength * 1e9:g}nm",
                  *(f"{sym} [{u}]" for sym, _, u in columns)]
        rows = [header]
        for mat in self:
            try:
                nk = mat.refractive_index(wavelength) if mat.optics else None
                nk_text = "—" if nk is None else f"{nk.real:.3f}{nk.imag:+.3f}i"
            except MaterialError:
                nk_text = "out of range"
            cells = [mat.name, mat.kind, nk_text]
            for _, key, _ in columns:
                if not mat.has(key):
                    cells.append("—")
                elif mat.prop(key).is_constant:
                    cells.append(f"{mat.prop(key).value:.3g}")
                else:
                    cells.append(f"f({','.join(sorted(mat.prop(key).variables))})")
            rows.append(cells)
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


@functools.lru_cache(maxsize=1)
def _default_library() -> Library:
    materials, interfaces = _read_toml(DEFAULT_TOML, {})
    return Library(materials, interfaces, (str(DEFAULT_TOML),))


def get_material(name: str) -> Material:
    """Material ``name`` of the packaged library (``Library.default().get(name)``)."""
    return Library.default().get(name)
