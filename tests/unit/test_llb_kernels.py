"""Verification of the pointwise LLB kernels (femmag.kernels.llb): physics-spec §5.1–5.5, §10."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.optimize import brentq

from femmag.kernels import llb, mean_field
from femmag.kernels.llb import (
    LLBParameters,
    LLBStepError,
    damping_parameters,
    dlangevin,
    equilibrium_magnetization,
    internal_field,
    langevin,
    llb_0d_trace,
    llb_advance,
    llb_advance_numpy,
    llb_rhs,
    longitudinal_susceptibility,
)
from femmag.units import GAMMA_E, KB, MU_B

TC = 550.0
MU_AT = 1.2 * MU_B
LAMBDA = 0.045
PARAMS = LLBParameters(curie_temperature=TC, atomic_moment=MU_AT, coupling=LAMBDA)
FS = 1e-15


# ---------------------------------------------------------------------------------------------
# Mean-field functions
# ---------------------------------------------------------------------------------------------
def test_langevin_and_derivative_match_high_precision():
    x = np.array(
        [-40.0, -0.7, -1e-3, 0.0, 1e-8, 1e-3, 0.1, 0.4999, 0.5, 0.5001, 1.0, 3.0, 40.0, 800.0]
    )
    with mpmath.workdps(60):
        xm = [mpmath.mpf(float(v)) for v in x]
        exact_l = [float(mpmath.coth(v) - 1 / v) if v else 0.0 for v in xm]
        exact_dl = [float(1 / v**2 - 1 / mpmath.sinh(v) ** 2) if v else 1 / 3 for v in xm]
    assert langevin(0.0) == 0.0
    nz = x != 0
    err_l = np.max(np.abs(langevin(x[nz]) - np.array(exact_l)[nz]) / np.abs(np.array(exact_l)[nz]))
    err_dl = np.max(np.abs(dlangevin(x) - exact_dl) / np.abs(exact_dl))
    assert err_l < 1e-14
    assert err_dl < 5e-14


# spec §5.2 table: T/T_c, m_e (Langevin), χ̃_∥ k_B T_c/μ_at
SPEC_TABLE = [
    (0.2, 0.92817, 0.02796),
    (0.5, 0.78889, 0.1208),
    (0.5455, 0.76176, 0.1486),
    (0.8, 0.54455, 0.5874),
    (0.9, 0.39660, 1.412),
    (0.95, 0.28455, 3.075),
    (0.99, 0.12873, 16.41),
    (1.05, 0.0, 6.667),
    (1.5, 0.0, 0.6667),
    (2.33, 0.0, 0.2506),
]


def _brentq_equilibrium(t: float) -> tuple[float, float]:
    """Independent m_e and χ̃_∥ k_B T_c/μ_at from scipy brentq on m = L(3m/t) (direct formulas)."""
    if t >= 1:
        return 0.0, 1.0 / (3.0 * (t - 1.0))

    def f(m):
        x = 3.0 * m / t
        return m - (1.0 / math.tanh(x) - 1.0 / x)

    m = brentq(f, 1e-6, 1.0, xtol=1e-15, rtol=1e-15)
    xi = 3.0 * m / t
    dl = 1.0 / xi**2 - 1.0 / math.sinh(xi) ** 2
    return m, (1.0 / t) * dl / (1.0 - (3.0 / t) * dl)


@pytest.mark.parametrize(("t", "m_table", "chi_table"), SPEC_TABLE)
def test_equilibrium_and_susceptibility_against_spec_table(t, m_table, chi_table):
    m_e = equilibrium_magnetization(t * TC, TC)
    chi = longitudinal_susceptibility(t * TC, TC, MU_AT) * KB * TC / MU_AT
    # the table's precision: m_e to 5 decimals, χ̃ to 4 significant digits
    assert abs(m_e - m_table) <= 0.6e-5
    assert abs(chi - chi_table) <= 0.6 * 10 ** (math.floor(math.log10(chi_table)) - 3)
    m_ref, chi_ref = _brentq_equilibrium(t)
    assert abs(m_e - m_ref) <= 1e-10
    assert abs(chi - chi_ref) <= 1e-9 * chi_ref


def test_equilibrium_limits_and_vectorization():
    T = np.array([0.0, 1e-3, 549.999999, 550.0, 551.0, 5000.0])
    m_e = equilibrium_magnetization(T, TC)
    assert m_e[0] == 1.0
    assert abs(m_e[1] - (1.0 - 1e-3 / (3 * TC))) < 1e-12  # low-T expansion m_e ≈ 1 − T/(3T_c)
    # near T_c: m_e² ≈ (5/3)(1 − T/T_c)
    assert abs(m_e[2] ** 2 / ((5 / 3) * (1 - T[2] / TC)) - 1.0) < 1e-6
    assert np.all(m_e[3:] == 0.0)
    chi = longitudinal_susceptibility(T, TC, MU_AT)
    assert chi[0] == 0.0 and np.all(np.isfinite(chi)) and np.all(chi >= 0)
    # at T_c the band-edge value μ/(3 k_B TC_BAND) is returned (finite)
    assert abs(chi[3] - MU_AT / (3 * KB * llb.TC_BAND)) < 1e-12 * chi[3]


def test_kernel_table_matches_exact_coefficients():
    rng = np.random.default_rng(1)
    t = np.concatenate([rng.uniform(0, 1 - 0.1 / TC, 2000), [0.0, 1e-6, 0.5, 1 - 0.1 / TC]])
    ta, tc = mean_field.table_lookup(t)
    ea, ec = mean_field.below_tc_coefficients(t)
    assert np.max(np.abs(ta - ea) / np.abs(ea)) < 1e-10
    assert np.max(np.abs(tc - ec) / np.abs(ec)) < 1e-12


def test_damping_parameters():
    a_par, a_perp = damping_parameters(np.array([0.0, 275.0, 550.0, 1100.0]), TC, LAMBDA)
    np.testing.assert_allclose(a_par, LAMBDA * np.array([0, 1 / 3, 2 / 3, 4 / 3]), rtol=1e-15)
    np.testing.assert_allclose(a_perp, LAMBDA * np.array([1, 5 / 6, 2 / 3, 4 / 3]), rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# Internal field
# ---------------------------------------------------------------------------------------------
def test_internal_field_branches_and_continuity_across_tc():
    m = np.array([[0.1, -0.2, 0.3]])
    m2 = float(m[0] @ m[0])
    scale = KB * TC / MU_AT
    h_tc = internal_field(m, TC, TC, MU_AT)[0]
    np.testing.assert_allclose(h_tc, -1.8 * scale * m2 * m[0], rtol=1e-14)  # spec T = T_c branch
    # T_c ± δ (outside the band, i.e. the Langevin and the 1/χ̃ branches) converge to the T_c value,
    # linearly in δ; above T_c the difference is exactly the Landau term 3 k_B δ |m|/μ_at.
    slope_above = 3 * KB * np.linalg.norm(m[0]) / MU_AT
    for sign in (-1.0, 1.0):
        deltas = np.array([2.0, 0.5, 0.125])
        diffs = np.array(
            [np.linalg.norm(internal_field(m, TC + sign * d, TC, MU_AT)[0] - h_tc) for d in deltas]
        )
        ratios = diffs[:-1] / diffs[1:]
        assert np.all(np.abs(ratios / 4 - 1) < 0.01)  # first-order convergence to the T_c branch
        assert diffs[-1] < 3e-3 * np.linalg.norm(h_tc)  # δ = 0.125 K
        if sign > 0:
            np.testing.assert_allclose(diffs / deltas, slope_above, rtol=1e-12)
    # jump at the band edge (Langevin → Landau) is second order: < 1e-3 of the field there
    T_edge = TC - llb.TC_BAND
    h_out = internal_field(m, T_edge - 1e-9, TC, MU_AT)[0]
    h_in = internal_field(m, T_edge + 1e-9, TC, MU_AT)[0]
    assert np.linalg.norm(h_out - h_in) < 1e-3 * np.linalg.norm(h_in)
    # below T_c: zero at m_e, spec formula (1/(2χ̃))(1 − m²/m_e²) m
    T = 400.0
    m_e = equilibrium_magnetization(T, TC)
    chi = longitudinal_susceptibility(T, TC, MU_AT)
    assert np.linalg.norm(internal_field(np.array([[0, 0, m_e]]), T, TC, MU_AT)) < 1e-9
    np.testing.assert_allclose(
        internal_field(m, T, TC, MU_AT)[0], (1 / (2 * chi)) * (1 - m2 / m_e**2) * m[0], rtol=1e-12
    )
    T = 800.0
    chi = longitudinal_susceptibility(T, TC, MU_AT)
    np.testing.assert_allclose(
        internal_field(m, T, TC, MU_AT)[0],
        -(1 / chi) * (1 + 0.6 * TC * m2 / (T - TC)) * m[0],
        rtol=1e-12,
    )


# ---------------------------------------------------------------------------------------------
# Integrator
# ---------------------------------------------------------------------------------------------
def _run(m0, field, T, dt, n_steps, params=PARAMS, **kw):
    m = np.atleast_2d(np.asarray(m0, dtype=float))
    out = [m[0].copy()]
    for _ in range(n_steps):
        m, _ = llb_advance(m, field, T, dt, params, **kw)
        out.append(m[0].copy())
    return np.array(out)


def test_advance_matches_rhs_for_small_steps():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(6, 3)) * 0.4
    B = rng.normal(size=(6, 3))
    T = np.array([100.0, 400.0, 549.0, 550.0, 600.0, 1200.0])
    dt = 1e-19
    m1, _ = llb_advance(m, B, T, dt, PARAMS)
    rhs = llb_rhs(m, B, T, TC, MU_AT, LAMBDA)
    np.testing.assert_allclose((m1 - m) / dt, rhs, rtol=1e-5, atol=1e-5 * np.abs(rhs).max())


@pytest.mark.parametrize("T", [0.5 * TC, 0.9 * TC, 1.5 * TC])
def test_linear_longitudinal_relaxation_time(T):
    m_e = float(equilibrium_magnetization(T, TC))
    m_start = m_e * (1 + 1e-3) if m_e > 0 else 1e-4
    chi = float(longitudinal_susceptibility(T, TC, MU_AT))
    alpha_par, _ = damping_parameters(T, TC, LAMBDA)
    tau = chi / (GAMMA_E * float(alpha_par))
    dt = tau / 20
    trace = _run([0, 0, m_start], np.zeros(3), np.array([T]), dt, 60)
    times = dt * np.arange(trace.shape[0])
    excess = trace[:, 2] - m_e
    fit = np.polyfit(times[10:], np.log(excess[10:]), 1)
    tau_fit = -1.0 / fit[0]
    assert abs(tau_fit / tau - 1) < 0.01
    assert np.all(np.abs(trace[:, :2]) == 0)


def test_low_temperature_limit_is_llg_precession_and_damping():
    T = 1e-3
    B = 1.0
    m_e = float(equilibrium_magnetization(T, TC))
    _, alpha_perp = damping_parameters(T, TC, LAMBDA)
    theta0 = math.radians(30.0)
    m0 = m_e * np.array([math.sin(theta0), 0.0, math.cos(theta0)])
    dt, n = 10 * FS, 2000  # 20 ps
    trace = _run(m0, np.array([0.0, 0.0, B]), np.array([T]), dt, n)
    times = dt * np.arange(n + 1)
    phase = np.unwrap(np.arctan2(trace[:, 1], trace[:, 0]))
    assert np.max(np.abs(phase - GAMMA_E * B * times)) < 1e-6  # rad
    # LLG (Landau–Lifshitz form) with α = α_⊥/m_e → λ for T → 0: tan(θ/2) = tan(θ0/2) e^{−γαBt}
    alpha = float(alpha_perp) / m_e
    assert abs(alpha / LAMBDA - 1) < 1e-5
    theta = np.arctan2(np.hypot(trace[:, 0], trace[:, 1]), trace[:, 2])
    theta_llg = 2 * np.arctan(math.tan(theta0 / 2) * np.exp(-GAMMA_E * alpha * B * times))
    assert np.max(np.abs(theta - theta_llg)) < 1e-6
    assert np.max(np.abs(np.linalg.norm(trace, axis=1) - m_e)) < 1e-6


@pytest.mark.parametrize("T", [50.0, 300.0, 500.0, 549.5, 800.0])
def test_equilibrium_is_a_fixed_point(T):
    m_e = float(equilibrium_magnetization(T, TC))
    m0 = np.array([[0.0, 0.0, m_e], [0.0, m_e, 0.0]])
    m = m0.copy()
    for _ in range(1000):
        m, _ = llb_advance(m, np.zeros(3), np.full(2, T), 10 * FS, PARAMS)
    assert np.max(np.abs(m - m0)) < 1e-10


def _transient(dt, n_steps):
    """Smooth transient mixing longitudinal relaxation, transverse damping and precession."""
    m0 = np.array([[0.3, 0.1, 0.5], [0.2, -0.1, 0.1]])
    field = np.array([[0.5, 0.0, 2.0], [1.0, 3.0, -2.0]])
    T = np.array([0.7 * TC, 1.3 * TC])
    m = m0.copy()
    for _ in range(n_steps):
        m, _ = llb_advance(m, field, T, dt, PARAMS, max_substep=dt)
    return m


def test_convergence_order_in_dt():
    t_end = 60 * FS
    reference = _transient(t_end / 2048, 2048)
    steps = [8, 16, 32, 64]
    errors = [np.max(np.abs(_transient(t_end / n, n) - reference)) for n in steps]
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(orders > 1.8), (errors, orders)
    assert errors[-1] < 1e-7


def test_switching_through_zero_above_tc():
    """m ∥ +z, B along −z, T > T_c: m_z passes through 0 and settles at the paramagnetic root."""
    T, B = 1.5 * TC, -2.0
    trace = _run([0.0, 0.0, 0.7], np.array([0.0, 0.0, B]), np.array([T]), 10 * FS, 500)
    mz = trace[:, 2]
    assert mz[0] > 0 and mz[-1] < 0 and np.all(trace[:, :2] == 0)
    scale = KB * TC / MU_AT
    a, c = -3 * (T / TC - 1) * scale, 1.8 * scale
    root = brentq(lambda s: a * s - c * s**3 + B, -1.0, 0.0, xtol=1e-16)
    assert abs(mz[-1] / root - 1) < 1e-8


def test_zero_magnetization_and_tc_exactly():
    m = np.zeros((3, 3))
    B = np.array([[0, 0, 0.0], [0, 0, 1.0], [0, 1.0, 0]])
    T = np.array([TC, TC, 0.5 * TC])
    m1, _ = llb_advance(m, B, T, 10 * FS, PARAMS)
    assert np.all(m1[0] == 0)
    # at T_c the field pulls m along B with γ α_∥ B dt to leading order (no precession of m ∥ B)
    k = GAMMA_E * 2 * LAMBDA / 3
    assert abs(m1[1, 2] / (k * 1.0 * 10 * FS) - 1) < 1e-6 and m1[1, 0] == 0 and m1[1, 1] == 0
    assert m1[2, 1] > 0 and np.all(np.isfinite(m1))


def test_numba_matches_numpy_on_random_inputs(monkeypatch):
    rng = np.random.default_rng(7)
    n = 4000
    m = rng.normal(size=(n, 3)) * rng.uniform(0, 0.6, (n, 1))
    m[:20] = 0.0
    B = rng.normal(size=(n, 3)) * rng.uniform(0, 5, (n, 1))
    B[20:40] = 0.0
    B[40:60] *= 100.0  # precession angle per step > 0.1 rad: libm branch of the rotation
    Tc = rng.uniform(400, 1400, n)
    T = Tc * rng.uniform(0, 3, n)
    T[:100] = Tc[:100]
    T[100:200] = Tc[100:200] + rng.uniform(-0.1, 0.1, 100)
    T[200:210] = 0.0
    params = LLBParameters(Tc, rng.uniform(0.5, 2.5, n) * MU_B, rng.uniform(0.003, 0.3, n))
    monkeypatch.delenv("FEMMAG_NO_NUMBA", raising=False)
    assert llb._use_numba()
    from femmag.kernels import ode

    # the two paths share their constants (the numba module keeps its own copies)
    for name in ("HALLEY_FIXED", "HALLEY_TOL", "HALLEY_MAX", "PHI_SERIES"):
        assert getattr(ode, name) == getattr(llb, name)
    fast, n_fast = llb_advance(m, B, T, 20 * FS, params)
    slow, n_slow = llb_advance_numpy(m, B, T, 20 * FS, params)
    assert n_fast == n_slow
    assert np.max(np.abs(fast - slow)) < 1e-12
    # pure function: inputs untouched, new arrays
    assert fast is not m
    monkeypatch.setenv("FEMMAG_NO_NUMBA", "1")
    assert not llb._use_numba()
    forced, _ = llb_advance(m, B, T, 20 * FS, params)
    assert np.array_equal(forced, slow)


def test_fused_fast_path_matches_general_path_and_threads(monkeypatch):
    """The fused one/two-sub-step loops, the general block path, the threaded variant and the
    numpy twin give the same numbers, for uniform, per-point and mixed parameters."""
    from femmag.kernels import ode

    monkeypatch.delenv("FEMMAG_NO_NUMBA", raising=False)
    rng = np.random.default_rng(11)
    n = 3000
    m = rng.normal(size=(n, 3)) * rng.uniform(0.01, 0.9, (n, 1))
    B = rng.normal(size=(n, 3)) * rng.uniform(0, 3, (n, 1))
    B[:50] = 0.0  # zero field: identity rotation inside the fused loop
    B[50:60] *= 200.0  # large precession angle: handed over to the general path
    T = TC * rng.uniform(0.05, 3.0, n)
    per_point = LLBParameters(TC * rng.uniform(0.9, 1.1, n), MU_AT * rng.uniform(0.8, 1.2, n),
                              LAMBDA * rng.uniform(0.5, 2, n))
    mixed = LLBParameters(TC, MU_AT * rng.uniform(0.8, 1.2, n), LAMBDA)  # one array, γ scalar
    for params in (PARAMS, per_point, mixed):
        for dt in (2 * FS, 10 * FS, 40 * FS):
            fused, n_fused = llb_advance(m, B, T, dt, params)
            threaded, n_threaded = llb_advance(m, B, T, dt, params, parallel=True)
            # max_substep = dt forces every point through the general block path
            general, n_general = llb_advance(m, B, T, dt, params, max_substep=dt)
            slow, n_slow = llb_advance_numpy(m, B, T, dt, params)
            assert np.array_equal(fused, threaded) and np.array_equal(fused, general)
            assert n_fused == n_threaded == n_general == n_slow
            assert np.max(np.abs(fused - slow)) < 1e-14
    # the cached compiled tables are the current mean-field ones
    assert ode.table_probe() == (
        mean_field.TABLE_TA[1] + mean_field.TABLE_TA[mean_field.TABLE_TA.size // 3],
        mean_field.TABLE_TC[2] + mean_field.TABLE_TC[mean_field.TABLE_TC.size // 2])


def test_non_finite_inputs_are_reported_by_the_compiled_kernel(monkeypatch):
    monkeypatch.delenv("FEMMAG_NO_NUMBA", raising=False)
    m = np.tile([0.0, 0.0, 0.5], (4, 1))
    T = np.full(4, 300.0)
    with pytest.raises(ValueError, match=r"temperature must be finite and >= 0 K; got nan at "
                                         r"point 2"):
        llb_advance(m, np.zeros(3), np.array([300.0, 300.0, np.nan, 300.0]), FS, PARAMS)
    with pytest.raises(ValueError, match="m and field must be finite"):
        llb_advance(m, np.array([0.0, np.inf, 0.0]), T, FS, PARAMS)
    m[3, 1] = np.nan
    with pytest.raises(ValueError, match="m and field must be finite"):
        llb_advance(m, np.zeros(3), T, FS, PARAMS, parallel=True)


@pytest.mark.parametrize("no_numba", ["0", "1"])
def test_step_refused_with_helpful_message(monkeypatch, no_numba):
    monkeypatch.setenv("FEMMAG_NO_NUMBA", no_numba)
    m = np.array([[0, 0, 0.5], [0, 0, 0.7]])
    T = np.array([300.0, 3 * TC])
    params = LLBParameters(TC, MU_AT, np.array([0.003, 0.3]))
    with pytest.raises(LLBStepError, match=r"point 1 .*rate .* 1/s with dt = 1\.000e-12 s.*"
                       r"Reduce dt or allow more substeps"):
        llb_advance(m, np.zeros(3), T, 1e-12, params, max_substeps=50)
    # same step accepted when enough sub-steps are allowed
    m1, n_used = llb_advance(m, np.zeros(3), T, 1e-12, params, max_substeps=10_000)
    assert n_used > 50 and np.all(np.isfinite(m1))


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match=r"m must have shape \(n, 3\)"):
        llb_advance(np.zeros(3), np.zeros(3), 300.0, 1e-15, PARAMS)
    with pytest.raises(ValueError, match="temperature must be finite and >= 0 K"):
        llb_advance(np.zeros((2, 3)), np.zeros(3), np.array([300.0, -1.0]), 1e-15, PARAMS)
    with pytest.raises(ValueError, match=r"LLBParameters.coupling has shape \(3,\)"):
        llb_advance(
            np.zeros((2, 3)), np.zeros(3), 300.0, 1e-15, LLBParameters(TC, MU_AT, [1, 2, 3])
        )


# ---------------------------------------------------------------------------------------------
# §5.5 calibration with a 0D two-temperature model (S003-A)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fluence", "m_min_spec", "t_min_spec", "tolerance"),
    [(1.0, 0.19, 250 * FS, 0.15), (1.5, 0.036, 368 * FS, 0.25), (2.0, 0.003, 558 * FS, 1.0)],
)
def test_calibration_minimum_of_m_with_0d_two_temperature(
    fluence, m_min_spec, t_min_spec, tolerance
):
    from femmag.models.two_temperature_0d import solve_two_temperature_0d

    electron_temperature, _ = solve_two_temperature_0d(fluence * 10.0)  # mJ/cm² → J/m²
    times = np.arange(-0.5e-12, 1.2e-12, 2 * FS)
    m0 = np.array([0.0, 0.0, float(equilibrium_magnetization(300.0, TC))])
    trace = llb_0d_trace(times, electron_temperature, None, PARAMS, m0)
    i = int(np.argmin(trace[:, 2]))
    # measured (0D, 2 fs): 0.189 / 0.0352 / 0.00298 at +250 / +370 / +573 fs
    assert abs(trace[i, 2] / m_min_spec - 1) < tolerance
    assert abs(times[i] - t_min_spec) < 30 * FS


def test_far_above_tc_and_large_steps_keep_the_sign():
    """T ≫ T_c and dt ≫ 1/rate: m decays monotonically to ~0 without overshooting through zero."""
    m0 = np.array([[0.0, 0.0, 0.7], [0.3, 0.0, 0.4]])
    for T, dt in ((20 * TC, 10 * FS), (3 * TC, 1e-12)):
        m, n_used = llb_advance(m0, np.zeros(3), np.full(2, T), dt, PARAMS, max_substeps=100_000)
        assert np.all(m[:, 2] > 0) and np.all(m[:, 2] < m0[:, 2])
        assert abs(m[1, 0] / m[1, 2] - 0.75) < 1e-12  # purely radial relaxation in zero field
    # equilibrium above T_c in zero field is m = 0: after 1 ps at 3 T_c nothing is left
    assert np.max(np.abs(m)) < 1e-6


def test_0d_trace_accepts_arrays_and_callables():
    times = np.linspace(0.0, 200 * FS, 41)
    T = 700.0 + 0.0 * times
    field = np.tile([0.0, 0.5, -1.0], (times.size, 1))
    m0 = np.array([0.0, 0.0, 0.6])
    a = llb_0d_trace(times, T, field, PARAMS, m0)
    b = llb_0d_trace(times, lambda t: 700.0, lambda t: np.array([0.0, 0.5, -1.0]), PARAMS, m0)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)
    assert a.shape == (41, 3) and np.all(a[0] == m0)
