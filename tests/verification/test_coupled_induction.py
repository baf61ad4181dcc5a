"""The coupled chain optics → heat → IFE + induction → LLB inside a Simulation (seed 003).

- the induced field at the beam centre, recorded through the Simulation wiring, equals the
  semi-analytic thin-sheet modal response (physics-spec §3.6): Δt_peak ± 2 fs, peak ± 1%;
- σ− drives the centre towards −z while T_e > T_c, σ+ towards +z (seed 003, Fig. 1b/2);
- the outcome agrees with the fast scalar beam-centre model (§3.8).
"""

from __future__ import annotations

import numpy as np
import pytest

import femmag  # noqa: F401

from mpi4py import MPI

from femmag.studies.seed003 import seed003_film
from femmag.pulse import Pulse
from femmag.models.induction_modal import pulse_response_metrics, thin_sheet_centre_response
from femmag.simulation import Simulation, TimeStepping


def run(helicity: str, t_end: str):
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", helicity=helicity, arrival="0.3 ps")
    sim = Simulation(seed003_film(), pulse, mesh="1d", magnetization={"initial": "+z"},
                     induction={"ife_coefficient": "1 T/(mJ/cm^2)"}, comm=MPI.COMM_WORLD,
                     time_stepping=TimeStepping(dt_pulse="2 fs", dt_max="1 ps", window=3),
                     verbose=False)
    return sim, sim.run(t_end)


@pytest.fixture(scope="module")
def sigma_minus():
    return run("sigma-", "20 ps")


def test_induced_field_matches_modal_reference(sigma_minus):
    sim, tr = sigma_minus
    t = tr.column("time") * 1e-12 - 0.3e-12
    Bi = tr.column("induced_field_centre")
    sel = (t > -0.5e-12) & (t < 0.6e-12)
    fem = pulse_response_metrics(t[sel], -Bi[sel], peak_field=2.6)
    ref_t = np.linspace(-0.5e-12, 0.6e-12, 2201)
    ref = thin_sheet_centre_response(ref_t, conductivity=8e6, thickness=10e-9,
                                     beam_radius=5e-6, pulse_duration=140e-15, peak_field=2.6)
    exact = pulse_response_metrics(ref_t, ref, peak_field=2.6)
    assert abs(fem.peak_delay - exact.peak_delay) < 2e-15, (fem.peak_delay, exact.peak_delay)
    assert abs(fem.peak_ratio / exact.peak_ratio - 1) < 0.01, (fem.peak_ratio, exact.peak_ratio)


def test_helicity_decides_the_sign(sigma_minus):
    _, tr_minus = sigma_minus
    _, tr_plus = run("sigma+", "20 ps")
    m_minus = tr_minus.column("magnetization_z_centre")[-1]
    m_plus = tr_plus.column("magnetization_z_centre")[-1]
    assert m_minus < -1e-5 and m_plus > 1e-5, (m_minus, m_plus)
    # the same outcome in the scalar beam-centre model (thin-sheet kernel, 0D S003-A heat)
    from femmag.models.beam_centre import run_scalar_model

    scalar = run_scalar_model(np.array([26.0]), diameter=10e-6, ife_coefficient=0.1,
                              helicity=np.array([-1.0, 1.0]), disturbance=0.0)
    final = scalar.magnetization_z[-1]
    assert final[0] < 0 < final[1], final


def test_joule_heating_feedback_conserves_energy():
    """Eddy-current Joule heat σE² fed to the electrons (r-z): the heat module's energy balance
    still closes, and the Joule energy it received equals the induction solver's Joule losses."""
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", helicity="sigma-", arrival="0.3 ps")
    common = dict(mesh="rz", magnetization={"initial": "+z"}, comm=MPI.COMM_WORLD, verbose=False,
                  mesh_options={"radius": "20 um", "cells_per_beam_radius": 8,
                                "max_cell_size": "2.5 nm"},
                  time_stepping=TimeStepping(dt_pulse="2 fs", dt_max="50 fs"))
    with_joule = Simulation(seed003_film(), pulse, induction={
        "ife_coefficient": "1 T/(mJ/cm^2)", "joule_heating": True}, **common)
    tr = with_joule.run("1.5 ps")
    laser = Simulation(seed003_film(), pulse, **common).run("1.5 ps")
    absorbed = tr.column("absorbed_energy")[-1]
    stored = tr.column("internal_energy_change")[-1]
    assert abs(stored - absorbed) < 1e-6 * absorbed
    joule_heat = absorbed - laser.column("absorbed_energy")[-1]
    delivered = with_joule.induction.joule_energy_delivered  # σE² on the heat mesh's radii
    total = with_joule.induction.solver.joule_energy  # the whole induction box (20 r0)
    assert joule_heat > 0.3 * laser.column("absorbed_energy")[-1]  # large: ~70% of the laser
    assert abs(joule_heat / delivered - 1) < 0.03, (joule_heat, delivered)
    # σE² ∝ 1/r² far out: a log-divergent tail beyond the heat mesh (R = 20 µm = 4 r0)
    assert delivered < total


