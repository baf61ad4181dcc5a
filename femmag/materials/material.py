"""Materials and interfaces: named collections of properties (and optical constants)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from femmag.materials.errors import MaterialError, MissingPropertyError, did_you_mean
from femmag.materials.optical import RefractiveIndex
from femmag.materials.properties import Property
from femmag.materials.schema import INTERFACE_PROPERTIES, KINDS, PROPERTIES, property_info

__all__ = ["Interface", "Material"]


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
                                f"{KINDS}.{did_you_mean(self.kind, KINDS)}")
        for key, prop in self.properties.items():
            if key != prop.name:
                raise MaterialError(f"material '{self.name}': property stored under '{key}' "
                                    f"is named '{prop.name}'")
            property_info(key)
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
            why = f" ('{name}' is not a known property name.{did_you_mean(name, PROPERTIES)})"
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
                f" (not an interface property.{did_you_mean(name, INTERFACE_PROPERTIES)})")
        raise MissingPropertyError(f"interface '{self.name}' has no '{name}'{need}. It has: "
                                   f"{', '.join(self.properties) or 'none'}")


