"""3D N1curl induction (Induction3D) against the axisymmetric A_φ solver on an axisymmetric case.

Problem (like with like): a resolved conducting film z ∈ [-d, 0] spanning a cylindrical box of
radius and half-height R = 5 r0 (``rz_film_mesh`` always spans the whole box radius), n×A = 0
on the box, Gaussian impressed flux (r0 = 5 µm, τ_p = 2 ps), σ = 2e6 S/m, d = 0.4 µm (thick
enough to be resolved by a few prism layers; rz_film_mesh needs d < 0.1 r0), backward Euler with the
same Δt = τ_p/20 in both solvers, so only the spatial discretizations differ. The box truncation is
common to both and cancels (its size relative to an infinite domain is a separate matter, see the
report). Observable: the Gaussian-weighted film average of B_z = (∇×A)_z + B_IFE,z with weight
radius r0/2 (exactly integrated; point values of the piecewise-constant N1curl curl scatter from
cell to cell).

Measured (3D in-plane size h = r0/n, 2 prism layers across the film, z-growth 1.6; axisymmetric P2
at r0/20 with 4 film layers; reference peak 0.4587 T at a delay of 747.3 fs):

    n = 2 (18k dofs): peak +0.97 %, delay -52 fs (-7.0 %), max trace difference 3.3 % of the peak
    n = 3 (30k dofs): peak +0.71 %, delay -27 fs (-3.6 %), 1.9 %
    n = 4 (42k dofs): peak +0.63 %, delay -18 fs (-2.4 %), 1.3 %
    n = 6 (74k dofs): peak +0.58 %, delay -11 fs (-1.5 %), 0.9 %

The delay converges roughly like O(h); 2 % on the delay needs h ≈ r0/5 (≈ 60k dofs).
"""

from __future__ import annotations

import numpy as np
import pytest

import femmag  # noqa: F401  (before dolfinx)

from mpi4py import MPI

import ufl
from dolfinx import fem

from femmag.physics.induction import AxisymmetricInduction, GaussianImpressedFlux, rz_film_mesh
from femmag.physics.induction3d import Induction3D, disk_box_mesh

BEAM_RADIUS = 5e-6  # m
THICKNESS = 0.4e-6  # m
CONDUCTIVITY = 2e6  # S/m
PULSE = 2e-12  # s
WEIGHT_RADIUS = 0.5 * BEAM_RADIUS  # m


