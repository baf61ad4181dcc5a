r"""The induced field acting on a film on a 3D mesh: IFE impressed flux + eddy currents (N1curl).

The 3D counterpart of :class:`femmag.physics.induction.module.FilmInduction` for
``Simulation(mesh="3d", induction={...})``: the same module (both are
:class:`~femmag.physics.induction.film.FilmInductionModule` s: field provider ``__call__(points,
t)``, ``centre_field``), with the eddy currents computed by
:class:`femmag.physics.induction.nedelec3d.Induction3D` (physics-spec §3.4) on its own 3D
disk-in-box mesh:

- the conducting film is the chosen magnetic layer, resolved (``film_layers`` prism layers across
  its thickness), spanning a cylindrical air box of radius and half-height ``box_factor``·r0
  (n×A = 0 there); the mesh is refined to r0/``cells_per_radius`` within 0.75 r0 of the beam
  axis, where the induced field is needed most;
- the drive is the inverse-Faraday impressed flux of the pump,
  :math:`B_{IFE} = h\,\kappa_{IFE} F_0\, e^{-ρ^2/r_0^2} g(t)\,\hat z` (spec §2.3, §3.2);
- optionally the film magnetization M = M_s(0 K)·m of the (trial) LLB state is a source
  (∫ M·∇×v, spec §3.1): each induction film cell takes the cell mean of M in the heat-mesh cell
  that contains its centroid (beyond the heat disk: the value at 0.95 of its radius);
- the field ``B = ∇×A + B_IFE`` is evaluated at the magnetization's quadrature points (the heat
  and induction meshes differ; the degree-1 N1curl curl is constant per induction cell, so the
  value is that of the induction cell containing the point);
- optionally the Joule power σ|E|² (cell averages on the induction mesh, one step lagged) is
  written as ``joule_power_density`` on the heat mesh's layer cells (DG0, sampled at their
  midpoints) for the heat module.

The heat and induction meshes are distributed independently: the points are gathered on every
rank and located on the induction mesh once, at setup (fine for the film's few thousand points;
the cost is O(total points) per rank).

Coupling (see :mod:`femmag.step`): as in the r-z module, the LLB step over [t, t+Δt] sees B of the
committed induction state; the induction step uses the trial magnetization at t+Δt.
"""

from __future__ import annotations

from typing import Any

from mpi4py import MPI

import numpy as np

from femmag.geometry.induction_meshes import disk_box_mesh
from femmag.physics.induction.axisymmetric import GaussianImpressedFlux
from femmag.physics.induction.film import FilmInductionModule
from femmag.physics.induction.nedelec3d import Induction3D
from femmag.physics.induction.probes import FieldProbe
from femmag.units import Q

__all__ = ["FilmInduction3D"]


