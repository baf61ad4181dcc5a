"""Verification of the film-plane magnetization maps (physics-spec §5.3; issue 4 §2-§3).

- anisotropy / demag / exchange prefactor formulas against hand values;
- the P1 lumped-mass Laplacian is exact for quadratics at interior nodes;
- a 1D domain wall relaxes to the analytic profile u_z = −tanh(x/δ), δ = √(A(T)/K_eff(T))
  (K_eff = K(T) − μ0 M_s(T)²/2 with the local demag field; also without it), width to 2%;
- the uniform state is a fixed point (equal to a one-point LLB run with the same fields);
- the induced field B_i(r, t) equals the modal centre response at r = 0 and the impressed flux
  integrates to the right total; the T_e(F, t) table matches a direct 1D 2TM solve;
- a deterministic map run gives the same gathered m on any number of ranks (compared with a
  serial run done on rank 0 of the same communicator: 1e-10).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import curve_fit

import femmag  # noqa: F401  (before dolfinx)

from mpi4py import MPI

import dolfinx

from femmag.kernels.llb import equilibrium_magnetization, llb_advance
from femmag.kernels.micromagnetics import (
    MicromagneticParameters,
    anisotropy_field,
    demagnetizing_field,
    exchange_prefactor,
    inverse_perpendicular_susceptibility,
    wall_width,
)
from femmag.geometry.film_plane_mesh import film_plane_mesh
from femmag.models.electron_temperature import ElectronTemperatureTable
from femmag.materials import micromagnetic_parameters
from femmag.models.film_plane import (
    FilmPlaneMagnetization,
    GaussianBeamInducedField,
    GaussianBeamTemperature,
    WhiteNoiseDisturbance,
    pulse_train_times,
    run_pulse_train,
)
from femmag.pulse import Pulse, PulseTrain
from femmag.studies.seed003 import seed003_film_layers
from femmag.units import MU0, Q

PARAMS = micromagnetic_parameters("CoPt_S003A")


def test_micromagnetic_field_formulas():
    # 300 K: m_e = 0.76176 (spec §5.2 table, T/T_c = 0.5455); 1/χ̃_⊥ = 2 K0 m_e/M_s0 ≈ 1.904 T
    m = np.array([[0.3, -0.2, 0.5], [0.0, 0.0, -0.7]])
    inv_chi = inverse_perpendicular_susceptibility(300.0, PARAMS)
    assert inv_chi == pytest.approx(2 * 1e6 * 0.76176 / 8e5, rel=1e-4)
    exact = 2 * 1e6 * equilibrium_magnetization(300.0, 550.0) / 8e5  # tabulated m_e: 1e-6
    assert inv_chi == pytest.approx(exact, rel=1e-6)
    h_a = anisotropy_field(m, np.array([300.0, 300.0]), PARAMS)
    assert np.allclose(h_a, -inv_chi * np.array([[0.3, -0.2, 0], [0, 0, 0]]), rtol=1e-12)
    # K(T) = K0 m_e³ and χ̃_⊥ = M_s0 m_e²/(2K): the same number from the definitions
    m_e = equilibrium_magnetization(300.0, 550.0)
    assert 2 * 1e6 * m_e**3 / (8e5 * m_e**2) == pytest.approx(inv_chi, rel=1e-6)
    # no anisotropy at and above T_c
    assert np.all(anisotropy_field(m, np.array([550.0, 800.0]), PARAMS) == 0.0)
    h_d = demagnetizing_field(m, PARAMS)
    assert np.allclose(h_d[:, 2], -MU0 * 8e5 * m[:, 2]) and np.all(h_d[:, :2] == 0)
    assert exchange_prefactor(PARAMS) == pytest.approx(2e-11 / 8e5, rel=1e-14)
    with pytest.raises(ValueError, match="not perpendicular"):
        wall_width(300.0, MicromagneticParameters(550.0, 1.1e-23, 0.045, 8e5, 1e-11, 1e5))
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        anisotropy_field(np.zeros(3), 300.0, PARAMS)


def test_lumped_laplacian_exact_for_quadratics(comm):
    mesh = film_plane_mesh(comm, 2e-6, 0.1e-6)
    film = FilmPlaneMagnetization(mesh, PARAMS)
    x, y = film.owned_points[:, 0], film.owned_points[:, 1]
    film.m[: film.n_owned] = np.column_stack([x**2 + y**2, x * y, 3 * x**2 - y**2])
    lap = film.laplacian()
    interior = np.all(np.abs(film.owned_points[:, :2]) < 1.9e-6, axis=1)
    err = np.abs(lap[interior] - np.array([4.0, 0.0, 4.0])).max()
    assert comm.allreduce(err, op=MPI.MAX) < 1e-6  # vs |∇²| = 4 (roundoff of 1/h² sums)


def _wall_profile(comm, demag: bool, temperature: float = 110.0):
    delta = wall_width(temperature, PARAMS, demagnetization=demag)
    half, h = 10 * delta, delta / 5
    # a strip of one row of 4h-tall cells: no fast y modes, so the explicit exchange step is set
    # by the x spacing (γ (2A0/M_s0) m_e 4/h² Δt ≈ 0.2 rad)
    mesh = dolfinx.mesh.create_rectangle(comm, [np.array([-half, 0.0]), np.array([half, 4 * h])],
                                         [int(round(2 * half / h)), 1])
    # λ = 1: fast relaxation of the wall (the profile does not depend on the damping)
    params = MicromagneticParameters(PARAMS.curie_temperature, PARAMS.atomic_moment, 1.0,
                                     PARAMS.saturation_magnetization, PARAMS.exchange_stiffness,
                                     PARAMS.anisotropy_constant)
    film = FilmPlaneMagnetization(mesh, params, demagnetization=demag,
                                  ambient_temperature=temperature)
    m_e = float(equilibrium_magnetization(temperature, 550.0))
    x = film.owned_points[:, 0]
    theta = 2 * np.arctan(np.exp(x / (1.4 * delta)))  # start 40 % too wide, Bloch (y-z) rotation
    film.set_magnetization(m_e * np.column_stack([0 * x, np.sin(theta), -np.cos(theta)]) * -1)
    film.fix(np.abs(x) > half * (1 - 1e-9))  # m along ±z held at the ends
    for _ in range(2500):  # 25 ps ≈ 5 relaxation times of the wall width
        film.advance(10e-15)
    pts, m = film.gather()
    return delta, m_e, pts, m


@pytest.mark.parametrize("demag", [True, False])
def test_domain_wall_tanh_profile(comm, demag):
    delta, m_e, pts, m = _wall_profile(comm, demag)
    if comm.rank == 0:
        x, mz = pts[:, 0], m[:, 2] / m_e
        (fit_delta, x0), _ = curve_fit(lambda s, d, s0: -np.tanh((s - s0) / d), x, mz,
                                       p0=(delta, 0.0))
        assert fit_delta == pytest.approx(delta, rel=0.02)
        assert abs(x0) < 0.02 * delta
        # |m| stays m_e through the wall at low T (χ̃_∥ ~ 1e-5 /T)
        assert np.abs(np.linalg.norm(m, axis=1) / m_e - 1).max() < 1e-3


def test_bad_input_messages(comm):
    with pytest.raises(ValueError, match="must be > 0"):
        film_plane_mesh(comm, 1e-6, 0.0)
    mesh = dolfinx.mesh.create_rectangle(comm, [np.array([0.0, 0.0]), np.array([1e-8, 1e-9])],
                                         [20, 2])  # 0.5 nm cells: explicit exchange limit ~5 fs
    film = FilmPlaneMagnetization(mesh, PARAMS)
    assert 1e-15 < film.exchange_step_limit < 2e-14
    film.set_uniform("+z")
    with pytest.raises(ValueError, match="explicit exchange limit"):
        film.advance(1e-13)
    with pytest.raises(ValueError, match="use '\\+z', '-z'"):
        film.set_uniform("up")


def test_uniform_state_is_fixed_point(comm):
    mesh = film_plane_mesh(comm, 3e-6, 0.5e-6)
    film = FilmPlaneMagnetization(mesh, PARAMS, demagnetization=False)
    film.set_uniform("-z")
    m0 = film.m[: film.n_owned].copy()
    for _ in range(20):
        film.advance(0.2e-12)
    err = np.abs(film.m[: film.n_owned] - m0).max()
    assert comm.allreduce(err, op=MPI.MAX) < 1e-12
    # with the local demag field: still uniform and ∥ z, |m| equal to a one-point LLB run
    film = FilmPlaneMagnetization(mesh, PARAMS)
    film.set_uniform("+z")
    point = film.m[:1].copy()
    for _ in range(20):
        film.advance(0.2e-12)
        point, _ = llb_advance(point, demagnetizing_field(point, PARAMS), 300.0, 0.2e-12,
                               PARAMS.llb)
    err = np.abs(film.m[: film.n_owned] - point).max()
    assert comm.allreduce(err, op=MPI.MAX) < 1e-12
    assert point[0, 2] < 0.7617 and point[0, 2] == pytest.approx(0.76176, abs=2e-3)


def test_induced_field_profile_matches_modal_centre():
    from femmag.models.induction_modal import thin_sheet_centre_response

    provider = GaussianBeamInducedField(-0.096, 10e-6)
    times = np.array([-0.1e-12, 0.0, 0.2e-12, 1e-12, 5e-12])
    centre = np.array([[0.0, 0.0, 0.0]])
    b0 = np.array([provider(centre, t)[0, 2] for t in times])
    ref = thin_sheet_centre_response(times, conductivity=8e6, thickness=10e-9,
                                     beam_radius=10e-6, pulse_duration=140e-15,
                                     peak_field=-0.096)
    assert np.allclose(b0, ref, rtol=1e-9, atol=1e-15)
    # off centre: an independent adaptive integral over k of the same modal formula (§3.6)
    from scipy.integrate import quad
    from scipy.special import j0

    from femmag.models.induction_modal import gaussian_exponential_convolution

    r0, tau_sheet = 10e-6, 4e-7 * np.pi * 8e6 * 10e-9 * 10e-6 / 2
    for r, t in ((10e-6, 0.5e-12), (14e-6, 2e-12)):
        def integrand(p, r=r, t=t):
            conv = gaussian_exponential_convolution(np.asarray(t), 140e-15, tau_sheet / (2 * p))
            return 2 * p * np.exp(-p * p) * j0(2 * p * r / r0) * float(conv)

        ref_r = -0.096 * quad(integrand, 0.0, 7.0, limit=400, epsabs=1e-14)[0]
        got = provider(np.array([[r, 0.0, 0.0]]), t)[0, 2]
        assert got == pytest.approx(ref_r, rel=2e-3, abs=1e-9)


def test_temperature_table_against_direct_solve():
    from femmag.models.two_temperature_1d import solve_two_temperature_1d

    table = ElectronTemperatureTable.from_reference_2tm(32.0, 20e-12, n_fluences=33)
    layers, substrate = seed003_film_layers()
    fluence = 17.3  # between grid points of the √F grid
    run = solve_two_temperature_1d(layers, substrate, fluence=fluence, duration=140e-15,
                                   arrival=0.0, t_end=20e-12)
    te = run.electron_temperature[:, run.grid.cells_of("CoPt")].mean(axis=1)
    interp = np.array([table(np.array([fluence]), t)[0] for t in run.times])
    assert np.abs(interp - te).max() < 3.0  # K (peak ~1040 K)
    assert table(np.array([32.0]), 0.08e-12)[0] / 550 == pytest.approx(2.63, abs=0.03)  # §4.5
    assert table(np.array([0.0]), 1e-12)[0] == 300.0
    with pytest.raises(ValueError, match="table range"):
        table.weights(np.array([40.0]))


def test_random_disturbance_statistics_and_layout_independence():
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(-1e-5, 1e-5, (20000, 2)), np.zeros(20000)])
    noise = WhiteNoiseDisturbance(6e-4, 1e-13, seed=7)
    b = noise(pts, 0.0)[:, 2]
    assert np.std(b) == pytest.approx(6e-4, rel=0.03) and abs(b.mean()) < 3 * 6e-4 / 141
    # the value at a point does not depend on which other points are asked (MPI layout)
    assert np.array_equal(noise(pts[::-1].copy(), 0.0)[::-1, 2], b)
    assert not np.array_equal(noise(pts, 2e-13)[:, 2], b)  # redrawn after τ_c


def _deterministic_run(comm):
    mesh = film_plane_mesh(comm, 12e-6, 1e-6)
    train = PulseTrain(Pulse("3.2 mJ/cm^2", "140 fs", "12 um"), 2, Q(8e-12, "s"))
    table = ElectronTemperatureTable.from_reference_2tm(32.0, 5e-12, n_fluences=9)
    film = FilmPlaneMagnetization(mesh, PARAMS,
                                  temperature=GaussianBeamTemperature(table, 32.0, 6e-6, train))
    film.add_field("induced", GaussianBeamInducedField(-0.5, 6e-6, train=train))
    film.add_field("noise", WhiteNoiseDisturbance(6e-4, 0.5e-12, seed=1))
    film.set_random_domains(2e-6, seed=2)
    times, _ = pulse_train_times(train, 5e-12, dt_fine=20e-15, dt_max=0.5e-12, dt_rest=1e-12)
    result = run_pulse_train(film, times, snapshots={len(times) - 1: "end"})
    return film, result


def test_maps_independent_of_rank_count(comm):
    film, result = _deterministic_run(comm)
    if comm.rank == 0:
        _, _, pts, m = result.snapshots[0]
        assert np.abs(m[:, 2]).max() > 0.5  # recovered, not trivially zero
    if comm.size > 1:
        serial = None
        if comm.rank == 0:
            _, serial = _deterministic_run(MPI.COMM_SELF)
            ref_m = serial.snapshots[0][3]
            assert np.abs(result.snapshots[0][3] - ref_m).max() < 1e-10
            assert np.abs(result.mean_mz - serial.mean_mz).max() < 1e-10
        comm.Barrier()


def test_random_domains_save_and_load(comm, tmp_path):
    mesh = film_plane_mesh(comm, 4e-6, 0.25e-6)
    film = FilmPlaneMagnetization(mesh, PARAMS)
    film.set_random_domains(1e-6, seed=5)
    mz = film.m[: film.n_owned, 2]
    down = comm.allreduce(int(np.count_nonzero(mz < 0)), op=MPI.SUM)
    total = comm.allreduce(film.n_owned, op=MPI.SUM)
    assert 0.2 < down / total < 0.8  # both signs, |m| = m_e(300 K)
    assert np.allclose(np.abs(mz), equilibrium_magnetization(300.0, 550.0), rtol=1e-14)
    path = comm.bcast(str(tmp_path / "state.npz"), root=0)
    film.save(path)
    comm.Barrier()
    other = FilmPlaneMagnetization(mesh, PARAMS)
    other.load(path)
    assert np.array_equal(other.m[: other.n_owned], film.m[: film.n_owned])
