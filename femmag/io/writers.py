"""Field files and end-of-run figures.

The writer iterates the output fields registered in the simulation's field registry
(:meth:`femmag.fields.FieldRegistry.outputs`) and writes them at every field time to

- ``fields.vtkhdf``: one VTKHDF file with every field time, the fields under their physical names
  with their SI units (see :mod:`femmag.io.fields_io`); ParaView opens it, and
  :func:`femmag.io.load` reads it back as pyvista meshes;
- ``fields.xdmf`` + ``.h5``: the same functions in DOLFINx's XDMF layout.

The temperatures are P1 point data, the magnetization DG0 cell averages of the quadrature state.
On r-z meshes the outputs with a ``picture`` get two PNGs at each field time (pyvista, off
screen): an r-z map (µm by nm) and the r-z section revolved into a cut-away 3D view of the film.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from dolfinx import io

from femmag.io import plotting


def _vtk_topology(mesh: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Owned cells in VTK node order as global geometry-node numbers, the local-to-global map of
    geometry nodes and the VTK cell type."""
    from dolfinx import cpp

    tdim = mesh.topology.dim
    n_owned = mesh.topology.index_map(tdim).size_local
    nodes = mesh.geometry.dofmaps[0][:n_owned]
    cell_type = mesh.topology.cell_type
    to_vtk = np.argsort(cpp.io.perm_vtk(cell_type, nodes.shape[1]))
    local_to_global = mesh.geometry.index_map().local_to_global(
        np.arange(mesh.geometry.x.shape[0], dtype=np.int32))
    linear = {"interval": 3, "triangle": 5, "quadrilateral": 9, "tetrahedron": 10,
              "hexahedron": 12}  # plain VTK cells for affine geometry (readers know them best)
    if nodes.shape[1] == 2 ** tdim or nodes.shape[1] == tdim + 1:
        vtk_type = linear[cell_type.name]
    else:
        vtk_type = int(cpp.io.get_vtk_cell_type(cell_type, tdim))
    return local_to_global[nodes[:, to_vtk]], local_to_global, vtk_type