class FilmInduction3D(FilmInductionModule):
    """Induced field of the pump on the (first) magnetic layer of a 3D simulation.

    Args:
        domain: the 3D simulation domain (its stack gives the film thickness and material).
        pulse: the pump :class:`~femmag.pulse.Pulse`, centred on the z axis (helicity, fluence,
            radius, duration, arrival).
        library: materials library (``electrical_conductivity`` of the film material).
        ife_coefficient: κ_IFE, e.g. ``"1 T/(mJ/cm^2)"`` (seed 003); ``"0 T/(mJ/cm^2)"`` for none.
        conductivity: film conductivity (default: the material's ``electrical_conductivity``).
        magnetization_source: include the film magnetization as a source of the field.
        joule_heating: feed σ|E|² back to the heat module (``joule_power_density``, lagged).
        layer: which magnetic layer (default: the first one of the stack).
        cells_per_radius: in-plane cell size r0/N near the beam axis (6: 2 % on the Δt_peak
            of the axisymmetric cross-check, see ``tests/verification/test_induction3d.py``).
        box_factor: radius and half-height of the induction box in r0.
        film_layers: prism layers across the film.
        layer_growth: growth of the z-layers away from the film.
        far_cell_factor: in-plane cell size at the box edge, in r0.
        scheme: ``"bdf2"`` (default), ``"euler"`` or ``"cn"`` (see
            :class:`~femmag.physics.induction.nedelec3d.Induction3D`).
        air_conductivity_ratio: σ_air/σ of the gauge.

    Attributes:
        joule_energy_delivered: Joule energy handed to the heat module so far [J] (layer cells of
            the heat mesh).
    """

    induced_field_description = ("B at the film: IFE + eddy currents (+ M variations), 3D "
                                 "N1curl")

    def __init__(self, domain: Any, pulse: Any, library: Any = None, *,
                 ife_coefficient: Any = "1 T/(mJ/cm^2)", conductivity: Any = None,
                 magnetization_source: bool = False, joule_heating: bool = False,
                 layer: str | None = None, cells_per_radius: float = 6.0,
                 box_factor: float = 5.0, film_layers: int = 1, layer_growth: float = 1.6,
                 far_cell_factor: float = 2.5, scheme: str = "bdf2",
                 air_conductivity_ratio: float = 1e-6) -> None:
        if domain.kind != "3d":
            raise ValueError(f"FilmInduction3D: mesh kind '{domain.kind}' is not 3D; use "
                             f"FilmInduction for '1d' and 'rz' meshes")
        if hasattr(pulse, "arrivals"):
            raise ValueError("FilmInduction3D: pulse trains are not supported yet; give one Pulse")
        if box_factor < 3:
            raise ValueError(f"FilmInduction3D: box_factor={box_factor} is too small for the "
                             f"n×A = 0 truncation; use ≥ 5 (the error falls as box_factor⁻³)")
        super().__init__(domain, pulse, library, ife_coefficient=ife_coefficient,
                         conductivity=conductivity, magnetization_source=magnetization_source,
                         joule_heating=joule_heating, layer=layer)
        _bottom, top = domain.stack.bounds(self.layer)
        self.film_top = top  # the induction mesh has its film at [-d, 0]: shift by -top
        self.mesh_options = {"cells_per_radius": cells_per_radius, "box_factor": box_factor,
                             "film_layers": film_layers, "layer_growth": layer_growth,
                             "far_cell_factor": far_cell_factor}
        self.scheme = scheme
        self.air_conductivity_ratio = air_conductivity_ratio

    # --- setup -------------------------------------------------------------------------------
    def _shift(self, points: np.ndarray) -> np.ndarray:
        shifted = np.array(points, dtype=float).reshape(-1, 3)
        shifted[:, 2] -= self.film_top
        return shifted

    def setup(self, fields: Any) -> None:
        import dolfinx

        comm = self.domain.mesh.comm
        pulse = self.pulse
        r0 = pulse.radius
        opts = self.mesh_options
        box = opts["box_factor"] * r0
        self.disk_mesh = disk_box_mesh(comm, beam_radius=Q(r0, "m"),
                                       thickness=Q(self.thickness, "m"),
                                       box_radius=Q(box, "m"), half_height=Q(box, "m"),
                                       cells_per_radius=opts["cells_per_radius"],
                                       far_cell_factor=opts["far_cell_factor"],
                                       film_layers=opts["film_layers"],
                                       layer_growth=opts["layer_growth"])
        source = GaussianImpressedFlux.from_si(self.peak_field, r0, pulse.duration,
                                               pulse_peak_time=pulse.arrival)
        self.solver = Induction3D.from_si(self.disk_mesh, conductivity=self.conductivity,
                                          source=source, scheme=self.scheme,
                                          air_conductivity_ratio=self.air_conductivity_ratio,
                                          t_start=0.0)
        self._magnetization = self._read_magnetization(fields)
        # B at the LLB points (gathered, located once); the beam centre slightly off the axis
        # (inside one cell: a partition-independent point value)
        points = self._magnetization.points if self._magnetization is not None else \
            np.zeros((0, 3))
        self._points = points
        self._probe = FieldProbe(self.disk_mesh.mesh, self._shift(points), local=True)
        h0 = r0 / opts["cells_per_radius"]
        self._centre_probe = self.solver.probe(
            [[1e-3 * np.pi * h0, 1e-3 * np.e * h0, -0.5 * self.thickness]])
        if self.magnetization_source and self._magnetization is not None:
            self._setup_magnetization_map()
        if self.joule_power_density is not None:
            import ufl
            from dolfinx import fem

            mesh = self.domain.mesh
            cells = self.domain.cells(self.layer)
            n_owned = mesh.topology.index_map(mesh.topology.dim).size_local
            cells = cells[cells < n_owned]
            midpoints = dolfinx.mesh.compute_midpoints(mesh, mesh.topology.dim, cells)
            self._joule_dofs = self.joule_power_density.function_space.dofmap.list[cells][:, 0]
            self._joule_probe = FieldProbe(self.disk_mesh.mesh, self._shift(midpoints),
                                           local=True)
            w = ufl.TestFunction(self.joule_power_density.function_space)
            volume = fem.assemble_vector(fem.form(w * ufl.dx))
            self._joule_volume = volume.array[self._joule_dofs]
        self._field = np.zeros((len(points), 3))
        self._q = np.zeros(0)
        self._update_field()

    def _setup_magnetization_map(self) -> None:
        """Sample the heat mesh's cell-mean M at the induction film cells' centroids."""
        import dolfinx
        from dolfinx import fem

        mesh = self.disk_mesh.mesh
        heat_mesh = self.domain.mesh
        film = self.disk_mesh.cell_tags.find(self.disk_mesh.markers["film"])
        self._film_cells = film[film < mesh.topology.index_map(3).size_local]
        centroids = dolfinx.mesh.compute_midpoints(mesh, 3, self._film_cells)
        centroids[:, 2] += self.film_top
        # the induction film extends past the (polygonal) heat disk: move those centroids
        # radially inwards until they lie in a heat cell (the value near the heat edge)
        rho = np.hypot(heat_mesh.geometry.x[:, 0], heat_mesh.geometry.x[:, 1])
        edge = heat_mesh.comm.allreduce(float(rho.max()) if len(rho) else 0.0, op=MPI.MAX)
        radius = np.hypot(centroids[:, 0], centroids[:, 1])
        scale = np.where(radius > edge, edge / np.maximum(radius, 1e-300), 1.0)
        centroids[:, :2] *= scale[:, None]
        for _ in range(12):
            self._m_probe = FieldProbe(heat_mesh, centroids, local=True, allow_outside=True)
            outside = self._m_probe.outside
            if not heat_mesh.comm.allreduce(bool(np.any(outside)), op=MPI.LOR):
                break
            centroids[outside, :2] *= 0.9
        self._m_heat = fem.Function(fem.functionspace(heat_mesh, ("DG", 0, (3,))))
        field = self._magnetization
        self._m_dofs = self._m_heat.function_space.dofmap.list[field.cells][:, 0]
        self._m_saturation = field.parameters["saturation_magnetization"].reshape(
            len(field.cells), field.points_per_cell)[:, 0]

    def _set_magnetization(self) -> None:
        """M (DG0 on the induction mesh) from the trial LLB state: heat-cell means of M_s0·m."""
        field = self._magnetization
        m = field.values().reshape(len(field.cells), field.points_per_cell, 3)  # also 0 cells
        m_cells = np.einsum("cq,cqi->ci", field.cell_weights(), m)
        values = self._m_heat.x.array.reshape(-1, 3)
        values[:] = 0.0
        values[self._m_dofs] = m_cells * self._m_saturation[:, None]
        self._m_heat.x.scatter_forward()
        sampled = self._m_probe.evaluate(self._m_heat)
        target = self.solver.magnetization
        dofs = target.function_space.dofmap.list[self._film_cells][:, 0]
        target.x.array[:] = 0.0
        target.x.array.reshape(-1, 3)[dofs] = sampled
        target.x.scatter_forward()

    # --- stepping ----------------------------------------------------------------------------
    def _update_field(self) -> None:
        solver = self.solver
        self._field = self._probe.evaluate(solver.curl)
        if len(self._points):
            self._field[:, 2] += solver.impressed_field_z(self._shift(self._points))
        self._centre = float(solver.field_at(self._centre_probe)[0, 2])
        if self.joule_power_density is not None:
            density = solver.update_joule_power_density()
            self._q = self._joule_probe.evaluate(density)[:, 0]
            self.joule_power_density.x.array[self._joule_dofs] = self._q

    def __call__(self, points: np.ndarray, t: float) -> np.ndarray:
        """Field provider: B (n, 3) [T] at the magnetization points (committed induction state).

        Raises:
            ValueError: for points other than the magnetization's quadrature points (the values
                are located collectively at setup).
        """
        if len(points) != len(self._points) or not np.array_equal(points, self._points):
            raise ValueError("FilmInduction3D: the induced field is available at the "
                             "magnetization's quadrature points only (located at setup); use "
                             "solver.probe(points) + solver.field_at(probe) (collective) for "
                             "other points")
        return self._field.copy()

    def centre_field(self) -> float:
        """B_z at the beam centre, film mid-plane [T] (committed state)."""
        return self._centre

    def _joule_energy_of_step(self, dt: float) -> float:
        # what the heat step over [t, t+dt] used (lagged), over the layer cells of all ranks
        local = dt * float(np.dot(self._q, self._joule_volume))
        return self.domain.mesh.comm.allreduce(local, op=MPI.SUM)

    def _summary_tail(self) -> str:
        return f"{len(self._points)} LLB points"
