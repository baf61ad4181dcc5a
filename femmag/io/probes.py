"""Point values of finite-element functions in parallel (the owning rank evaluates, all receive)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np

from mpi4py import MPI

from dolfinx import fem, geometry


class PointProbe:
    """Evaluate functions at one fixed point; the value is the same on every rank.

    The cell containing the point is located once (bounding-box tree); among the ranks that own such
    a cell the lowest rank evaluates, and the value is shared with ``allreduce``.
    """

    def __init__(self, mesh, point) -> None:
        self.mesh = mesh
        p = np.zeros(3)
        p[: len(point)] = point
        self.point = p
        tdim = mesh.topology.dim
        n_owned = mesh.topology.index_map(tdim).size_local
        tree = geometry.bb_tree(mesh, tdim, entities=np.arange(n_owned, dtype=np.int32))
        candidates = geometry.compute_collisions_points(tree, p.reshape(1, 3))
        colliding = geometry.compute_colliding_cells(mesh, candidates, p.reshape(1, 3))
        cells = np.asarray(colliding.links(0), dtype=np.int32)
        # the cell with the smallest original (input) index, on whichever rank owns it: the same
        # cell for any partition (a point on a face of two cells sees the same DG0 value on 1 and
        # on n ranks)
        original = np.asarray(mesh.topology.original_cell_index, dtype=np.int64)
        best = int(original[cells].min()) if len(cells) else np.iinfo(np.int64).max
        chosen = mesh.comm.allgather(best)
        if min(chosen) == np.iinfo(np.int64).max:
            raise ValueError(f"probe point {tuple(p)} lies outside the mesh")
        self.owner = int(np.argmin(chosen))
        self.cell = (int(cells[np.argmin(original[cells])]) if mesh.comm.rank == self.owner
                     else -1)

        # per function space: the point value is a fixed linear combination of the cell's dofs
        self._weights: dict[int, tuple] = {}

    def _weights_of(self, V: fem.FunctionSpace, size: int) -> tuple[np.ndarray, np.ndarray]:
        """(unrolled dofs of the probe cell, weights [size × dofs]) on the owning rank: found once
        per space by probing each basis function (Function.eval is linear in the coefficients).
        Called on every rank (creating a Function is collective)."""
        key = id(V)
        if key not in self._weights:
            basis = fem.Function(V)
            dofs = np.zeros(0, dtype=np.int32)
            weights = np.zeros((size, 0))
            if self.mesh.comm.rank == self.owner:
                bs = V.dofmap.bs
                cell_dofs = V.dofmap.cell_dofs(self.cell)
                dofs = (bs * np.repeat(cell_dofs, bs)
                        + np.tile(np.arange(bs), len(cell_dofs))).astype(np.int32)
                weights = np.zeros((size, len(dofs)))
                for j, dof in enumerate(dofs):
                    basis.x.array[:] = 0.0
                    basis.x.array[dof] = 1.0
                    weights[:, j] = basis.eval(self.point.reshape(1, 3),
                                               np.array([self.cell], dtype=np.int32))
            del basis  # free its vector (and scatter communicators) now
            self._weights[key] = (V, dofs, weights)  # V kept alive: its id stays valid
        return self._weights[key][1:]

    def __call__(self, u: fem.Function) -> np.ndarray:
        """Value(s) of ``u`` at the point (array of the value size), identical on all ranks."""
        V = u.function_space
        entry = self._weights.get(id(V))
        if entry is None:
            size = int(np.prod(u.ufl_shape)) if u.ufl_shape else 1
            self._weights_of(V, size)
            entry = self._weights[id(V)]
        _, dofs, weights = entry
        comm = self.mesh.comm
        if comm.size == 1:  # a trace sample per step: no reduction to wait for
            return weights @ u.x.array[dofs]
        local = np.zeros(weights.shape[0])
        if comm.rank == self.owner:
            local[:] = weights @ u.x.array[dofs]
        comm.Allreduce(MPI.IN_PLACE, local, op=MPI.SUM)  # buffer, no pickling
        return local


# -- named field probes: Simulation(probes={name: {"field": ..., "at": [...]}}) ---------------------

#: the keys of one probe of ``Simulation(probes={name: {...}})`` (and of a case's ``[probes.name]``)
PROBE_OPTIONS = ("field", "at", "component")

#: components of a vector field (x = r on r-z meshes) and the norm
COMPONENTS = {"x": 0, "r": 0, "y": 1, "phi": 1, "z": 2, "norm": "norm"}

#: the coordinates of a probe point per mesh kind (z = 0 at the top surface, negative into the
#: stack; r-z: radius and z; 1d: z only)
COORDINATES = {"1d": ("z",), "rz": ("r", "z"), "xz": ("x", "z"), "3d": ("x", "y", "z")}

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclasses.dataclass(frozen=True)
class ProbeSpec:
    """One named point probe: ``field`` (a registered field), ``component`` (0, 1, 2, "norm" or
    None for a scalar), ``point`` [m] in the mesh's coordinates, ``at`` as the user wrote it."""

    name: str
    field: str
    component: Any
    point: tuple
    at: tuple

    def describe(self) -> dict:
        entry = {"field": self.field, "at": [str(a) for a in self.at]}
        if self.component is not None:
            entry["component"] = next(k for k, v in COMPONENTS.items() if v == self.component)
        return entry


