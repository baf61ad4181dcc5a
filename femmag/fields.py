"""The field registry: the only way data passes between physics modules.

Every physics module declares the fields it *writes* (name, unit, description, value) and the fields
it *reads*. A value is one of

- a ``dolfinx.fem.Function`` (or a UFL expression) on the simulation's mesh,
- a :class:`QuadratureField`: a state held at quadrature points, with its points, weights and
  owned range, so that a reader never needs the writer's private attributes,
- a field provider: a callable ``(points (n, 3) [m], t [s]) -> (n, 3)``, declared with
  ``provider=True`` (e.g. the induced field, a disturbance field); the magnetization reads every
  provider in tesla as a field acting on the spins.

:meth:`FieldRegistry.check` verifies before the first step that each read field has exactly one
writer, and :meth:`FieldRegistry.summary` prints the wiring table (rank 0). Fields for the field
writer are registered with :meth:`FieldRegistry.add_output`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class FieldEntry:
    """One registered field.

    Attributes:
        name: physics name, e.g. ``"electron_temperature"``.
        unit: SI unit string, e.g. ``"K"``.
        description: one line.
        writer: name of the module that writes it.
        value: the object holding the data (a ``dolfinx.fem.Function``, a numpy array over
            quadrature points, or a callable of time).
        readers: names of the modules that read it.
    """

    name: str
    unit: str
    description: str
    writer: str
    value: Any = None
    readers: list[str] = field(default_factory=list)
    provider: bool = False


@dataclass
class QuadratureField:
    """A state held at the quadrature points of a set of cells (e.g. the LLB magnetization).

    Attributes:
        values: returns the current (trial) values, shape (n_points, k).
        points: physical coordinates (n_points, 3) [m] (unused components 0).
        cells: local cell indices (n_cells,); point ``i`` lies in ``cells[i // points_per_cell]``.
        points_ref: reference-cell quadrature points (points_per_cell, tdim).
        volume_weights: quadrature weight × |det J| (× 2πr on r-z meshes) per point [m³, or m
            on 1D meshes, per unit area].
        owned: True for points of owned cells (ghost cells are computed, not counted).
        global_ids: rank-independent point ids (original cell index × points_per_cell + q).
        parameters: per-point material arrays readers may need, by name (e.g.
            ``"saturation_magnetization"`` [A/m]).
    """

    values: Callable[[], np.ndarray]
    points: np.ndarray
    cells: np.ndarray
    points_ref: np.ndarray
    volume_weights: np.ndarray
    owned: np.ndarray
    global_ids: np.ndarray
    parameters: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def points_per_cell(self) -> int:
        return len(self.points_ref)

    @property
    def num_points(self) -> int:
        return len(self.points)

    def cell_weights(self) -> np.ndarray:
        """Normalized weights (n_cells, points_per_cell) for cell averages."""
        w = self.volume_weights.reshape(len(self.cells), self.points_per_cell)
        return w / np.maximum(w.sum(axis=1, keepdims=True), 1e-300)

    def cell_averages(self, values: np.ndarray | None = None) -> np.ndarray:
        """Volume-weighted cell averages (n_cells, k) of ``values`` (default: current values)."""
        v = self.values() if values is None else values
        nq = self.points_per_cell
        k = v.shape[-1] if v.ndim > 1 else 1  # explicit: a rank may hold no point
        return np.einsum("cq,cqi->ci", self.cell_weights(), v.reshape(len(self.cells), nq, k))


class WiringError(RuntimeError):
    """A field is read but never written, written twice, or read under a different unit."""


class FieldRegistry:
    """Name → field, with its unit, description, writer and readers."""

    def __init__(self) -> None:
        self._entries: dict[str, FieldEntry] = {}
        self._reads: list[tuple[str, str]] = []
        self._outputs: list[tuple[Any, str]] = []

    def declare(self, name: str, unit: str, description: str, writer: str, value: Any, *,
                provider: bool = False) -> None:
        """Register a field written by ``writer``. Writing a field twice is an error.

        ``provider=True`` marks a callable ``(points, t) -> (n, 3)`` field provider.
        """
        if name in self._entries:
            other = self._entries[name].writer
            raise WiringError(f"field '{name}' is written by both '{other}' and '{writer}': "
                              f"exactly one module may write a field")
        if provider and not callable(value):
            raise WiringError(f"field provider '{name}' of '{writer}' is not callable")
        self._entries[name] = FieldEntry(name, unit, description, writer, value,
                                         provider=provider)

    def providers(self, unit: str | None = None) -> list[FieldEntry]:
        """The field providers declared so far (optionally only those in ``unit``)."""
        return [e for e in self._entries.values()
                if e.provider and (unit is None or e.unit == unit)]

    def add_output(self, output: Any, writer: str) -> None:
        """Register an :class:`~femmag.physics.base.OutputField` for the field writer."""
        names = [o.name for o, _ in self._outputs]
        if output.name in names:
            raise WiringError(f"output field '{output.name}' of '{writer}' is already "
                              f"registered")
        self._outputs.append((output, writer))

    def outputs(self) -> list[Any]:
        """The registered output fields, in registration order."""
        return [o for o, _ in self._outputs]

    def read(self, name: str, reader: str) -> None:
        """Note that ``reader`` reads ``name`` (checked by :meth:`check`)."""
        self._reads.append((name, reader))
        if name in self._entries and reader not in self._entries[name].readers:
            self._entries[name].readers.append(reader)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def __getitem__(self, name: str) -> Any:
        try:
            return self._entries[name].value
        except KeyError:
            raise WiringError(f"no module writes field '{name}'; written fields: "
                              f"{sorted(self._entries)}") from None

    def entry(self, name: str) -> FieldEntry:
        return self._entries[name]

    def names(self) -> list[str]:
        return list(self._entries)

    def check(self) -> None:
        """Raise :class:`WiringError` if some read field has no writer."""
        missing = [(n, r) for n, r in self._reads if n not in self._entries]
        if missing:
            lines = ", ".join(f"'{n}' (read by {r})" for n, r in missing)
            raise WiringError(f"fields read but written by no module: {lines}. Enable the physics "
                              f"that writes them or remove the reader.")
        for n, r in self._reads:
            if r not in self._entries[n].readers:
                self._entries[n].readers.append(r)

    def summary(self) -> str:
        """A table of fields: name, unit, writer, readers, description."""
        rows = [("field", "unit", "written by", "read by", "description")]
        for e in self._entries.values():
            rows.append((e.name, e.unit, e.writer, ", ".join(e.readers) or "-", e.description))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                         for r in rows)
