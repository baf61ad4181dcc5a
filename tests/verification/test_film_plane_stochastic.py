"""Thermal noise and VTX output of the film-plane maps (physics-spec §5.3-§5.4; issue 4 §2-§3).

- with the stochastic LLB (Evans et al. 2012) at the nodes, the map's spatial average ⟨|m|⟩ at a
  fixed uniform temperature relaxes to the stochastic equilibrium: the exact finite-cell
  Boltzmann average ``P(m) d³m ∝ exp(−M_s0 V_i f(m)/(k_B T)) d³m`` of every node (cell volume
  V_i = lumped-mass area × film thickness), within its statistical error (batch means), at
  T/T_c = 0.5 and 0.9; cells are made small (10 nm × 10 nm × 1 nm, ~7e3 spins) so that the
  finite-cell shift of ⟨|m|⟩ above m_e(T) is resolved at 0.9 T_c;
- with exchange, anisotropy and local demag on as well, ⟨|m|⟩ stays at the deterministic map's
  uniform fixed point within the statistical error plus the finite-cell shift bound 2σ²/m;
- a stochastic map with a per-node Ornstein–Uhlenbeck disturbance gives the same gathered m on 2
  ranks as on 1 (noise keyed by the mesh's input node index);
- the predictor–corrector micromagnetic field keeps the precession of a tilted film stable at
  Δt = 0.5 ps (the explicit frozen field makes the tilt grow);
- VTX output: the .bp folder written by :func:`run_pulse_train` has one ADIOS2 step per snapshot,
  holding the m values and times written (read back from the BP4 files without adios2).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

import femmag  # noqa: F401  (before dolfinx)

from mpi4py import MPI

from femmag.kernels import llb
from femmag.kernels.disturbance import ConstantDisturbance, RandomDisturbance
from femmag.kernels.llb import equilibrium_magnetization
from femmag.geometry.film_plane_mesh import film_plane_mesh
from femmag.models.electron_temperature import ElectronTemperatureTable
from femmag.materials import micromagnetic_parameters
from femmag.models.film_plane import (
    FilmPlaneMagnetization,
    GaussianBeamInducedField,
    GaussianBeamTemperature,
    pulse_train_times,
    run_pulse_train,
)
from femmag.pulse import Pulse, PulseTrain
from femmag.units import KB, Q

PARAMS = micromagnetic_parameters("CoPt_S003A")
TC = PARAMS.curie_temperature


def boltzmann_mean_length(temperature: float, cell_moment: float) -> float:
    """⟨|m|⟩ over P ∝ m² exp(−M_s0 V f(m)/(k_B T)), f = −a m²/2 + c m⁴/4 (zero field)."""
    mu = PARAMS.atomic_moment
    a, c = llb._internal_coefficients(np.array([temperature]), np.array([TC]), np.array([mu]))
    a, c = float(a[0]), float(c[0])
    beta = cell_moment / (KB * temperature)  # f is per μ_at: N μ_at f/(k_B T), N = M_s0 V/μ_at
    m_min = np.sqrt(max(a / c, 0.0))
    e0 = beta * (-a * m_min**2 / 2 + c * m_min**4 / 4)

    def weight(m):
        return m * m * np.exp(-(beta * (-a * m * m / 2 + c * m**4 / 4) - e0))

    width = 1.0 / np.sqrt(beta * (abs(a) + 3 * c * m_min**2))
    upper = m_min + 40 * width
    pts = [m_min + k * width for k in (-3, -1, 1, 3) if 0 < m_min + k * width < upper]
    z = quad(weight, 0, upper, points=pts, limit=400, epsrel=1e-12)[0]
    return quad(lambda m: m * weight(m), 0, upper, points=pts, limit=400, epsrel=1e-12)[0] / z


def _equilibrium_run(comm, temperature, *, micromagnetic, cell=10e-9, half_width=0.25e-6,
                     thickness=1e-9, n_burn=150, n_batches=10, batch=60, dt=20e-15):
    film = FilmPlaneMagnetization(film_plane_mesh(comm, half_width, cell), PARAMS,
                                  ambient_temperature=temperature, thermal_noise=True, seed=4,
                                  thickness=thickness, exchange=micromagnetic,
                                  anisotropy=micromagnetic, demagnetization=micromagnetic)
    film.set_uniform("+z")
    film.set_magnetization(0.8 * film.m[: film.n_owned])  # start away from equilibrium
    for _ in range(n_burn):  # 3 ps ≫ the longitudinal relaxation time (≤ 0.4 ps at 0.9 T_c)
        film.advance(dt)
    means = np.zeros(n_batches)
    for b in range(n_batches):
        for _ in range(batch):
            film.advance(dt)
            means[b] += film.mean_magnetization_length() / batch
    # batches of 1.2 ps are longer than the correlation time: nearly independent
    return film, means.mean(), means.std(ddof=1) / np.sqrt(n_batches)


@pytest.mark.parametrize("reduced_temperature", [0.5, 0.9])
def test_map_relaxes_to_stochastic_equilibrium(comm, reduced_temperature):
    T = reduced_temperature * TC
    film, mean, err = _equilibrium_run(comm, T, micromagnetic=False)
    # expected: the area-weighted mean of the exact per-node averages (nodes are independent
    # without exchange; V_i takes a few values: interior, edge and corner nodes)
    moments = np.round(film.cell_moment, 30)
    values = {v: boltzmann_mean_length(T, v)
              for v in np.unique(np.concatenate(comm.allgather(np.unique(moments))))}
    local = float(film.nodal_area @ np.array([values[v] for v in moments]))
    expected = comm.allreduce(local, op=MPI.SUM) / film.total_area
    m_e = float(equilibrium_magnetization(T, TC))
    assert abs(mean - expected) < 4 * err, (mean, expected, err)
    assert err < 1e-4  # the check has teeth
    if reduced_temperature == 0.9:
        # finite-cell shift ⟨|m|⟩ − m_e ≈ 2.3e-4 (~7e3 spins per node) is resolved
        assert expected - m_e > 4 * err
        assert abs(mean - m_e) > 2 * err


def test_map_with_micromagnetic_terms_keeps_equilibrium_length(comm):
    """Exchange, anisotropy and demag on: ⟨|m|⟩ = |m| of the deterministic uniform fixed point
    (the demag field shortens m by χ̃_∥ μ0 M_s0 m_z) up to the finite-cell shift 2σ²/m."""
    T = 0.9 * TC
    film, mean, err = _equilibrium_run(comm, T, micromagnetic=True, cell=20e-9)
    quiet = FilmPlaneMagnetization(film.mesh, PARAMS, ambient_temperature=T)
    quiet.set_uniform("+z")
    for _ in range(100):
        quiet.advance(0.1e-12)
    fixed_point = quiet.mean_magnetization_length()
    m_e = float(equilibrium_magnetization(T, TC))
    assert m_e - fixed_point > 5e-4  # the demag field matters here
    chi = float(llb.longitudinal_susceptibility(T, TC, PARAMS.atomic_moment))
    interior = float(np.max(film.cell_moment)) if film.n_owned else 0.0
    interior = comm.allreduce(interior, op=MPI.MAX)
    sigma2 = KB * T * chi / interior  # variance of |m| of an interior node
    assert abs(mean - fixed_point) < 4 * err + 2 * sigma2 / fixed_point, (mean, fixed_point, err)


def test_thickness_and_seed_are_checked(comm):
    mesh = film_plane_mesh(comm, 1e-6, 0.5e-6)
    with pytest.raises(ValueError, match="thickness = .* must be > 0"):
        FilmPlaneMagnetization(mesh, PARAMS, thermal_noise=True, thickness=0.0)
    with pytest.raises(ValueError, match="seed = .* must be an integer"):
        FilmPlaneMagnetization(mesh, PARAMS, thermal_noise=True, seed=1.5)
    film = FilmPlaneMagnetization(mesh, PARAMS, thermal_noise=True, thickness=10e-9)
    # V_i = A_i d: the volumes add up to the film volume
    volume = comm.allreduce(float(film.cell_volume.sum()), op=MPI.SUM)
    assert volume == pytest.approx(4e-12 * 10e-9, rel=1e-12)
    assert comm.allreduce(float(film.cell_moment.sum()), op=MPI.SUM) == pytest.approx(
        PARAMS.saturation_magnetization * 4e-20, rel=1e-12)
    ids = np.concatenate(comm.allgather(film.global_ids))
    assert np.array_equal(np.sort(ids), np.arange(25))  # 5 × 5 nodes, each once


def _stochastic_run(comm, vtx=None, disturbance=True):
    mesh = film_plane_mesh(comm, 12e-6, 1e-6)
    # first peak at the window lead: the time axis starts at 0 (RandomDisturbance needs t >= 0)
    train = PulseTrain(Pulse("3.2 mJ/cm^2", "140 fs", "12 um", arrival=Q(0.42e-12, "s")), 2,
                       Q(8e-12, "s"))
    table = ElectronTemperatureTable.from_reference_2tm(32.0, 5e-12, n_fluences=9)
    film = FilmPlaneMagnetization(mesh, PARAMS, thermal_noise=True, seed=2017, thickness=2e-9,
                                  temperature=GaussianBeamTemperature(table, 32.0, 6e-6, train))
    film.add_field("induced", GaussianBeamInducedField(-0.5, 6e-6, train=train))
    if disturbance:  # OU sampled every 50 fs (the numpy normals of the OU field are slow)
        film.add_field("ou noise", RandomDisturbance("6 G", "200 fs", seed=3, components="z",
                                                     time_step="50 fs"))
        film.add_field("bias", ConstantDisturbance("1 G", "+z"))
    film.set_random_domains(2e-6, seed=2)
    times, _ = pulse_train_times(train, 5e-12, dt_fine=20e-15, dt_max=0.5e-12, dt_rest=1e-12)
    snapshots = {0: "initial", len(times) // 2: "middle", len(times) - 1: "end"}
    result = run_pulse_train(film, times, snapshots=snapshots, vtx=vtx)
    return film, result, times


def test_stochastic_maps_independent_of_rank_count(comm):
    film, result, _ = _stochastic_run(comm)
    if comm.rank == 0:
        m = result.snapshots[-1][3]
        assert np.abs(m[:, 2]).max() > 0.5
    if comm.size > 1:
        if comm.rank == 0:
            _, serial, _ = _stochastic_run(MPI.COMM_SELF)
            diff = np.abs(result.snapshots[-1][3] - serial.snapshots[-1][3]).max()
            assert diff < 1e-12, diff
            assert np.abs(result.mean_mz - serial.mean_mz).max() < 1e-12
        comm.Barrier()
    # a different seed gives a different map (the noise acts)
    other = FilmPlaneMagnetization(film.mesh, PARAMS, thermal_noise=True, seed=1,
                                   ambient_temperature=500.0)
    again = FilmPlaneMagnetization(film.mesh, PARAMS, thermal_noise=True, seed=2,
                                   ambient_temperature=500.0)
    for f in (other, again):
        f.set_uniform("+z")
        f.advance(0.1e-12)
    diff = np.abs(other.m[: other.n_owned] - again.m[: again.n_owned]).max()
    assert comm.allreduce(diff, op=MPI.MAX) > 1e-6


def _bp4_steps(folder: Path) -> list[int]:
    """Step numbers recorded in a BP4 index (64-byte header, then one 64-byte record per step
    whose first 8 bytes are the step number)."""
    raw = (folder / "md.idx").read_bytes()
    assert raw.startswith(b"ADIOS-BP"), raw[:16]
    return [int(np.frombuffer(raw[o:o + 8], "<u8")[0]) for o in range(64, len(raw), 64)]


def test_vtx_output_has_one_step_per_snapshot(comm, tmp_path):
    folder = Path(comm.bcast(str(tmp_path), root=0)) / "m_maps.bp"
    film, result, _ = _stochastic_run(comm, vtx=folder, disturbance=False)
    comm.Barrier()
    if comm.rank == 0:
        assert folder.is_dir()
        assert _bp4_steps(folder) == [1, 2, 3]
        data = (folder / "data.0").read_bytes() if comm.size == 1 else b""
        meta = (folder / "md.0").read_bytes()
        assert b'<DataArray Name="m" />' in meta and b"TIME" in meta
        for _, t, _, _ in result.snapshots:  # the step times are stored (as doubles)
            stored = np.float64(t).tobytes()
            assert stored in meta or stored in b"".join(
                f.read_bytes() for f in folder.glob("data.*"))
        if comm.size == 1:
            # the last snapshot's m (all nodes, dof order, 3 components) is in the data file
            assert film.m[: film.n_owned].astype("<f8").tobytes() in data
    # the P1 vector function carries the owned m, component by component
    m_fun = film.m_function()
    err = np.abs(m_fun.x.array[: 3 * film.n_owned].reshape(-1, 3) - film.m[: film.n_owned]).max()
    assert comm.allreduce(err, op=MPI.MAX) == 0.0
    with pytest.raises(ValueError, match="ending in '.bp'"):
        run_pulse_train(film, np.array([0.0, 1e-15]), vtx=Path(str(tmp_path)) / "m.vtx")


def test_field_corrector_keeps_the_precession_stable(comm):
    """A uniformly tilted film (28.6° from z, 300 K) relaxes towards z in the anisotropy + demag
    field. With the field of the start of the step frozen (``corrector=False``) the precession
    gains ~(ωΔt)²/2 per step and, for Δt = 0.5 ps, beats the damping: the tilt grows (33° after
    100 ps) instead of relaxing; the predictor–corrector field gives the converged 16.96° to 0.1°.
    Thermal noise makes every node tilted, so this matters for every stochastic map."""
    mesh = film_plane_mesh(comm, 1e-6, 1e-6)

    def tilt(dt, corrector):
        film = FilmPlaneMagnetization(mesh, PARAMS, corrector=corrector)
        film.set_uniform((np.sin(0.5), 0.0, np.cos(0.5)))
        for _ in range(int(round(100e-12 / dt))):
            film.advance(dt)
        m = film.m[: film.n_owned]
        angles = np.degrees(np.arctan2(np.hypot(m[:, 0], m[:, 1]), m[:, 2]))
        return comm.allreduce(float(angles.max(initial=-np.inf)), op=MPI.MAX)

    reference = tilt(0.1e-12, True)
    assert 16.5 < reference < 17.5  # relaxed from 28.6° (time constant ~200 ps)
    assert abs(tilt(0.5e-12, True) - reference) < 0.1
    assert tilt(0.5e-12, False) > 30.0  # unstable without the corrector