def parse_probes(probes: Any, kind: str | None, where: str = "probes") -> list[ProbeSpec]:
    """Check ``probes`` (names, keys, units, the number of coordinates of the mesh kind) without
    a mesh; the fields and the mesh extent are checked at setup (:func:`attach_probes`)."""
    from femmag.units import to_si

    if probes is None:
        return []
    if not isinstance(probes, dict):
        raise ValueError(f"{where} must be a dict {{name: {{'field': 'electron_temperature', "
                         f"'at': ['0 um', '0 nm']}}}}, got {probes!r}")
    specs = []
    for name, spec in probes.items():
        here = f"{where}['{name}']"
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"{where}: probe name {name!r} must be a word of letters, digits and "
                             f"_ (it names the trace column), e.g. 'centre_surface'")
        if not isinstance(spec, dict):
            raise ValueError(f"{here} must be a dict {{'field': ..., 'at': [...]}}, got {spec!r}")
        unknown = [k for k in spec if k not in PROBE_OPTIONS]
        if unknown:
            import difflib

            hint = difflib.get_close_matches(str(unknown[0]), PROBE_OPTIONS, n=1)
            raise ValueError(f"{here}: unknown key '{unknown[0]}'"
                             + (f"; did you mean '{hint[0]}'?" if hint else "")
                             + f" Known keys: {list(PROBE_OPTIONS)}")
        for key in ("field", "at"):
            if key not in spec:
                raise ValueError(f"{here} needs '{key}', e.g. {{'field': "
                                 f"'electron_temperature', 'at': ['0 um', '-5 nm']}}")
        field, component = spec["field"], spec.get("component")
        if not isinstance(field, str):
            raise ValueError(f"{here}: field must be a field name such as "
                             f"'electron_temperature', got {field!r}")
        suffix = field.rsplit("_", 1)[-1] if "_" in field else ""
        if component is None and suffix in ("x", "y", "z", "norm"):
            field, component = field[: -len(suffix) - 1], suffix  # "magnetization_z"
        if component is not None:
            if component not in COMPONENTS:
                raise ValueError(f"{here}: component = {component!r}; use one of "
                                 f"{list(COMPONENTS)} (r = x on r-z meshes)")
            component = COMPONENTS[component]
        at = spec["at"]
        at = [at] if isinstance(at, str) or not isinstance(at, list | tuple) else list(at)
        names = COORDINATES.get(kind) if kind is not None else None
        if names is not None and len(at) != len(names):
            example = {"1d": "['-5 nm']", "rz": "['0 um', '-5 nm']", "xz": "['0 um', '-5 nm']",
                       "3d": "['0 um', '0 um', '-5 nm']"}[kind]
            raise ValueError(f"{here}: at = {spec['at']!r} has {len(at)} coordinate(s); a "
                             f"'{kind}' mesh takes {len(names)} ({', '.join(names)}; z = 0 at the "
                             f"top surface, negative into the stack), e.g. at = {example}")
        point = tuple(to_si(a, "length", f"{here} at") for a in at)
        specs.append(ProbeSpec(name, field, component, point, tuple(at)))
    return specs