class FieldWriter:
    """Writes the registered output fields of a simulation (or those in ``names``) at chosen
    times.

    Attributes:
        files: names (relative to ``folder``) of the files written so far.
        times: the field times written [s].
    """

    def __init__(self, folder: Path, sim: Any, filename: str = "fields.xdmf",
                 names: list[str] | None = None) -> None:
        from dolfinx import fem

        self.folder = Path(folder)
        self.sim = sim
        self.filename = filename
        self.comm = sim.comm
        mesh = sim.domain.mesh
        self.mesh = mesh
        self.xdmf = io.XDMFFile(mesh.comm, self.folder / filename, "w")
        self.xdmf.write_mesh(mesh)
        self.vtkhdf = Path(filename).with_suffix(".vtkhdf").name
        self.files = [filename, Path(filename).with_suffix(".h5").name]
        # fields on other meshes (e.g. a module's own 1D transport mesh) are not written here
        self.outputs = [o for o in sim.fields.outputs() if o.function.function_space.mesh is mesh
                        and (names is None or o.name in names)]  # Simulation(outputs={fields})
        self.functions = [o.function for o in self.outputs]
        # P1 and DG0 fields are written as they are; other elements through a P1 copy
        self._as_p1: dict[str, Any] = {}
        for output in self.outputs:
            element = output.function.function_space.ufl_element()
            if element.family_name == "P" and (element.embedded_superdegree == 0 or (
                    element.embedded_superdegree == 1 and not element.discontinuous)):
                continue
            shape = output.function.function_space.value_shape
            space = fem.functionspace(mesh, ("Lagrange", 1, shape))
            self._as_p1[output.name] = fem.Function(space, name=output.name)
        self.cells, self._local_to_global, self.vtk_type = _vtk_topology(mesh)
        self.grid = self._gather_grid()  # rank 0 only; None elsewhere
        self._steps: list[tuple[float, dict]] = []
        self.times: list[float] = []

    # -- gathering on rank 0 -----------------------------------------------------------------------
    def _gather_grid(self) -> Any:
        mesh = self.mesh
        n_nodes = mesh.geometry.index_map().size_global
        owned = mesh.geometry.index_map().size_local
        pieces = self.comm.gather((self._local_to_global[:owned], mesh.geometry.x[:owned],
                                   self.cells), root=0)
        if self.comm.rank != 0:
            return None
        import pyvista

        points = np.zeros((n_nodes, 3))
        for ids, x, _ in pieces:
            points[ids] = x
        cells = np.concatenate([c for _, _, c in pieces])
        vtk_cells = np.hstack([np.full((len(cells), 1), cells.shape[1]), cells]).ravel()
        grid = pyvista.UnstructuredGrid(vtk_cells, np.full(len(cells), self.vtk_type, np.uint8),
                                        points)
        grid.field_data["field_names"] = np.array([o.name for o in self.outputs])
        grid.field_data["field_units"] = np.array([o.unit for o in self.outputs])
        grid.field_data["field_descriptions"] = np.array([o.description or o.name
                                                          for o in self.outputs])
        grid.field_data["field_pictures"] = np.array([json.dumps(o.picture or {})
                                                      for o in self.outputs])
        grid.field_data["geometry"] = np.array([self.sim.domain.kind])
        pulse = getattr(self.sim.pulse, "pulse", self.sim.pulse)
        if getattr(pulse, "radius", None) is not None:
            grid.field_data["beam_radius"] = np.array([float(pulse.radius)])
        grid.field_data["stack_thickness"] = np.array([float(self.sim.stack.total_thickness)])
        return grid

    def _gather_values(self, u: Any) -> tuple[str, np.ndarray] | None:
        """``("point" | "cell", values)`` of ``u`` on rank 0 in the grid's numbering."""
        V = u.function_space
        bs = V.dofmap.index_map_bs
        n_owned = self.cells.shape[0]
        dofs = V.dofmap.list[:n_owned]
        values = u.x.array.reshape(-1, bs)
        if dofs.shape[1] == 1:  # DG0: one value per cell
            kind, ids, local = "cell", None, values[dofs[:, 0]]
        else:  # P1: the cell's dofs follow its geometry nodes
            nodes = self.mesh.geometry.dofmaps[0][:n_owned]
            kind, ids, local = "point", self._local_to_global[nodes].ravel(), values[dofs].reshape(
                -1, bs)
        pieces = self.comm.gather((ids, local), root=0)
        if self.comm.rank != 0:
            return None
        if kind == "cell":
            gathered = np.concatenate([v for _, v in pieces])
        else:
            gathered = np.zeros((self.grid.n_points, bs))
            for ids_r, v in pieces:
                gathered[ids_r] = v
        return kind, gathered[:, 0] if bs == 1 else gathered

    # -- writing ----------------------------------------------------------------------------------
    def write(self, t: float) -> None:
        for u in self.functions:
            self.xdmf.write_function(u, t)
        arrays: dict[str, dict[str, np.ndarray]] = {"point": {}, "cell": {}}
        for output in self.outputs:
            u = output.function
            if output.name in self._as_p1:
                self._as_p1[output.name].interpolate(u)
                u = self._as_p1[output.name]
            gathered = self._gather_values(u)
            if gathered is not None:
                arrays[gathered[0]][output.name] = gathered[1]
        self.times.append(t)
        if self.comm.rank == 0:
            from femmag.io.fields_io import write_vtkhdf

            self._steps.append((t, arrays))
            write_vtkhdf(self.folder / self.vtkhdf, self.grid, self._steps)
        self._add_file(self.vtkhdf)
        if self.sim.domain.kind == "rz":
            self._pictures(t, arrays)

    def _pictures(self, t: float, arrays: dict) -> None:
        thickness = self.sim.stack.total_thickness
        for output in self.outputs:
            if output.picture is None:
                continue
            pic = output.picture
            stem = f"{pic.get('file', output.name)}_{t * 1e12:08.3f}ps"
            self._add_file(f"{stem}.png")
            self._add_file(f"{stem}_3d.png")
            if self.comm.rank != 0:
                continue
            grid = self.grid.copy(deep=False)
            kind = "point" if output.name in arrays["point"] else "cell"
            (grid.point_data if kind == "point" else grid.cell_data)[output.name] = (
                arrays[kind][output.name])
            view = plotting.FieldView.from_output(output, grid, t, thickness,
                                                  self.grid.field_data)
            plotting.rz_map_picture(view, self.folder / f"{stem}.png")
            plotting.revolved_picture(view, self.folder / f"{stem}_3d.png")

    def _add_file(self, name: str) -> None:
        if name not in self.files:
            self.files.append(name)

    def close(self) -> None:
        if self.xdmf is not None:
            self.xdmf.close()
            self.xdmf = None

    def figures(self, sim: Any) -> None:
        """Trace figure (temperatures and magnetization at the beam centre vs time)."""
        tr = sim.traces
        t = tr.column("time")
        series = {
            "T_e (centre)": (t, tr.column("electron_temperature_centre"), "temperature [K]"),
            "T_l (centre)": (t, tr.column("lattice_temperature_centre"), "temperature [K]"),
        }
        if "magnetization_z_centre" in tr.names():
            series["m_z (centre)"] = (t, tr.column("magnetization_z_centre"), "m = M/M_s(0 K)")
            series["|m| (centre)"] = (t, tr.column("magnetization_norm_centre"), "m = M/M_s(0 K)")
        if "induced_field_centre" in tr.names():
            series["B_i,z (centre)"] = (t, tr.column("induced_field_centre"), "induced field [T]")
        plotting.trace_figure(series, self.folder / "traces.png",
                              title="beam centre", xlog=bool(np.max(t) > 10))
        self._add_file("traces.png")