def test_pulse_train_repeats_the_induced_field():
    """A PulseTrain drives the IFE flux at every arrival: with the magnetization source off the
    induction is linear and time-invariant, so the second pulse's B_i(t) repeats the first's."""
    from femmag.pulse import PulseTrain

    base = Pulse("1 mJ/cm^2", "140 fs", "10 um", helicity="sigma-", arrival="0.3 ps")
    train = PulseTrain(base, 2, "3 ps")
    sim = Simulation(seed003_film(), train, mesh="1d", magnetization={"initial": "+z"},
                     induction={"ife_coefficient": "1 T/(mJ/cm^2)"}, comm=MPI.COMM_WORLD,
                     time_stepping=TimeStepping(dt_pulse="2 fs", dt_max="0.25 ps", window=3),
                     verbose=False)
    tr = sim.run("4 ps")
    t = tr.column("time") * 1e-12
    Bi = tr.column("induced_field_centre")
    first = (t > 0.0) & (t < 1.2e-12)
    second = (t > 3.0e-12) & (t < 4.2e-12)
    i1, i2 = np.argmin(Bi[first]), np.argmin(Bi[second])
    peak1, peak2 = Bi[first][i1], Bi[second][i2]
    delay1, delay2 = t[first][i1] - 0.3e-12, t[second][i2] - 3.3e-12
    assert peak1 < -0.3  # σ−: B_i < 0, about half of the 1 T impressed peak (D = 10 µm)
    assert abs(peak2 / peak1 - 1) < 2e-3, (peak1, peak2)
    assert abs(delay2 - delay1) < 2.1e-15, (delay1, delay2)
    # decayed between pulses (the thin sheet's low-k modes leave a slow ~1/t tail: 1e-3 here)
    assert abs(Bi[np.searchsorted(t, 2.9e-12)]) < 3e-3 * abs(peak1)


def test_induction_box_follows_the_end_time():
    """Simulation.run(t_end) sizes the r-z induction box (box_radius='auto'); an explicit
    box_radius or end_time is an option of induction={...}; stepping past the sized end warns."""
    from femmag.physics.induction.module import induction_box_radius

    pulse = Pulse("1 mJ/cm^2", "140 fs", "2 um", helicity="sigma-", arrival="0.3 ps")
    sim = Simulation(seed003_film(), pulse, mesh="1d", induction={}, verbose=False)
    sim.run("0.4 ps")
    module = sim.induction
    expected = induction_box_radius(1e-6, module.conductivity, module.thickness, 0.1e-12)
    assert module.film_mesh.radius == pytest.approx(expected, rel=1e-12)
    assert module.film_mesh.radius == pytest.approx(20e-6, rel=1e-12)  # 20 r0 floor
    if sim.comm.rank == 0:  # the warning is printed once, by rank 0
        with pytest.warns(UserWarning, match="keeps the centre field within 1 %"):
            sim.run("1.0 ps")  # a continuation beyond the sized end time
    else:
        sim.run("1.0 ps")
    fixed = Simulation(seed003_film(), pulse, mesh="1d", verbose=False,
                       induction={"box_radius": "0.1 mm"})
    fixed.setup()
    assert fixed.induction.film_mesh.radius == pytest.approx(1e-4, rel=1e-12)
    planned = Simulation(seed003_film(), pulse, mesh="1d", verbose=False,
                         induction={"end_time": "2.3 ps"})
    planned.setup()
    assert planned.induction.film_mesh.radius == pytest.approx(
        induction_box_radius(1e-6, module.conductivity, module.thickness, 2.0e-12), rel=1e-12)
