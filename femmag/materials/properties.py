"""A material or interface property in SI: a constant, an expression or a temperature table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pint

from femmag.materials.errors import MaterialError
from femmag.materials.expressions import evaluate, numpy_functions, parse_expression, ufl_functions
from femmag.materials.schema import TEMPERATURE_VARIABLES, property_info
from femmag.units import Q

__all__ = ["Property"]


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
                parse_expression(self.expression)
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
        si = si_unit or property_info(name).unit
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
            return parse_expression(self.expression)[1]
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
            tree = parse_expression(self.expression)[0]
            out = self.scale * np.asarray(evaluate(tree, arrays, numpy_functions()), float)
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
            tree = parse_expression(self.expression)[0]
            expr = evaluate(tree, env, ufl_functions())
            return expr if self.scale == 1.0 else self.scale * expr
        x = env[self.table_variable]
        xs, ys = self.table_temperatures, self.table_values
        piecewise: Any = ys[-1]  # constant beyond the last point
        for i in reversed(range(len(xs) - 1)):
            slope = (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i])
            piecewise = ufl.conditional(ufl.lt(x, xs[i + 1]), ys[i] + slope * (x - xs[i]),
                                        piecewise)
        return ufl.conditional(ufl.lt(x, xs[0]), ys[0], piecewise)