def _peak(times: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """Peak value and time of a sampled trace (parabola through the three top samples)."""
    i = int(np.argmax(values))
    a, b, c = values[i - 1:i + 2]
    offset = 0.5 * (a - c) / (a - 2 * b + c)
    return b - 0.25 * (a - c) * offset, times[i] + offset * (times[1] - times[0])


@pytest.fixture(scope="module")
def traces() -> dict:
    comm = MPI.COMM_WORLD
    source = GaussianImpressedFlux(peak_field=1.0, beam_radius=BEAM_RADIUS,
                                   pulse_duration=PULSE, pulse_peak_time=0.0)
    times = np.arange(-2 * PULSE, 4 * PULSE + 1e-18, PULSE / 20)

    # 3D, N1curl
    disk = disk_box_mesh(comm, beam_radius=BEAM_RADIUS, thickness=THICKNESS, cells_per_radius=4)
    solver = Induction3D(disk, conductivity=CONDUCTIVITY, source=source, t_start=times[0])
    far = 0.5 * disk.half_height
    peak_index = int(np.argmin(np.abs(times - 0.75e-12)))  # near the peak of the response
    trace3d = solver.run(times[:peak_index + 1], [[0.0, 0.0, far]], average_radius=WEIGHT_RADIUS)
    far_3d_at_peak = solver.ball_average_curl([0.0, 0.0, far], WEIGHT_RADIUS)
    rest = solver.run(times[peak_index:], [[0.0, 0.0, far]], average_radius=WEIGHT_RADIUS)
    average_3d = np.r_[trace3d.average_field_z, rest.average_field_z[1:]]
    energy_3d = np.r_[trace3d.magnetic_energy, rest.magnetic_energy[1:]]

    # axisymmetric reference, same box, same time steps
    film_mesh = rz_film_mesh(comm, beam_radius=BEAM_RADIUS, thickness=THICKNESS,
                             representation="resolved", box_factor=5, cells_per_radius=20,
                             far_cell_factor=0.5, film_layers=4)
    axi = AxisymmetricInduction(film_mesh, conductivity=CONDUCTIVITY, source=source,
                                scheme="euler", degree=2, t_start=times[0])
    r = ufl.SpatialCoordinate(film_mesh.mesh)[0]
    dx_film = ufl.Measure("dx", domain=film_mesh.mesh,
                          subdomain_data=film_mesh.cell_tags)(film_mesh.markers["film"])
    weight = ufl.exp(-r**2 / WEIGHT_RADIUS**2)
    amplitude = fem.Constant(film_mesh.mesh, 0.0)
    impressed = fem.Function(axi.V)
    impressed.interpolate(lambda x: source.flux_density(x[0]))
    A = axi.vector_potential
    numerator = fem.form(weight * (A / r + A.dx(0) + amplitude * impressed) * r * dx_film)
    denominator = comm.allreduce(fem.assemble_scalar(fem.form(weight * r * dx_film)), op=MPI.SUM)
    # the same Gaussian ball average of the induced B_z around (0, 0, far), r dr dz measure
    z = ufl.SpatialCoordinate(film_mesh.mesh)[1]
    ball = ufl.exp(-(r**2 + (z - far) ** 2) / WEIGHT_RADIUS**2)
    far_numerator = fem.form(ball * (A / r + A.dx(0)) * r * ufl.dx)
    far_denominator = comm.allreduce(fem.assemble_scalar(fem.form(ball * r * ufl.dx)),
                                     op=MPI.SUM)

    def record(t: float) -> tuple[float, float, float]:
        amplitude.value = source.amplitude(t)
        average = comm.allreduce(fem.assemble_scalar(numerator), op=MPI.SUM) / denominator
        far_value = comm.allreduce(fem.assemble_scalar(far_numerator), op=MPI.SUM)
        return average, far_value / far_denominator, axi.magnetic_energy()

    rows = [record(times[0])]
    for t0, t1 in zip(times[:-1], times[1:], strict=True):
        axi.step(t0, t1 - t0)
        axi.commit()
        rows.append(record(t1))
    rows = np.array(rows)
    return {"times": times, "average_3d": average_3d, "average_axi": rows[:, 0],
            "far_3d": far_3d_at_peak, "far_axi": rows[peak_index, 1], "energy_3d": energy_3d,
            "energy_axi": rows[:, 2], "solver": solver}


def test_peak_and_delay_match_axisymmetric(traces: dict) -> None:
    times = traces["times"]
    peak_3d, time_3d = _peak(times, traces["average_3d"])
    peak_axi, time_axi = _peak(times, traces["average_axi"])
    assert peak_axi == pytest.approx(0.4587, rel=2e-3)  # the reference itself is stable
    assert peak_3d == pytest.approx(peak_axi, rel=0.01)  # measured +0.63 %
    assert time_3d == pytest.approx(time_axi, rel=0.035)  # measured -2.4 % (-18 fs of 747 fs)
    difference = np.max(np.abs(traces["average_3d"] - traces["average_axi"]))
    assert difference < 0.02 * peak_axi  # measured 1.3 % of the peak


def test_energy_and_far_field(traces: dict) -> None:
    """Gauge/global sanity: the magnetic energy of the induced field over the whole box (where
    spurious air currents from the σ_air gauge would show) matches the axisymmetric one, and the
    induced field on the axis 12.5 µm above the film (Gaussian ball average, ρ = r0/2, at the
    response peak) matches the axisymmetric one and is small."""
    energy_3d, energy_axi = traces["energy_3d"], traces["energy_axi"]
    assert np.max(np.abs(energy_3d - energy_axi)) < 0.04 * np.max(energy_axi)  # measured 2.7 %
    far_3d, far_axi = traces["far_3d"], traces["far_axi"]
    assert 0.005 < abs(far_axi) < 0.05  # T, vs the 1 T impressed peak
    assert np.hypot(far_3d[0], far_3d[1]) < 0.02 * abs(far_axi)  # no in-plane field on the axis
    assert far_3d[2] == pytest.approx(far_axi, rel=0.06)  # measured -3.8 % (-0.0104 T)


def test_disk_smaller_than_box_and_bad_input() -> None:
    comm = MPI.COMM_WORLD
    disk = disk_box_mesh(comm, beam_radius=BEAM_RADIUS, thickness=THICKNESS,
                         disk_radius=3 * BEAM_RADIUS, box_radius=6 * BEAM_RADIUS,
                         cells_per_radius=1.5, far_cell_factor=3.0)
    dx = ufl.Measure("dx", domain=disk.mesh, subdomain_data=disk.cell_tags)
    one = fem.Constant(disk.mesh, 1.0)
    film_volume = comm.allreduce(fem.assemble_scalar(fem.form(one * dx(disk.markers["film"]))),
                                 op=MPI.SUM)
    box_volume = comm.allreduce(fem.assemble_scalar(fem.form(one * dx)), op=MPI.SUM)
    # polygonal circles: volumes within the chord error (2-4 % at these sizes)
    exact_film = np.pi * (3 * BEAM_RADIUS) ** 2 * THICKNESS
    exact_box = np.pi * (6 * BEAM_RADIUS) ** 2 * 2 * disk.half_height
    assert film_volume == pytest.approx(exact_film, rel=0.04)
    assert box_volume == pytest.approx(exact_box, rel=0.04)
    with pytest.raises(ValueError, match="disk_radius ≤ box_radius"):
        disk_box_mesh(comm, beam_radius=BEAM_RADIUS, thickness=THICKNESS,
                      disk_radius=7 * BEAM_RADIUS, box_radius=6 * BEAM_RADIUS)
    with pytest.raises(ValueError, match="conductivity"):
        Induction3D(disk, conductivity=-1.0)


