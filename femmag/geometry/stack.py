"""Layer stacks: names, materials and thicknesses, validated before any mesh is built.

Conventions (the whole package relies on them):

* z is the film normal; the **top surface of the stack is z = 0** and the layers go down (z < 0);
  the substrate lies below the last layer. The pump enters at z = 0 from the top.
* Layers are listed **top → bottom**. Layer names become the names of the mesh regions (cell
  physical groups), so the stack makes them unique: a name may repeat (real stacks repeat Co, Pt,
  Co, ...), and its second, third, ... occurrence becomes ``"<name>_2"``, ``"<name>_3"``, ... (the
  first keeps the name; a number already taken by another layer's explicit name is skipped). Every
  region-keyed output (mesh groups, ``Domain`` regions, trace columns such as
  ``magnetization_Co_2``) uses these unique names: ``stack.names``. The substrate region is always
  called ``"substrate"`` and the ambient (optional air boxes) ``"air"``.
* Thicknesses are given with their unit (``"10 nm"`` or a pint quantity) and stored in metres.

Example::

    stack = Stack([Layer("Co", "Co", "0.6 nm"), Layer("Pt", "Pt", "1 nm"),
                   Layer("Co", "Co", "0.6 nm")])        # regions Co, Pt, Co_2
    stack = Stack([Layer("cap", "Ta", "5 nm"),
                   *Stack.repeat([("Co", "Co", "1 nm"), ("Pt", "Pt", "1 nm")], 3, prefix="ml_")],
                  substrate=Layer("substrate", "glass", "5 um"))
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from femmag.units import to_si

#: Names that mesh groups use for other purposes; a layer may not take them.
RESERVED_NAMES: frozenset[str] = frozenset(
    {"substrate", "air", "top", "bottom", "substrate_bottom", "axis", "outer", "air_boundary"}
)

MaterialCheck = Callable[[str], None]


class StackError(ValueError):
    """A stack or layer definition is invalid (the message says which layer and how to fix it)."""


def _format_length(metres: float) -> str:
    """Readable length: nm below 1 µm, µm above."""
    if abs(metres) < 1e-6:
        return f"{metres * 1e9:.6g} nm"
    return f"{metres * 1e6:.6g} um"


@dataclass(frozen=True)
class Layer:
    """One homogeneous layer of the stack.

    Args:
        name: region name in the mesh (unique within a stack, e.g. ``"free_Co1"``); no ``"|"``,
            no whitespace, not one of :data:`RESERVED_NAMES` (the substrate is the exception: its
            region is always ``"substrate"``).
        material: material name in the materials library (e.g. ``"Co"``, ``"CoPt_S003A"``).
        thickness: thickness with its unit (``"10 nm"``, a pint quantity or ``(10, "nm")``);
            stored in metres. Bare numbers are rejected.
        min_cells: lower bound on the number of cells across the layer (mesh builders), or None
            for the builder's default.
        refractive_index: an explicit complex optical index n + ik (k ≥ 0) at the pump
            wavelength, e.g. ``"2.9+3.1j"`` or ``complex(2.9, 3.1)``, used by the optics instead
            of the material's tabulated index; None (default): the library's.

    Attributes:
        thickness: thickness in metres (float) after construction.
        refractive_index: complex or None after construction.
    """

    name: str
    material: str
    thickness: Any
    min_cells: int | None = None
    refractive_index: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise StackError(f"layer name {self.name!r}: give a non-empty string, e.g. 'free_Co1'")
        if not isinstance(self.material, str) or not self.material.strip():
            raise StackError(f"layer '{self.name}': material {self.material!r} must be a material "
                             f"name (string), e.g. 'Co'")
        thickness = to_si(self.thickness, "thickness", name=f"layer '{self.name}' thickness")
        if not np.isfinite(thickness):
            raise StackError(f"layer '{self.name}': thickness {self.thickness!r} must be finite")
        object.__setattr__(self, "thickness", float(thickness))
        if self.min_cells is not None and (not isinstance(self.min_cells, int | np.integer)
                                           or self.min_cells < 1):
            raise StackError(f"layer '{self.name}': min_cells = {self.min_cells!r} must be a "
                             f"positive integer (or None for the default)")
        if self.refractive_index is not None:
            object.__setattr__(self, "refractive_index",
                               _parse_index(self.refractive_index, self.name))

    def __repr__(self) -> str:
        return (f"Layer({self.name!r}, {self.material!r}, '{_format_length(self.thickness)}'"
                + (f", min_cells={self.min_cells}" if self.min_cells is not None else "")
                + (f", refractive_index={self.refractive_index!r}"
                   if self.refractive_index is not None else "") + ")")

    def renamed(self, name: str) -> Layer:
        """The same layer under another name."""
        return Layer(name, self.material, f"{self.thickness!r} m", self.min_cells,
                     self.refractive_index)


def _parse_index(value: Any, layer: str) -> complex:
    """n + ik from a complex, a real number or a string such as ``"2.9+3.1j"``."""
    where = f"layer '{layer}': refractive_index = {value!r}"
    try:
        if isinstance(value, str):
            index = complex(value.replace(" ", "").replace("i", "j"))
        elif isinstance(value, bool):
            raise TypeError
        else:
            index = complex(value)
    except (TypeError, ValueError):
        raise StackError(f"{where} is not a complex number; give n + ik, e.g. '2.9+3.1j' or "
                         f"complex(2.9, 3.1)") from None
    if not (np.isfinite(index.real) and np.isfinite(index.imag) and index.real > 0
            and index.imag >= 0):
        raise StackError(f"{where}: need n > 0 and k ≥ 0 (absorption; femmag's convention n + ik, "
                         f"fields ~ exp(i(kz - ωt))), e.g. '2.9+3.1j'")
    return index


def _unique_names(layers: list[Layer]) -> list[Layer]:
    """The layers with repeated names made unique: the k-th ``Co`` becomes ``Co_k`` (k ≥ 2).

    Explicit names are kept; a generated name skips the numbers another layer already uses.
    """
    taken = {layer.name for layer in layers}
    count: dict[str, int] = {}
    out = []
    for layer in layers:
        if layer.name not in count:
            count[layer.name] = 1
            out.append(layer)
            continue
        k = count[layer.name]
        while True:
            k += 1
            candidate = f"{layer.name}_{k}"
            if candidate not in taken:
                break
        count[layer.name] = k
        taken.add(candidate)
        out.append(layer.renamed(candidate))
    return out


def _default_material_check(name: str) -> None:
    """Look the material up in the default library (raises its ``UnknownMaterialError``)."""
    try:
        from femmag.materials import Library
    except ImportError:  # pragma: no cover - only while the materials package is missing
        warnings.warn("femmag.materials is not importable: material names are not checked",
                      stacklevel=3)
        return
    Library.default().get(name)


def _as_layer(item: Layer | Sequence[Any] | Mapping[str, Any]) -> Layer:
    """A Layer from a Layer, a (name, material, thickness[, min_cells]) tuple or a dict."""
    if isinstance(item, Layer):
        return item
    if isinstance(item, Mapping):
        unknown = set(item) - {"name", "material", "thickness", "min_cells", "refractive_index"}
        if unknown:
            raise StackError(f"layer spec {dict(item)!r}: unknown keys {sorted(unknown)}; use "
                             "name, material, thickness, min_cells, refractive_index")
        try:
            return Layer(item["name"], item["material"], item["thickness"], item.get("min_cells"),
                         item.get("refractive_index"))
        except KeyError as err:
            raise StackError(f"layer spec {dict(item)!r} lacks the key {err}; give name, "
                             "material and thickness (with unit)") from None
    if isinstance(item, Sequence) and not isinstance(item, str) and len(item) in (3, 4, 5):
        return Layer(*item)
    raise StackError(f"layer spec {item!r}: give a Layer, a (name, material, '10 nm') tuple or a "
                     "dict with keys name, material, thickness")


@dataclass(frozen=True)
class Stack:
    """A planar multilayer: layers top → bottom on a substrate, optional ambient.

    Args:
        layers: the layers from the top (z = 0) downwards; Layer objects, tuples
            ``(name, material, "thickness")`` or dicts.
        substrate: the substrate below the last layer (its region is always called
            ``"substrate"``; default ``Layer("substrate", "fused_silica", "5 um")``), or None for
            a free-standing stack.
        ambient: material of the air boxes that builders may add above/below (``"air"``), or None.
        material_check: called with every material name; it must raise for an unknown name.
            Default: look the name up in ``femmag.materials.Library.default()`` (its error says
            "did you mean"). Pass ``lambda name: None`` to skip the check.

    Repeated layer names are allowed: the k-th occurrence (k ≥ 2) of a name is renamed
    ``"<name>_k"`` (the next free number if another layer is explicitly called that), see the
    module docstring; ``stack.names`` are the unique region names.

    Raises:
        StackError: empty stack, reserved names, non-positive thickness.
        Exception: whatever ``material_check`` raises for an unknown material.
    """

    layers: tuple[Layer, ...]
    substrate: Layer | None = field(
        default_factory=lambda: Layer("substrate", "fused_silica", "5 um"))
    ambient: str | None = "air"
    material_check: MaterialCheck | None = field(default=None, repr=False, compare=False)

    def __init__(
        self,
        layers: Iterable[Layer | Sequence[Any] | Mapping[str, Any]],
        substrate: Layer | str | None = "default",
        ambient: str | None = "air",
        material_check: MaterialCheck | None = None,
    ) -> None:
        if isinstance(layers, Layer | str):
            raise StackError("layers must be a list of layers (top → bottom), e.g. "
                             "[Layer('Co', 'Co', '10 nm')]")
        layer_list = _unique_names([_as_layer(item) for item in layers])
        if isinstance(substrate, str):
            if substrate != "default":
                raise StackError(f"substrate = {substrate!r}: give a Layer, e.g. "
                                 "Layer('substrate', 'glass', '5 um'), or None")
            substrate = Layer("substrate", "fused_silica", "5 um")
        elif substrate is not None:
            substrate = _as_layer(substrate)
            if substrate.name != "substrate":  # the substrate region has one fixed name
                substrate = substrate.renamed("substrate")
        object.__setattr__(self, "layers", tuple(layer_list))
        object.__setattr__(self, "substrate", substrate)
        object.__setattr__(self, "ambient", ambient)
        object.__setattr__(self, "material_check", material_check)
        self._validate(material_check if material_check is not None else _default_material_check)

    # -- validation ------------------------------------------------------------------------------
    def _validate(self, check: MaterialCheck) -> None:
        if not self.layers:
            raise StackError("the stack has no layers: give at least one, e.g. "
                             "Stack([Layer('film', 'Co', '10 nm')])")
        for index, layer in enumerate(self.layers):
            where = f"layer '{layer.name}' (index {index})"
            if layer.thickness <= 0:
                raise StackError(f"{where}: thickness {_format_length(layer.thickness)} must be "
                                 "positive")
            if layer.name in RESERVED_NAMES:
                raise StackError(f"{where}: the name '{layer.name}' is reserved for a mesh group "
                                 f"({sorted(RESERVED_NAMES)}); rename the layer, e.g. "
                                 f"'{layer.name}_layer'")
            if "|" in layer.name or any(c.isspace() for c in layer.name):
                raise StackError(f"{where}: names may not contain '|' (it separates interface "
                                 "names) or whitespace; use e.g. 'free_Co1'")
        if self.substrate is not None and self.substrate.thickness <= 0:
            raise StackError(f"substrate: thickness {_format_length(self.substrate.thickness)} "
                             "must be positive")
        materials = [layer.material for layer in self.layers]
        if self.substrate is not None:
            materials.append(self.substrate.material)
        if self.ambient is not None:
            materials.append(self.ambient)
        for name in dict.fromkeys(materials):  # each name once, in stack order
            check(name)

    # -- construction helpers --------------------------------------------------------------------
    @classmethod
    def from_spec(
        cls,
        spec: Iterable[Sequence[Any] | Mapping[str, Any]],
        substrate: Layer | Sequence[Any] | Mapping[str, Any] | str | None = "default",
        ambient: str | None = "air",
        material_check: MaterialCheck | None = None,
    ) -> Stack:
        """Stack from ``[(name, material, "thickness"), ...]`` or dicts (top → bottom).

        ``substrate`` may also be a ``(material, "thickness")`` pair.
        """
        if isinstance(substrate, Sequence) and not isinstance(substrate, str) \
                and len(substrate) == 2:
            substrate = Layer("substrate", substrate[0], substrate[1])
        elif substrate is not None and not isinstance(substrate, str | Layer):
            substrate = _as_layer(substrate)
        return cls(spec, substrate=substrate, ambient=ambient, material_check=material_check)

    @staticmethod
    def repeat(
        unit: Sequence[Layer | Sequence[Any] | Mapping[str, Any]],
        times: int,
        *,
        prefix: str = "",
        start: int = 1,
        reverse_numbering: bool = False,
    ) -> list[Layer]:
        """Repeat a group of layers, numbering the names: ``[Co(1)/Pt(1)]x3``.

        Args:
            unit: the repeated group, top → bottom (Layers or tuples).
            times: number of repetitions (≥ 1).
            prefix: prepended to every name (e.g. ``"ref_"``).
            start: first repetition number.
            reverse_numbering: number the repetitions from the bottom up (growth order).

        Returns:
            Layers top → bottom named ``f"{prefix}{name}{k}"``, e.g. ``ref_Co1, ref_Pt1, ref_Co2``.
        """
        if not isinstance(times, int | np.integer) or times < 1:
            raise StackError(f"repeat: times = {times!r} must be a positive integer")
        layers = [_as_layer(item) for item in unit]
        out = []
        for k in range(times):
            number = start + (times - 1 - k if reverse_numbering else k)
            out.extend(layer.renamed(f"{prefix}{layer.name}{number}") for layer in layers)
        return out

    # -- queries -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __getitem__(self, name: str) -> Layer:
        """The layer (or the substrate) called ``name``."""
        for layer in self.all_layers():
            if layer.name == name:
                return layer
        raise KeyError(f"the stack has no layer '{name}'; it has: {self.names}")

    @property
    def names(self) -> list[str]:
        """Layer names, top → bottom (without the substrate)."""
        return [layer.name for layer in self.layers]

    def all_layers(self) -> list[Layer]:
        """Layers top → bottom, then the substrate (if any)."""
        return list(self.layers) + ([self.substrate] if self.substrate is not None else [])

    @property
    def total_thickness(self) -> float:
        """Sum of the layer thicknesses [m] (without the substrate)."""
        return float(sum(layer.thickness for layer in self.layers))

    def z_interfaces(self) -> np.ndarray:
        """z [m] of the top surface, every interface and the bottom, top → bottom.

        Returns:
            ``[0, -d1, -(d1+d2), ..., -total_thickness]`` followed by the substrate bottom
            ``-(total_thickness + d_substrate)`` if there is a substrate.
        """
        thicknesses = [layer.thickness for layer in self.all_layers()]
        return np.concatenate([[0.0], -np.cumsum(thicknesses)])

    def bounds(self, name: str) -> tuple[float, float]:
        """``(z_bottom, z_top)`` [m] of a layer or of ``"substrate"``."""
        names = [layer.name for layer in self.all_layers()]
        if name not in names:
            raise KeyError(f"the stack has no layer '{name}'; it has: {names}")
        z = self.z_interfaces()
        i = names.index(name)
        return float(z[i + 1]), float(z[i])

    def layer_at(self, z: float) -> Layer:
        """The layer containing height z [m] (an interface belongs to the layer above it).

        Raises:
            ValueError: z > 0 (ambient) or below the bottom of the stack.
        """
        zs = self.z_interfaces()
        if z > 0:
            raise ValueError(f"z = {z:.6g} m is above the stack top (z = 0): that is the ambient "
                             f"({self.ambient})")
        if z < zs[-1]:
            raise ValueError(f"z = {z:.6g} m is below the bottom of the stack (z = {zs[-1]:.6g} m)")
        # layer i spans (zs[i+1], zs[i]]; searchsorted on the ascending copy
        i = int(np.searchsorted(-zs, -z, side="left")) - 1
        return self.all_layers()[max(i, 0)]

    def interface_names(self) -> list[str]:
        """Internal interface group names ``"<upper>|<lower>"``, top → bottom."""
        names = [layer.name for layer in self.all_layers()]
        return [f"{a}|{b}" for a, b in zip(names[:-1], names[1:], strict=True)]

    def describe(self) -> str:
        """One line per layer: name, material, thickness, z range."""
        z = self.z_interfaces()
        lines = [f"{'layer':<14}{'material':<14}{'thickness':>12}   z range"]
        for i, layer in enumerate(self.all_layers()):
            lines.append(f"{layer.name:<14}{layer.material:<14}"
                         f"{_format_length(layer.thickness):>12}   [{_format_length(z[i + 1])}, "
                         f"{_format_length(z[i])}]")
        return "\n".join(lines)

