"""FilmInduction3D: the 3D-coupled Simulation's induced field equals the r-z-coupled one.

Seed-003 film (10 nm CoPt_S003A, σ = 8e6 S/m) on 1 µm fused silica, σ- pump 1 mJ/cm², 140 fs,
D = 10 µm, κ_IFE = 1 T/(mJ/cm²), Δt = 5 fs in the pulse window, no M source. Without the
magnetization source the induced field does not depend on the heat solution, so both heat meshes
are coarse. The r-z chain (``FilmInduction``: thin sheet in a 20 r0 box, P2 at r0/10) against the
3D chain (``FilmInduction3D``: resolved 10 nm film, one prism layer, N1curl at r0/N near the axis
in a 5 r0 box), B_i,z at the beam centre:

    N = 6 (45k dofs, default; this test): peak +1.34 % (-0.5057 vs -0.4990 T), same peak time
        (0.26 ps), max trace difference 1.79 % of the peak (at 2.6 mJ/cm²: +0.99 %, 1.7 %)
    N = 4 (27k dofs): peak +1.43 %, max trace difference 2.2 % (2.6 mJ/cm²)

``Simulation(mesh="3d", induction={...})`` builds ``FilmInduction3D`` (``mesh="rz"``/``"1d"``:
``FilmInduction``).
"""

from __future__ import annotations

import numpy as np
import pytest

import femmag  # noqa: F401  (before dolfinx)

from mpi4py import MPI

from femmag.studies.seed003 import seed003_film
from femmag.physics.induction.module3d import FilmInduction3D
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping

T_END = "0.45 ps"


def _simulation(mesh: str, mesh_options: dict, induction: dict) -> Simulation:
    pulse = Pulse("1 mJ/cm^2", "140 fs", "10 um", helicity="sigma-", arrival="0.2 ps")
    return Simulation(seed003_film(substrate_thickness="1 um"), pulse, mesh=mesh,
                      mesh_options=mesh_options,
                      induction={"ife_coefficient": "1 T/(mJ/cm^2)", **induction},
                      time_stepping=TimeStepping(dt_pulse="5 fs", dt_max="40 fs", window=3),
                      comm=MPI.COMM_WORLD, verbose=False)


@pytest.fixture(scope="module")
def runs(request) -> dict:
    coarse = {"max_cell_size": "5 nm", "min_cells_per_layer": 2}
    rz = _simulation("rz", {"cells_per_beam_radius": 4, **coarse}, {})
    trace_rz = rz.run(T_END)
    sim3d = _simulation("3d", {"cells_per_radius": 2, **coarse}, {"joule_heating": True})
    trace_3d = sim3d.run(T_END)
    return {"rz": trace_rz, "3d": trace_3d, "sim3d": sim3d}


def test_centre_field_matches_axisymmetric_chain(runs: dict) -> None:
    t_rz = runs["rz"].column("time")
    b_rz = runs["rz"].column("induced_field_centre")
    t_3d = runs["3d"].column("time")
    b_3d = runs["3d"].column("induced_field_centre")
    i, j = np.argmax(np.abs(b_rz)), np.argmax(np.abs(b_3d))
    assert b_rz[i] == pytest.approx(-0.499, rel=0.01)  # σ-: along -z
    assert b_3d[j] == pytest.approx(b_rz[i], rel=0.025)  # measured +1.34 %
    assert t_3d[j] == pytest.approx(t_rz[i], abs=0.006)  # ps: within a step
    difference = np.max(np.abs(np.interp(t_rz, t_3d, b_3d) - b_rz))
    assert difference < 0.03 * abs(b_rz[i])  # measured 1.79 %


def test_provider_joule_feedback_and_errors(runs: dict) -> None:
    sim = runs["sim3d"]
    induction = sim.induction
    assert isinstance(induction, FilmInduction3D)
    # the provider gives the field at the LLB points: B_z near the centre ≈ the centre value
    points = sim.magnetization.points
    field = induction(points, sim.t)
    rho = np.hypot(points[:, 0], points[:, 1])
    near = rho < 0.3 * sim.pulse.radius
    if np.any(near):
        assert np.all(np.abs(field[near, 2] / induction.centre_field() - 1) < 0.1)
    # Joule feedback: positive density in the film, energy delivered > 0 and < the laser's
    assert induction.joule_energy_delivered > 0
    absorbed = sim.traces.column("absorbed_energy")[-1]
    assert induction.joule_energy_delivered < absorbed
    with pytest.raises(ValueError, match="quadrature points only"):
        induction(np.zeros((2, 3)), sim.t)
    with pytest.raises(ValueError, match="not 3D"):
        FilmInduction3D(runs["rz"] and _rz_domain(), sim.pulse)


def _rz_domain():
    from femmag.geometry import builders

    return builders.build_1d(seed003_film(substrate_thickness="1 um"), MPI.COMM_WORLD)


def test_magnetization_source_map(runs: dict) -> None:
    """M on the induction mesh (the heat cells' mean M_s0·m at the induction cells' centroids):
    its film mean over the heat disk equals the LLB points' volume-weighted mean (the heat disk
    here is a coarse polygon of 10 cells: measured +1.1 %)."""
    import ufl
    from dolfinx import fem

    sim = runs["sim3d"]
    induction = sim.induction
    induction._setup_magnetization_map()
    induction._set_magnetization()
    comm = MPI.COMM_WORLD
    mag = sim.fields["magnetization"]
    sel = mag.owned
    weights = mag.volume_weights[sel]
    moment = mag.values()[sel, 2] * mag.parameters["saturation_magnetization"][sel]
    llb_mean = (comm.allreduce(float(np.sum(weights * moment)), op=MPI.SUM)
                / comm.allreduce(float(np.sum(weights)), op=MPI.SUM))
    solver = induction.solver
    x = ufl.SpatialCoordinate(solver.V.mesh)
    heat_radius = 4 * sim.pulse.radius  # the Simulation's default 3D disk
    inside = ufl.conditional(ufl.lt(x[0] ** 2 + x[1] ** 2, heat_radius**2), 1.0, 0.0)

    def integral(form: ufl.Form) -> float:
        return comm.allreduce(fem.assemble_scalar(fem.form(form)), op=MPI.SUM)

    fe_mean = (integral(inside * solver.magnetization[2] * solver._dx_film)
               / integral(inside * solver._dx_film))
    assert llb_mean > 1e5  # A/m: M_s0 m_z of the film
    assert fe_mean == pytest.approx(llb_mean, rel=0.03, abs=0.0)
