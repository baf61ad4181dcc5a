"""The library: an immutable collection of materials and interfaces, and the packaged default."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from femmag.materials.errors import MaterialError, UnknownMaterialError, did_you_mean
from femmag.materials.material import Interface, Material
from femmag.materials.optical import RefractiveIndex
from femmag.materials.properties import Property
from femmag.materials.reader import check_values, parse_optics, parse_property, read_toml
from femmag.materials.schema import PROPERTIES

__all__ = ["CAPABILITIES", "DEFAULT_TOML", "Library", "get_material"]

#: Path of the packaged library file.
DEFAULT_TOML = Path(__file__).with_name("library.toml")

#: the physics of :meth:`Library.capabilities`, with the labels of ``femmag materials``
CAPABILITIES = (("heat", "heat"), ("optics", "optics"), ("llb", "LLB"), ("m3tm", "M3TM"),
                ("sd", "s-d"), ("induction", "induction"), ("spin_diffusion", "spin diffusion"))

#: reasons of :meth:`Library.capabilities` that say a physics does not apply to a material
_NOT_MAGNETIC = "not magnetic (no curie_temperature)"
_NOT_A_METAL = "not a metal"


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
                        f"is not in the library.{did_you_mean(m, self._materials)}")

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def default(cls) -> Library:
        """The packaged library (``femmag/materials/library.toml``), loaded once and cached."""
        return _default_library()

    @classmethod
    def from_toml(cls, path: str | Path) -> Library:
        """A library from one TOML file (format: see the header of ``library.toml``)."""
        materials, interfaces = read_toml(Path(path), {})
        return cls(materials, interfaces, (str(path),))

    def merge_toml(self, path: str | Path) -> Library:
        """A new library with the materials and interfaces of ``path`` added.

        A material of an existing name replaces it; ``base = "..."`` may refer to materials of
        this library.
        """
        materials, interfaces = read_toml(Path(path), self._materials)
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
                    optics = parse_optics(entry, where, name)
                continue
            if key not in PROPERTIES:
                raise MaterialError(f"{where}: unknown property '{key}'."
                                    f"{did_you_mean(key, PROPERTIES)} Known: "
                                    f"{', '.join(PROPERTIES)}")
            info = PROPERTIES[key]
            if isinstance(value, Property):
                prop = replace(value, name=key, owner=name)
            elif isinstance(value, dict):
                entry = dict(value)
                entry.setdefault("source", "user override")
                prop = parse_property(key, entry, where, name, info)
            else:
                prop = Property.from_quantity(key, value, "user override", owner=name)
                check_values(np.array([prop.value]), where, info, False)
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
                f"unknown material {name!r}.{did_you_mean(str(name), self._materials)} Known "
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

    def capabilities(self, name: str, wavelength: Any = 800e-9) -> dict[str, str | None]:
        """Which physics material ``name`` can take part in, and why not.

        Args:
            name: material name.
            wavelength: pump wavelength of the ``optics`` check [m] (or ``"800 nm"``).

        Returns:
            ``{physics: None (it can) or the reason it cannot}`` for the keys of
            :data:`CAPABILITIES`: ``heat`` (the two-temperature model; a dielectric without heat
            capacity is an inert region), ``optics`` (a refractive index at ``wavelength``),
            ``llb``, ``m3tm``, ``sd`` (magnetization models), ``induction`` (the film of the
            induced field) and ``spin_diffusion``, e.g. ``{"optics": "no refractive_index",
            "llb": "lacks llb_coupling, saturation_magnetization", ...}``.
        """
        from femmag.units import to_si

        mat = self.get(name)
        wavelength_si = to_si(wavelength, "wavelength", "wavelength") \
            if isinstance(wavelength, str) else float(wavelength)

        def lacks(*props: str) -> str | None:
            missing = [p for p in props if not mat.has(p)]
            return f"lacks {', '.join(missing)}" if missing else None

        heat_props = ("electron_heat_capacity_coefficient", "electron_phonon_coupling",
                      "lattice_heat_capacity", "electron_thermal_conductivity",
                      "lattice_thermal_conductivity")
        if mat.is_metal or mat.has("electron_phonon_coupling"):
            heat = lacks(*heat_props)
        elif mat.has("lattice_heat_capacity"):
            heat = lacks("lattice_thermal_conductivity")
        else:
            heat = None  # an inert region (air): not heated
        if mat.optics is None:
            optics = "no refractive_index"
        else:
            try:
                mat.refractive_index(wavelength_si)
                optics = None
            except MaterialError:
                low, high = mat.optics.valid_range
                optics = (f"refractive index known for {low * 1e9:g}-{high * 1e9:g} nm, not "
                          f"{wavelength_si * 1e9:g} nm")
        caps: dict[str, str | None] = {"heat": heat, "optics": optics}
        if not mat.has("curie_temperature"):
            caps.update(llb=_NOT_MAGNETIC, m3tm=_NOT_MAGNETIC, sd=_NOT_MAGNETIC,
                        induction=_NOT_MAGNETIC)
        else:
            caps["llb"] = lacks("atomic_moment", "llb_coupling", "saturation_magnetization")
            caps["m3tm"] = lacks("m3tm_demagnetization_rate")
            caps["sd"] = lacks("sd_rho", "spin_relaxation_time")
            if not (mat.has("sd_coupling_time") or mat.has("m3tm_demagnetization_rate")):
                rate = "sd_coupling_time or m3tm_demagnetization_rate"
                caps["sd"] = f"{caps['sd']}, {rate}" if caps["sd"] else f"lacks {rate}"
            caps["induction"] = lacks("electrical_conductivity")
        spin = _NOT_A_METAL if not mat.is_metal else lacks("electrical_conductivity",
                                                             "fermi_dos")
        if spin is None and not (mat.has("spin_relaxation_time")
                                 or mat.has("spin_diffusion_length")):
            spin = "lacks spin_relaxation_time or spin_diffusion_length"
        caps["spin_diffusion"] = spin
        return caps

    def table(self, wavelength: float = 800e-9, capabilities: bool = False) -> str:
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
        if capabilities:
            lines += ["", self.capability_table(wavelength)]
        return "\n".join(lines)

    def capability_table(self, wavelength: Any = 800e-9) -> str:
        """Which physics each material can run (✓) and, below, why not where it cannot."""
        labels = dict(CAPABILITIES)
        header = ["material", *labels.values()]
        rows, reasons = [header], []
        for mat in self:
            caps = self.capabilities(mat.name, wavelength)
            cells = [mat.name]
            why = []
            for key in labels:
                moot = caps[key] in (_NOT_MAGNETIC, _NOT_A_METAL)
                cells.append("·" if moot else "✓" if caps[key] is None else "✗")
                if caps[key] is not None and not moot:
                    why.append(f"no {labels[key]} ({caps[key]})")
            rows.append(cells)
            if why:
                reasons.append(f"  {mat.name}: {'; '.join(why)}")
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines += ["(✓ can run, ✗ cannot, · does not apply: not magnetic / not a metal)",
                  "why not:", *reasons]
        return "\n".join(lines)


@functools.lru_cache(maxsize=1)
def _default_library() -> Library:
    materials, interfaces = read_toml(DEFAULT_TOML, {})
    return Library(materials, interfaces, (str(DEFAULT_TOML),))


def get_material(name: str) -> Material:
    """Material ``name`` of the packaged library (``Library.default().get(name)``)."""
    return Library.default().get(name)
