"""Sweep specifications: a case plus the parameters to vary, checked before any run.

In a case file::

    [sweep]
    "pulse.fluence" = { from = "1 mJ/cm^2", to = "4 mJ/cm^2", num = 40, spacing = "linear" }
    "pulse.diameter" = ["2 um", "10 um", "20 um"]
    "materials.CoPt_S003A.electron_phonon_coupling" = ["1e18 W/(m^3 K)", "2e18 W/(m^3 K)"]

Keys are dotted paths into the case (``section.key``; list items by index,
``stack.layers.0.thickness``), or ``materials.<Material>.<property>`` for a property of the
materials library the case builds (recorded with the source "sweep override"). A value is a list
(values with their units, or plain strings/numbers for keys that take them, e.g. helicities) or a
range ``{from, to, num, spacing = "linear" | "log"}``. The points are the product of the axes, the
first axis varying slowest. Every key and every value is checked here, by building the case's
objects for each axis value (no mesh), so a typo or a wrong unit is an error naming the key before
any run.

From Python: ``Sweep("case.toml", axes={"pulse.fluence": ["1 mJ/cm^2", "2 mJ/cm^2"]}).run("out")``.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from femmag.case import Case, CaseError, case_from_dict

__all__ = ["Axis", "Sweep", "SweepError", "parse_axis"]

SPACINGS = ("linear", "log")
RANGE_KEYS = {"from", "to", "num", "spacing"}
#: the source recorded for a material value set by a sweep
OVERRIDE_SOURCE = "sweep override"


class SweepError(ValueError):
    """A [sweep] key or value is wrong (unknown path, wrong unit, empty range, ...)."""


@dataclass
class Axis:
    """One swept parameter.

    Attributes:
        key: the full dotted key, e.g. ``"pulse.fluence"``.
        name: the coordinate name (the last part of the key, made unique).
        values: what goes into the case for each point (strings with units, numbers, strings).
        labels: the coordinate values, numbers in ``unit`` (or strings for string values).
        unit: the unit the user wrote (``"mJ/cm^2"``); ``"1"`` for plain numbers, ``""`` for
            strings.
        si: the values in SI (``None`` for strings) and ``si_unit`` their unit.
    """

    key: str
    name: str
    values: list
    labels: np.ndarray
    unit: str
    si: np.ndarray | None = None
    si_unit: str = ""

    def __len__(self) -> int:
        return len(self.values)

    def describe(self) -> list:
        """The values as written in ``sweep.toml`` (strings with units, numbers, strings)."""
        return [v if isinstance(v, str) else float(v) for v in self.values]


_NUMBER_FIRST = re.compile(r"^\s*[-+]?(\d|\.\d)")


def _quantity(text: Any, where: str | None = None):
    """A pint quantity for a string that starts with a number (``"2.6 mJ/cm^2"``), ``None`` for
    a word (``"sigma-"``: pint would read some words as units); an unreadable unit is an error
    naming ``where``."""
    from femmag.units import Q

    if not isinstance(text, str) or not _NUMBER_FIRST.match(text):
        return None
    try:
        q = Q(text)
    except Exception as err:  # noqa: BLE001 - pint raises many types
        if where is None:
            return None
        raise SweepError(f"{where}: cannot read the unit of {text!r} ({err}); write "
                         f"'<number> <unit>', e.g. '2.6 mJ/cm^2'") from None
    return q if hasattr(q, "units") else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_axis(key: str, spec: Any) -> Axis:
    """An axis from ``[sweep] key = spec`` (a list, or a ``{from, to, num, spacing}`` range).

    Raises:
        SweepError: naming the key: empty list, mixed units, bad range.
    """
    where = f"[sweep] '{key}'"
    if isinstance(spec, dict):
        values = _range_values(where, spec)
    elif isinstance(spec, list | tuple):
        values = list(spec)
    else:
        raise SweepError(f"{where} = {spec!r}: give a list of values with units, e.g. "
                         f"[\"2 um\", \"10 um\"], or a range {{from = \"1 mJ/cm^2\", to = "
                         f"\"4 mJ/cm^2\", num = 10}}")
    if not values:
        raise SweepError(f"{where}: the list of values is empty; give at least one value")
    quantities = [_quantity(v, where) for v in values]
    kinds = {"quantity" if q is not None and not (isinstance(v, str) and q.dimensionless
                                                   and _plain_number(v))
             else "number" if _is_number(v) or (isinstance(v, str) and _plain_number(v))
             else "string" if isinstance(v, str) else "other"
             for v, q in zip(values, quantities, strict=True)}
    if "other" in kinds:
        bad = next(v for v in values if not isinstance(v, str | int | float) or isinstance(v, bool))
        raise SweepError(f"{where}: value {bad!r} is neither a value with its unit, a number nor "
                         f"a string")
    if len(kinds) > 1:
        raise SweepError(f"{where}: mixed values {values!r}: give every value with a unit (or "
                         f"every value as a plain number, or every value as a word)")
    name = key.split(".")[-1]
    kind = kinds.pop()
    if kind == "string":
        if len(set(values)) != len(values):
            raise SweepError(f"{where}: repeated values in {values!r}")
        return Axis(key, name, list(values), np.array(values, dtype=object), "")
    if kind == "number":
        numbers = np.array([float(v) for v in values])
        _check_distinct(where, numbers, values)
        return Axis(key, name, [float(v) if isinstance(v, str) else v for v in values],
                    numbers, "1", numbers.copy(), "1")
    first = quantities[0]
    unit = _unit_text(values[0], first)
    labels, si = [], []
    si_units = _si_unit(key, first)
    for v, q in zip(values, quantities, strict=True):
        if q.dimensionality != first.dimensionality:
            raise SweepError(f"{where}: {v!r} has the unit [{q.units:~}], {values[0]!r} has "
                             f"[{first.units:~}]: one axis takes one kind of quantity (unit "
                             f"mismatch)")
        labels.append(float(q.to(first.units).magnitude))
        si.append(float(q.to(si_units).magnitude))
    labels = np.array(labels)
    _check_distinct(where, labels, values)
    return Axis(key, name, list(values), labels, unit, np.array(si), si_units)


def _si_unit(key: str, q) -> str:
    """The SI unit of an axis: the library's unit of a material property, femmag's unit of a
    known kind of quantity (``J/m^2`` for a fluence), else SI base units."""
    from femmag.units import KINDS, Q

    parts = key.split(".")
    if is_material_key(key):
        from femmag.materials.schema import PROPERTIES

        if parts[2] in PROPERTIES and Q(1, PROPERTIES[parts[2]].unit).dimensionality == \
                q.dimensionality:
            return PROPERTIES[parts[2]].unit
    for unit in (KINDS.get(parts[-1]), *KINDS.values()):
        if unit is not None and Q(1, unit).dimensionality == q.dimensionality:
            return unit
    return f"{q.to_base_units().units:~}"


def _plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _unit_text(text: str, q) -> str:
    """The unit as the user wrote it (``"2.6 mJ/cm^2"`` → ``"mJ/cm^2"``)."""
    parts = text.strip().split(None, 1)
    if len(parts) == 2 and _plain_number(parts[0]):
        return parts[1].strip()
    return f"{q.units:~}"


def _check_distinct(where: str, numbers: np.ndarray, values: list) -> None:
    if len(np.unique(numbers)) != len(numbers):
        raise SweepError(f"{where}: repeated values in {values!r} (each point would run twice)")


def _range_values(where: str, spec: dict) -> list:
    unknown = set(spec) - RANGE_KEYS
    if unknown:
        hint = difflib.get_close_matches(sorted(unknown)[0], RANGE_KEYS, n=1)
        raise SweepError(f"{where}: unknown range key(s) {sorted(unknown)}"
                         + (f"; did you mean '{hint[0]}'?" if hint else "")
                         + " A range is {from = \"1 mJ/cm^2\", to = \"4 mJ/cm^2\", num = 10, "
                           "spacing = \"linear\" | \"log\"}")
    missing = [k for k in ("from", "to", "num") if k not in spec]
    if missing:
        raise SweepError(f"{where}: the range needs {missing} (e.g. {{from = \"1 mJ/cm^2\", "
                         f"to = \"4 mJ/cm^2\", num = 10}})")
    num = spec["num"]
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise SweepError(f"{where}: num = {num!r} must be an integer >= 1")
    spacing = spec.get("spacing", "linear")
    if spacing not in SPACINGS:
        raise SweepError(f"{where}: spacing = {spacing!r}; use one of {SPACINGS}")
    lo, hi = spec["from"], spec["to"]
    if _is_number(lo) and _is_number(hi):
        start, stop, unit = float(lo), float(hi), None
    else:
        q_lo, q_hi = _quantity(lo, where), _quantity(hi, where)
        if q_lo is None or q_hi is None:
            raise SweepError(f"{where}: from = {lo!r}, to = {hi!r} must be values with their "
                             f"units, e.g. from = \"1 mJ/cm^2\" (or both plain numbers)")
        if q_lo.dimensionality != q_hi.dimensionality:
            raise SweepError(f"{where}: from = {lo!r} and to = {hi!r} have different kinds of "
                             f"unit (unit mismatch)")
        unit = _unit_text(lo, q_lo)
        start, stop = float(q_lo.magnitude), float(q_hi.to(q_lo.units).magnitude)
    if num > 1 and start == stop:
        raise SweepError(f"{where}: from and to are equal; use num = 1 or a list")
    if spacing == "log":
        if not (start > 0 and stop > 0) and not (start < 0 and stop < 0):
            raise SweepError(f"{where}: spacing = \"log\" needs from and to of one sign and "
                             f"non-zero, got {lo!r} .. {hi!r}")
        numbers = np.sign(start) * np.geomspace(abs(start), abs(stop), num)
    else:
        numbers = np.linspace(start, stop, num)
    if unit is None:
        return [float(v) for v in numbers]
    return [f"{v:.12g} {unit}" for v in numbers]


# -- keys: paths into the case ---------------------------------------------------------------------
def _split(key: str) -> list[str]:
    parts = key.split(".")
    if len(parts) < 2 or not all(parts):
        raise SweepError(f"[sweep] '{key}': a key is a dotted path into the case, e.g. "
                         f"\"pulse.fluence\" or \"materials.CoPt_S003A.curie_temperature\"")
    return parts


def is_material_key(key: str) -> bool:
    parts = key.split(".")
    return parts[0] == "materials" and len(parts) == 3


def set_path(data: dict, key: str, value: Any) -> None:
    """Set ``data[a][b]... = value`` for ``key = "a.b..."`` (list items by integer index); a
    missing last key is created (the case check then decides whether it is allowed)."""
    parts = _split(key)
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        where = ".".join(parts[:depth + 1])
        if isinstance(node, list):
            node = node[_index(key, where, part, node)]
        elif isinstance(node, dict):
            if part not in node:
                if depth == 0:
                    node[part] = {}  # a section the case did not write yet (e.g. [magnetization])
                else:
                    raise SweepError(f"[sweep] '{key}': the case has no '{where}'")
            node = node[part]
        else:
            raise SweepError(f"[sweep] '{key}': '{where}' is a value, not a table")
    last = parts[-1]
    if isinstance(node, list):
        node[_index(key, key, last, node)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise SweepError(f"[sweep] '{key}': '{'.'.join(parts[:-1])}' is a value, not a table")


def get_path(data: dict, key: str) -> Any:
    """The value at ``key`` in ``data``, or ``None``."""
    node: Any = data
    for part in key.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _index(key: str, where: str, part: str, node: list) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise SweepError(f"[sweep] '{key}': '{where}' indexes a list of {len(node)} items; use "
                         f"0..{len(node) - 1}")
    return int(part)


def _flatten(table: dict, prefix: str = "") -> dict:
    """``[sweep] pulse.fluence = [...]`` (a TOML dotted key: nested tables) and
    ``"pulse.fluence" = [...]`` (a quoted key) mean the same."""
    flat = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and not (set(value) & RANGE_KEYS):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = value
    return flat


def _coordinate_names(keys: list[str]) -> list[str]:
    """The last part of each key, with more parts joined on where two would clash."""
    depth = {k: 1 for k in keys}
    while True:
        names = {k: "_".join(k.split(".")[-depth[k]:]) for k in keys}
        clash = {k for k in keys if list(names.values()).count(names[k]) > 1}
        grow = {k for k in clash if depth[k] < len(k.split("."))}
        if not grow:
            return [names[k] for k in keys]
        for k in grow:
            depth[k] += 1


# -- the sweep ---------------------------------------------------------------------------------------
class Sweep:
    """A case and the parameters to vary.

    Args:
        case: a case file path, a :class:`femmag.case.Case`, or a case dict.
        axes: ``{key: values}``; default: the case's ``[sweep]`` table. Given, it replaces that
            table.

    Attributes:
        axes: the :class:`Axis` list, in order (the first varies slowest).
        points: one ``{key: value}`` per point, in index order.
    """

    def __init__(self, case: Any, axes: dict | None = None) -> None:
        if isinstance(case, Case):
            path, data = case.path, copy.deepcopy(case.data)
            self.case_text = None
        elif isinstance(case, dict):
            path, data = Path("<case>"), copy.deepcopy(case)
            self.case_text = None
        else:
            path = Path(case)
            if not path.is_file():
                raise SweepError(f"case file {path} does not exist")
            self.case_text = path.read_text()
            try:
                data = tomllib.loads(self.case_text)
            except tomllib.TOMLDecodeError as err:
                raise CaseError(f"{path}: not valid TOML: {err}") from None
        table = data.pop("sweep", {})
        if axes is not None:
            table = dict(axes)
        if not isinstance(table, dict):
            raise SweepError(f"{path}: [sweep] must be a table of key = values")
        table = _flatten(table)
        if not table:
            raise SweepError(f"{path}: no parameters to sweep: add a [sweep] table, e.g. "
                             f"[sweep] \"pulse.fluence\" = [\"1 mJ/cm^2\", \"2 mJ/cm^2\"]")
        self.path = path
        self.base = data
        try:
            self.base_case = case_from_dict(copy.deepcopy(data), path)
        except CaseError as err:
            raise SweepError(f"the case of the sweep is wrong: {err}") from None
        keys = list(table)
        self.axes = [parse_axis(key, table[key]) for key in keys]
        for axis, name in zip(self.axes, _coordinate_names(keys), strict=True):
            axis.name = name
        for axis in self.axes:
            self._check_axis(axis)
        self.points = [dict(zip(keys, combo, strict=True))
                       for combo in itertools.product(*(a.values for a in self.axes))]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(a) for a in self.axes)

    def __len__(self) -> int:
        return len(self.points)

    def __repr__(self) -> str:
        axes = ", ".join(f"{a.name}[{len(a)}]" for a in self.axes)
        return f"Sweep({self.path}, {axes}: {len(self)} points)"

    # -- checks ------------------------------------------------------------------------------------
    def _check_axis(self, axis: Axis) -> None:
        """Every value of ``axis`` (the others at the case's values) builds the case's objects."""
        key = axis.key
        if key.split(".")[0] == "sweep":
            raise SweepError(f"[sweep] '{key}': the sweep table itself cannot be swept")
        if is_material_key(key):
            self._check_material_axis(axis)
            return
        _split(key)
        base_value = get_path(self.base, key)
        base_q = _quantity(base_value)
        if axis.si is not None and axis.unit != "1" and base_q is not None:
            q = _quantity(axis.values[0])
            if q.dimensionality != base_q.dimensionality:
                raise SweepError(f"[sweep] '{key}': {axis.values[0]!r} has the unit "
                                 f"[{q.units:~}], the case's value {base_value!r} has "
                                 f"[{base_q.units:~}] (unit mismatch)")
        for value in axis.values:
            try:
                point_case = self.case({key: value})
                point_case.simulation(comm=_self_comm(), verbose=False)
                _check_magnetization(point_case)
            except SweepError:
                raise
            except Exception as err:  # noqa: BLE001 - any failure to build is the value's fault
                raise SweepError(f"[sweep] '{key}' = {value!r}: {type(err).__name__}: "
                                 f"{err}") from None

    def _check_material_axis(self, axis: Axis) -> None:
        from femmag.materials.schema import PROPERTIES

        _, material, prop = axis.key.split(".")
        library = self.base_case.library()
        if material not in library:
            hint = difflib.get_close_matches(material, library.names(), n=1)
            raise SweepError(f"[sweep] '{axis.key}': no material '{material}' in the case's "
                             f"library" + (f"; did you mean '{hint[0]}'?" if hint else ""))
        if prop not in PROPERTIES:
            hint = difflib.get_close_matches(prop, PROPERTIES, n=1)
            raise SweepError(f"[sweep] '{axis.key}': unknown material property '{prop}'"
                             + (f"; did you mean '{hint[0]}'?" if hint else "")
                             + " (`femmag materials` lists them)")
        for value in axis.values:
            try:
                _override(library, material, prop, value)
            except Exception as err:  # noqa: BLE001
                raise SweepError(f"[sweep] '{axis.key}' = {value!r}: {err}") from None

    # -- points ------------------------------------------------------------------------------------
    def case(self, point: dict):
        """The case of one point (``{key: value}``): the base case with the point's values; the
        material values go into the library it builds."""
        data = copy.deepcopy(self.base)
        materials = {}
        for key, value in point.items():
            if is_material_key(key):
                materials[key] = value
            else:
                set_path(data, key, value)
        try:
            checked = case_from_dict(data, self.path)
        except CaseError as err:
            keys = ", ".join(f"'{k}'" for k in point)
            raise SweepError(f"[sweep] {keys}: {err}") from None
        return _PointCase(checked.path, checked.data, checked.run_options, overrides=materials)

    def signature(self) -> dict:
        """What makes two sweeps the same (``sweep.toml``): the case and the axes."""
        return {"case": _plain(self.base),
                "axes": {a.key: a.describe() for a in self.axes}}

    def run(self, out: str | Path, *, comm: Any = None, ranks_per_run: int = 1,
            keep_traces: bool = False, early_stop: Any = True, quiet: bool = False,
            retry_failed: bool = False, max_points: int | None = None,
            agree_timeout: float = 60.0, reuse_induction: bool = True):
        """Run every point not done yet; write ``out/results.nc`` (see
        :mod:`femmag.study.runner`). Returns the dataset (xarray) on every rank."""
        from femmag.study.runner import run_sweep

        return run_sweep(self, out, comm=comm, ranks_per_run=ranks_per_run,
                         keep_traces=keep_traces, early_stop=early_stop, quiet=quiet,
                         retry_failed=retry_failed, max_points=max_points,
                         agree_timeout=agree_timeout, reuse_induction=reuse_induction)


class _StackRegions:
    """The regions and materials of a stack, as a Domain names them, without a mesh: enough for
    the checks the magnetization module makes when it is built."""

    quadrature_degree = 2

    def __init__(self, stack: Any) -> None:
        names = list(stack.names) + (["substrate"] if stack.substrate is not None else [])
        self.regions = {name: i for i, name in enumerate(names)}
        self.stack = stack

    def material_of(self, region: str) -> str:
        if region == "substrate":
            return self.stack.substrate.material
        return self.stack[region].material


def _check_magnetization(case: Any) -> None:
    """Build the case's magnetization module on its stack (no mesh), so that a bad
    ``magnetization.*`` value (an unknown option, a direction or field that does not parse, a
    model without its parameters) is refused before any run instead of failing every point."""
    options = case.magnetization_options()
    if options is False:
        return
    import inspect

    from femmag.physics.magnetization.module import Magnetization

    options = {} if options is True else dict(options)
    library = case.library()
    try:
        inspect.signature(Magnetization).bind(None, library, **options)
    except TypeError:
        allowed = [p for p in inspect.signature(Magnetization).parameters
                   if p not in ("domain", "library", "initial_temperature")]
        unknown = sorted(set(options) - set(allowed))
        raise ValueError(f"[magnetization] has no option {unknown}; the options are "
                         f"{allowed}") from None
    initial_temperature = case.data.get("physics", {}).get("initial_temperature", "300 K")
    Magnetization(_StackRegions(case.stack(library)), library,
                  initial_temperature=initial_temperature, **options)


def _self_comm():
    from mpi4py import MPI

    return MPI.COMM_SELF


def _plain(value: Any) -> Any:
    """A TOML-comparable copy (tuples as lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _override(library, material: str, prop: str, value: Any):
    from femmag.materials.properties import Property

    return library.override(material, **{prop: Property.from_quantity(
        prop, value, OVERRIDE_SOURCE, owner=material)})


class _PointCase(Case):
    """A case whose library carries the sweep's material overrides."""

    def __init__(self, path, data, run_options, overrides=None):
        super().__init__(path, data, run_options)
        self.overrides = dict(overrides or {})

    def library(self):
        library = super().library()
        for key, value in self.overrides.items():
            _, material, prop = key.split(".")
            library = _override(library, material, prop, value)
        return library
