"""Field files and end-of-run figures.

Fields are written to XDMF (``fields.xdmf`` + ``.h5``; ParaView and ``dolfinx.io.XDMFFile`` reopen
them): the temperatures as P1 point data and the magnetization as DG0 cell data (cell averages of the
quadrature-point state). Each written time also gets a PNG picture of T_e.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dolfinx import io

from femmag.io import plotting


class FieldWriter:
    """Writes the registered output fields of a simulation at chosen times."""

    def __init__(self, folder: Path, sim: Any) -> None:
        self.folder = Path(folder)
        self.sim = sim
        mesh = sim.domain.mesh
        self.xdmf = io.XDMFFile(mesh.comm, self.folder / "fields.xdmf", "w")
        self.xdmf.write_mesh(mesh)
        self.functions = [sim.heat.electron_temperature, sim.heat.lattice_temperature]
        self.mz = None
        if sim.magnetization is not None:
            self.functions.append(sim.magnetization.magnetization)
            from dolfinx import fem

            self.mz = fem.Function(fem.functionspace(mesh, ("DG", 0)), name="m_z")
        for module in getattr(sim, "extra_modules", ()):  # e.g. the s-d magnetization m_d
            self.functions += [u for u in getattr(module, "output_functions", ())
                               if u.function_space.mesh is mesh]
        self.times: list[float] = []

    def write(self, t: float) -> None:
        for u in self.functions:
            self.xdmf.write_function(u, t)
        self.times.append(t)
        if self.sim.domain.kind == "rz":
            zmin = -self.sim.stack.total_thickness * 1e9 * 3
            plotting.field_picture(
                self.sim.heat.electron_temperature,
                self.folder / f"electron_temperature_{t * 1e12:08.3f}ps.png",
                title=f"electron temperature T_e [K] at t = {t * 1e12:.3g} ps",
                zlim=(zmin, 0.5), comm=self.sim.comm)
            if self.mz is not None:
                self.mz.x.array[:] = self.sim.magnetization.magnetization.x.array.reshape(-1, 3)[:, 2]
                film = self.sim.stack.total_thickness * 1e9
                plotting.field_picture(
                    self.mz, self.folder / f"magnetization_z_{t * 1e12:08.3f}ps.png",
                    title=f"m_z = M_z/M_s(0 K) at t = {t * 1e12:.3g} ps", cmap="gray",
                    clim=(-0.8, 0.8), zlim=(-film, 0.0), comm=self.sim.comm)

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
        if sim.magnetization is not None:
            series["m_z (centre)"] = (t, tr.column("magnetization_z_centre"), "m = M/M_s(0 K)")
            series["|m| (centre)"] = (t, tr.column("magnetization_norm_centre"), "m = M/M_s(0 K)")
        if getattr(sim, "induction", None) is not None:
            series["B_i,z (centre)"] = (t, tr.column("induced_field_centre"), "induced field [T]")
        plotting.trace_figure(series, self.folder / "traces.png",
                              title="beam centre", xlog=bool(np.max(t) > 10))
