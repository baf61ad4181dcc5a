"""The TOML format of material libraries: parsing and validation of one file.

The format is documented in the header of the packaged ``library.toml``. Every error names the
file, the table and the key, and suggests the closest allowed name.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pint

from femmag.materials.errors import MaterialError, did_you_mean
from femmag.materials.expressions import parse_expression
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
from femmag.units import Q

__all__ = ["check_values", "parse_optics", "parse_property", "read_toml", "si_factor"]

_MATERIAL_META = ("kind", "description", "base")
_INTERFACE_META = ("description",)
_PROPERTY_KEYS = ("value", "expression", "table", "unit", "source", "note")
_OPTICS_KEYS = ("unit", "source", "note", "wavelength_nm", "n", "k", "sellmeier_B",
                "sellmeier_C_um2", "wavelength_range_nm")


def si_factor(unit: str, si_unit: str) -> float:
    """Multiplicative factor from ``unit`` to ``si_unit`` (raises on a wrong dimension).

    ``unit`` may carry a scale (``"1e18 W/(m^3 K)"``); offset units (degC) are rejected because
    expressions and tables are scaled by a factor.
    """
    q = Q(unit)
    factor = float(q.to(si_unit).magnitude)
    if float((0 * q).to(si_unit).magnitude) != 0.0:
        raise ValueError(f"offset unit '{unit}' cannot be used here; give the value in K")
    return factor


def parse_property(name: str, entry: Any, where: str, owner: str, info: PropertyInfo) -> Property:
    """Build a Property from its TOML table, validating keys, unit, source and sign."""
    if not isinstance(entry, dict):
        raise MaterialError(f"{where}: '{name}' must be a table with value/expression/table, unit "
                            f"and source, e.g. [{owner}.{name}] value = 1.0, unit = "
                            f"\"{info.unit}\", source = \"...\" (got {entry!r})")
    for key in entry:
        if key not in _PROPERTY_KEYS:
            raise MaterialError(f"{where}: unknown key '{key}'.{did_you_mean(key, _PROPERTY_KEYS)}"
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
        scale = si_factor(unit, info.unit)
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
            check_values(np.array([value]), where, info, allow_inf)
            return Property(constant=value, **common)
        if "expression" in entry:
            text = entry["expression"]
            if not isinstance(text, str):
                raise MaterialError(f"{where}: expression must be a string, got {text!r}")
            try:
                parse_expression(text)
            except ValueError as err:
                raise MaterialError(f"{where}: {err}") from None
            prop = Property(expression=text, scale=scale, **common)
            # sign check at room temperature only: fits may legitimately leave their range
            sample = prop.numpy(T_e=300.0, T_l=300.0)
            check_values(np.atleast_1d(sample), where + " (at T_e = T_l = 300 K)", info, False)
            return prop
        table = entry["table"]
        if not isinstance(table, dict) or "value" not in table or len(table) != 2:
            raise MaterialError(f"{where}: table must be {{T_e = [...], value = [...]}} (or T_l), "
                                f"got {table!r}")
        (variable,) = [k for k in table if k != "value"]
        if variable not in TEMPERATURE_VARIABLES:
            raise MaterialError(f"{where}: table variable '{variable}' must be T_e or T_l (K)."
                                f"{did_you_mean(variable, TEMPERATURE_VARIABLES)}")
        temps = np.asarray(table[variable], dtype=float)
        values = scale * np.asarray(table["value"], dtype=float)
        if temps.ndim != 1 or temps.shape != values.shape or temps.size == 0:
            raise MaterialError(f"{where}: table {variable} and value must be lists of the same "
                                f"length (got {temps.size} and {values.size})")
        if np.any(np.diff(temps) <= 0):
            raise MaterialError(f"{where}: table {variable} must increase strictly, got "
                                f"{temps.tolist()}")
        check_values(values, where, info, False)
        return Property(table_variable=variable, table_temperatures=tuple(temps.tolist()),
                        table_values=tuple(values.tolist()), **common)
    except (TypeError, ValueError) as err:
        if isinstance(err, MaterialError):
            raise
        raise MaterialError(f"{where}: {err}") from None


def check_values(values: np.ndarray, where: str, info: PropertyInfo, allow_inf: bool) -> None:
    """Reject NaN, infinity (unless ``allow_inf``) and unphysical negative values."""
    if np.any(np.isnan(values)) or (not allow_inf and np.any(np.isinf(values))):
        raise MaterialError(f"{where}: value is not finite ({values.tolist()})")
    if info.nonnegative and np.any(values < 0):
        raise MaterialError(f"{where}: negative value {float(values.min()):g} {info.unit} is "
                            f"unphysical for {info.description} ({info.symbol})")


def parse_optics(entry: Any, where: str, owner: str) -> RefractiveIndex:
    """Build a RefractiveIndex from its TOML table (a table, a Sellmeier formula or scalar n, k)."""
    if not isinstance(entry, dict):
        raise MaterialError(f"{where}: refractive_index must be a table")
    for key in entry:
        if key not in _OPTICS_KEYS:
            raise MaterialError(f"{where}: unknown key '{key}'.{did_you_mean(key, _OPTICS_KEYS)}"
                                f" Allowed: {', '.join(_OPTICS_KEYS)}")
    for key in ("unit", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise MaterialError(f"{where}: missing '{key}' (unit = \"1\" and a source string)")
    if not Q(1.0, entry["unit"]).dimensionless or si_factor(entry["unit"], "1") != 1.0:
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


def read_toml(path: Path, known: Mapping[str, Material]) -> tuple[dict[str, Material],
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
                                    f"{did_you_mean(base_name, [*data, *known])}")
            properties.update(base.properties)
            optics = base.optics
            kind = kind or base.kind
        if kind is None:
            raise MaterialError(f"{where}: missing 'kind' (one of {', '.join(KINDS)})")
        if kind not in KINDS:
            raise MaterialError(f"{where}: kind = {kind!r} is not one of {KINDS}."
                                f"{did_you_mean(str(kind), KINDS)}")
        for key, value in entry.items():
            if key in _MATERIAL_META:
                continue
            kwhere = f"{path}: [{name}.{key}]"
            if key == "refractive_index":
                optics = parse_optics(value, kwhere, name)
            elif key in PROPERTIES:
                properties[key] = parse_property(key, value, kwhere, name, PROPERTIES[key])
            else:
                options = [*_MATERIAL_META, "refractive_index", *PROPERTIES]
                raise MaterialError(f"{path}: [{name}]: unknown key '{key}'."
                                    f"{did_you_mean(key, options)} Allowed: kind, description, "
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
                                    f"{did_you_mean(pkey, INTERFACE_PROPERTIES)} Allowed: "
                                    f"description, {', '.join(INTERFACE_PROPERTIES)}")
            props[pkey] = parse_property(pkey, value, f"{where}.{pkey}", key,
                                          INTERFACE_PROPERTIES[pkey])
        iface = Interface(pair, label, str(entry.get("description", "")), props, str(path))
        interfaces[(iface.materials, label)] = iface
    return built, interfaces