def mesh_extent(mesh) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) corners [m] of the mesh's bounding box, over all ranks."""
    gdim = mesh.geometry.dim
    x = mesh.geometry.x[:, :gdim]
    low = mesh.comm.allreduce(x.min(axis=0) if len(x) else np.full(gdim, np.inf), op=MPI.MIN)
    high = mesh.comm.allreduce(x.max(axis=0) if len(x) else np.full(gdim, -np.inf), op=MPI.MAX)
    return low, high


def locate_probes(specs: list[ProbeSpec], mesh, kind: str) -> dict[tuple, PointProbe]:
    """A :class:`PointProbe` per distinct probe point (collective); a point outside the mesh is
    an error that names the probe and gives the mesh's extent."""
    located: dict[tuple, PointProbe] = {}
    for spec in specs:
        if spec.point in located:
            continue
        try:
            located[spec.point] = PointProbe(mesh, spec.point)
        except ValueError:
            low, high = mesh_extent(mesh)
            axes = COORDINATES.get(kind, ("x", "y", "z")[: len(low)])
            extent = ", ".join(f"{a} from {lo * 1e9:.6g} to {hi * 1e9:.6g} nm"
                               for a, lo, hi in zip(axes, low, high, strict=False))
            raise ValueError(f"probe '{spec.name}': at = {list(spec.at)} lies outside the mesh; "
                             f"the mesh spans {extent} (z = 0 at the top surface, negative into "
                             f"the stack)") from None
    return located


def attach_probes(specs: list[ProbeSpec], located: dict, fields: Any, traces: Any,
                  time: Any, comm) -> None:
    """Add one trace column per probe (collective values, the same on every rank).

    A field with a ``dolfinx.fem.Function`` output on the simulation mesh (temperatures P1,
    magnetization DG0 cell averages, ...) is evaluated in the cell that holds the point; a field
    provider ``(points, t) -> B`` (e.g. the induced field) is evaluated on rank 0 and broadcast.
    """
    outputs = {o.name: o for o in fields.outputs()}
    for spec in specs:
        if spec.name in traces.names():
            raise ValueError(f"probe name '{spec.name}' is already a trace column; choose "
                             f"another name")
        probe = located[spec.point]
        if spec.field in outputs and outputs[spec.field].function.function_space.mesh is \
                probe.mesh:
            u = outputs[spec.field].function
            unit = outputs[spec.field].unit
            size = int(np.prod(u.ufl_shape)) if u.ufl_shape else 1
            c = _checked_component(spec, size)

            def sample(u=u, probe=probe, c=c):
                return _component(probe(u), c)
        elif spec.field in fields and fields.entry(spec.field).provider:
            provider = fields.entry(spec.field).value
            unit = fields.entry(spec.field).unit
            c = _checked_component(spec, 3)
            point = probe.point.reshape(1, 3)

            def sample(provider=provider, point=point, c=c):
                value = _component(np.asarray(provider(point, time()))[0], c) \
                    if comm.rank == 0 else None
                return comm.bcast(value, root=0)
        else:
            probed = sorted(set(outputs) | {e.name for e in fields.providers()})
            raise ValueError(f"probe '{spec.name}': no field '{spec.field}' to probe in this "
                             f"run; fields with point values: {probed}")
        traces.add(spec.name, unit, sample)


def _checked_component(spec: ProbeSpec, size: int) -> Any:
    """The component to record: None for a scalar, z for a vector unless told."""
    if size == 1 and spec.component is not None:
        raise ValueError(f"probe '{spec.name}': '{spec.field}' is a scalar field; leave out "
                         f"component")
    return None if size == 1 else COMPONENTS["z"] if spec.component is None else spec.component


def _component(values: np.ndarray, component: Any) -> float:
    if component is None:
        return float(values[0])
    if component == "norm":
        return float(np.linalg.norm(values))
    return float(values[component])
