"""Field files and end-of-run figures.

The writer iterates the output fields registered in the simulation's field registry
(:meth:`femmag.fields.FieldRegistry.outputs`): each is written to XDMF (``fields.xdmf`` + ``.h5``;
ParaView reopens them) at every field time (the temperatures as P1 point data, the magnetization
as DG0 cell averages of the quadrature state, further modules' fields), and on r-z meshes those
with a ``picture`` get a PNG at each field time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dolfinx import io

from femmag.io import plotting


class FieldWriter:
    """Writes the registered output fields of a simulation at chosen times."""

    def __init__(self, folder: Path, sim: Any, filename: str = "fields.xdmf") -> None:
        self.folder = Path(folder)
        self.sim = sim
        self.filename = filename
        mesh = sim.domain.mesh
        self.xdmf = io.XDMFFile(mesh.comm, self.folder / filename, "w")
        self.xdmf.write_mesh(mesh)
        # fields on other meshes (e.g. a module's own 1D transport mesh) are not written here
        self.outputs = [o for o in sim.fields.outputs() if o.function.function_space.mesh is mesh]
        self.functions = [o.function for o in self.outputs]
        self._components: dict[str, Any] = {}  # scalar DG0/P1 copies of picture components
        self.times: list[float] = []

    def _picture_function(self, output: Any) -> Any:
        component = output.picture.get("component")
        u = output.function
        if component is None:
            return u
        if output.name not in self._components:
            from dolfinx import fem

            V, dofs = u.function_space.sub(component).collapse()
            name = output.picture.get("file", f"{u.name}_{component}")
            self._components[output.name] = (fem.Function(V, name=name), np.asarray(dofs))
        scalar, dofs = self._components[output.name]
        scalar.x.array[:] = u.x.array[dofs]
        return scalar

    def write(self, t: float) -> None:
        for u in self.functions:
            self.xdmf.write_function(u, t)
        self.times.append(t)
        if self.sim.domain.kind != "rz":
            return
        thickness_nm = self.sim.stack.total_thickness * 1e9
        for output in self.outputs:
            if output.picture is None:
                continue
            pic = output.picture
            stem = pic.get("file", output.name)
            plotting.field_picture(
                self._picture_function(output), self.folder / f"{stem}_{t * 1e12:08.3f}ps.png",
                title=f"{pic.get('title', output.name)} at t = {t * 1e12:.3g} ps",
                zlim=(-pic.get("depth", 1.0) * thickness_nm, pic.get("top", 0.0)),
                comm=self.sim.comm, **{k: pic[k] for k in ("cmap", "clim") if k in pic})

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
