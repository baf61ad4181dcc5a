"""Verification of the stochastic LLB kernel (femmag.kernels.stochastic): physics-spec §5.4.

Equilibrium: with the Stratonovich (Heun) integration the stationary distribution of the
Evans et al. (2012) stochastic LLB is P(m) d³m ∝ exp(−M_s0 V f(m)/(k_B T)) d³m, f = −a m²/2 + c m⁴/4
(H_int = (a − c m²) m = −∂f/∂m). Its averages are computed here by quadrature and compared with
long runs of many independent points; for large cells ⟨|m|⟩ → m_e(T) (Langevin mean field).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from femmag.kernels import llb, stochastic
from femmag.kernels.disturbance import ConstantDisturbance, RandomDisturbance, field_to_si
from femmag.kernels.llb import LLBParameters, LLBStepError
from femmag.kernels.stochastic import (
    gaussian_noise,
    noise_amplitudes,
    stochastic_llb_advance,
    stochastic_llb_advance_numpy,
)
from femmag.units import GAMMA_E, KB, MU_B, UnitError

TC = 550.0
MU_AT = 1.2 * MU_B
LAMBDA = 0.045
PARAMS = LLBParameters(curie_temperature=TC, atomic_moment=MU_AT, coupling=LAMBDA)
DT = 10e-15


def boltzmann_average(temperature: float, n_spins: float, func) -> float:
    """⟨func(|m|)⟩ over P ∝ m² exp(−N μ_at f(m)/(k_B T)) (zero applied field)."""
    a, c = llb._internal_coefficients(np.array([temperature]), np.array([TC]), np.array([MU_AT]))
    a, c = float(a[0]), float(c[0])
    beta = n_spins * MU_AT / (KB * temperature)
    m_min = np.sqrt(max(a / c, 0.0))

    def energy(m):
        return beta * (-a * m * m / 2 + c * m**4 / 4)

    e0 = energy(m_min)

    def weight(m):
        return m * m * np.exp(-(energy(m) - e0))

    width = 1.0 / np.sqrt(beta * (abs(a) + 3 * c * m_min**2))  # Gaussian width of the peak
    upper = m_min + 40 * width
    pts = [m_min + k * width for k in (-3, -1, 1, 3) if 0 < m_min + k * width < upper]
    z = quad(weight, 0, upper, points=pts, limit=400, epsrel=1e-12)[0]
    return quad(lambda m: func(m) * weight(m), 0, upper, points=pts, limit=400,
                epsrel=1e-12)[0] / z


def run_equilibrium(temperature: float, n_spins: float, n_points: int = 2000,
                    n_burn: int = 100, n_sample: int = 300):
    """Per-point time averages of |m| and |m|² (points are independent samples)."""
    m_e = float(equilibrium(temperature))
    m = np.zeros((n_points, 3))
    m[:, 2] = max(m_e, 0.05)
    ids = np.arange(n_points)
    s1 = np.zeros(n_points)
    s2 = np.zeros(n_points)
    for step in range(n_burn + n_sample):
        m = stochastic_llb_advance(m, np.zeros(3), temperature, DT, PARAMS, n_spins * MU_AT, ids,
                                   seed=11, step_index=step)
        if step >= n_burn:
            r2 = np.einsum("ij,ij->i", m, m)
            s1 += np.sqrt(r2)
            s2 += r2
    return s1 / n_sample, s2 / n_sample


def equilibrium(temperature):
    return llb.equilibrium_magnetization(temperature, TC)


# ---------------------------------------------------------------------------------------------
# Equilibrium: ⟨|m|⟩ = m_e(T) (large cells) and the exact finite-cell Boltzmann averages
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduced_temperature", [0.5, 0.9])
def test_mean_magnetization_equals_langevin_me_below_tc(reduced_temperature):
    T = reduced_temperature * TC
    # large cell (1e5 spins): the finite-size shift of ⟨|m|⟩ (~2⟨δm²⟩/m_e ≤ 3e-5) is below the
    # statistical error, so the run must reproduce the mean-field m_e itself
    mean_abs, _ = run_equilibrium(T, 1e5)
    err = mean_abs.std() / np.sqrt(mean_abs.size)
    m_e = float(equilibrium(T))
    assert abs(mean_abs.mean() - m_e) < 4 * err + 1e-6
    assert err < 1e-4 * max(1.0, 10 * m_e)  # the check has teeth


@pytest.mark.parametrize("reduced_temperature", [0.5, 0.9])
def test_small_cell_follows_boltzmann_not_mean_field(reduced_temperature):
    T = reduced_temperature * TC
    n_spins = 1e3
    mean_abs, mean_sq = run_equilibrium(T, n_spins)
    exact_abs = boltzmann_average(T, n_spins, lambda m: m)
    exact_sq = boltzmann_average(T, n_spins, lambda m: m * m)
    err_abs = mean_abs.std() / np.sqrt(mean_abs.size)
    err_sq = mean_sq.std() / np.sqrt(mean_sq.size)
    assert abs(mean_abs.mean() - exact_abs) < 4 * err_abs
    assert abs(mean_sq.mean() - exact_sq) < 4 * err_sq


def test_above_tc_mean_square_matches_gaussian_fluctuations():
    """T = 1.2 T_c: ⟨m²⟩ = 3 k_B T χ̃_∥/(M_s0 V) (Gaussian) up to the small quartic correction."""
    T = 1.2 * TC
    n_spins = 1e4
    _, mean_sq = run_equilibrium(T, n_spins, n_burn=150, n_sample=300)
    chi = float(llb.longitudinal_susceptibility(T, TC, MU_AT))
    gaussian = 3 * KB * T * chi / (n_spins * MU_AT)  # = 6/N here
    exact = boltzmann_average(T, n_spins, lambda m: m * m)
    err = mean_sq.std() / np.sqrt(mean_sq.size)
    assert abs(mean_sq.mean() - exact) < 4 * err
    assert abs(exact / gaussian - 1) < 0.01  # quartic term: −0.3 %
    assert abs(mean_sq.mean() / gaussian - 1) < 0.01 + 4 * err / gaussian


# ---------------------------------------------------------------------------------------------
# Fluctuation–dissipation: the increments have the variances of spec §5.4
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduced_temperature", [0.6, 1.3])
def test_increment_variance_matches_fluctuation_dissipation(reduced_temperature):
    T = reduced_temperature * TC
    n = 40000
    cell = 50 * MU_AT
    m_e = max(float(equilibrium(T)), 0.3)
    m = np.tile([0.0, 0.0, m_e], (n, 1))
    ids = np.arange(n)
    dt = 1e-17  # drift contributes O(dt) to the mean, O(dt²) to the variance
    noisy = stochastic_llb_advance(m, np.zeros(3), T, dt, PARAMS, cell, ids, 5, 0, n_substeps=1)
    quiet = stochastic_llb_advance(m, np.zeros(3), T, dt, PARAMS, np.inf, ids, 5, 0, n_substeps=1)
    dm = noisy - quiet
    a_par, a_perp = llb.damping_parameters(T, TC, LAMBDA)
    # spec §5.4 correlators, applied through −(γα_⊥/m²) m×(m×ζ_⊥) = γα_⊥ P_⊥ζ_⊥ and ζ_ad
    d_perp = 2 * KB * T * (a_perp - a_par) / (GAMMA_E * cell * a_perp**2) if a_perp > a_par else 0
    d_ad = 2 * GAMMA_E * KB * T * a_par / cell
    var_transverse = ((GAMMA_E * a_perp) ** 2 * d_perp + d_ad) * dt
    var_longitudinal = d_ad * dt
    got_t = dm[:, :2].var(axis=0)
    got_l = dm[:, 2].var()
    tol = 4 * np.sqrt(2 / n)
    np.testing.assert_allclose(got_t, var_transverse, rtol=tol)
    assert got_l == pytest.approx(var_longitudinal, rel=tol)
    c_perp, c_ad = noise_amplitudes(T, PARAMS, cell)
    assert c_perp**2 == pytest.approx((GAMMA_E * a_perp) ** 2 * d_perp, rel=1e-12, abs=1e-30)
    assert c_ad**2 == pytest.approx(d_ad, rel=1e-12)
    if reduced_temperature > 1:
        assert c_perp == 0.0  # ζ_⊥ vanishes above T_c


def test_noise_is_standard_normal():
    z = gaussian_noise(3, 4, np.arange(400000))
    n = z.shape[0]
    assert np.all(np.abs(z.mean(axis=0)) < 4 / np.sqrt(n))
    assert np.all(np.abs(z.var(axis=0) - 1) < 4 * np.sqrt(2 / n))
    assert np.all(np.abs((z**4).mean(axis=0) - 3) < 4 * np.sqrt(96 / n))
    # ziggurat tail (|z| > R = 3.4426) and a far tail point have the normal probabilities
    for x in (1.0, 3.442619855899, 4.0):
        expected = math.erfc(x / math.sqrt(2))
        count = np.count_nonzero(np.abs(z) > x)
        assert abs(count - expected * z.size) < 4 * math.sqrt(expected * z.size) + 1
    corr = np.corrcoef(z.T)
    assert np.max(np.abs(corr - np.eye(6))) < 4 / np.sqrt(n)
    # different steps / sub-steps / seeds give uncorrelated numbers
    for other in (gaussian_noise(3, 5, np.arange(n)), gaussian_noise(4, 4, np.arange(n)),
                  gaussian_noise(3, 4, np.arange(n), substep=1)):
        assert abs(np.mean(z[:, 0] * other[:, 0])) < 4 / np.sqrt(n)


# ---------------------------------------------------------------------------------------------
# Reproducibility and the numpy reference
# ---------------------------------------------------------------------------------------------
def _random_state(n, seed=0):
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    m = d * rng.uniform(0.05, 0.9, (n, 1))
    field = rng.normal(size=(n, 3))
    T = TC * rng.uniform(0.2, 2.5, n)
    cell = MU_AT * rng.uniform(50, 5000, n)
    ids = rng.permutation(10 * n)[:n].astype(np.int64) + 123456789
    return m, field, T, cell, ids


def test_numba_and_numpy_agree():
    m, field, T, cell, ids = _random_state(3000)
    for step in range(3):
        a = stochastic_llb_advance(m, field, T, DT, PARAMS, cell, ids, 7, step)
        b = stochastic_llb_advance_numpy(m, field, T, DT, PARAMS, cell, ids, 7, step)
        assert np.max(np.abs(a - b)) < 1e-12
        assert np.max(np.abs(a - m)) > 1e-3  # the step did something
        m = a


def test_numba_blocks_with_per_point_parameters_and_refused_points():
    """Blocked numba kernel (set-up, sub-step compaction, vectorized normals) vs the numpy twin
    with per-point parameters, sub-step counts from 1 to ~100 and a refused point."""
    rng = np.random.default_rng(5)
    m, field, T, cell, ids = _random_state(1500, seed=4)
    T[::7] = 0.2 * TC  # stiff: many sub-steps
    params = LLBParameters(TC * rng.uniform(0.9, 1.1, T.size), MU_AT,
                           LAMBDA * rng.uniform(0.5, 3, T.size))
    a = stochastic_llb_advance(m, field, T, DT, params, cell, ids, 2, 1)
    b = stochastic_llb_advance_numpy(m, field, T, DT, params, cell, ids, 2, 1)
    assert np.max(np.abs(a - b)) < 1e-12
    stiff = T.copy()
    stiff[777] = 1e-3 * TC
    params = LLBParameters(TC, MU_AT, np.where(np.arange(T.size) == 777, 50.0, LAMBDA))
    with pytest.raises(LLBStepError, match=r"refused at point 777 "):
        stochastic_llb_advance(m, field, stiff, DT, params, cell, ids, 2, 1, max_substeps=200)
    bad = T.copy()
    bad[1234] = -1.0
    with pytest.raises(ValueError, match=r"temperature must be finite and >= 0 K; got -1.0 at "
                                         r"point 1234"):
        stochastic_llb_advance(m, field, bad, DT, PARAMS, cell, ids, 2, 1)


def test_same_seed_same_result_and_permutation_invariance():
    m, field, T, cell, ids = _random_state(1000, seed=1)

    def run(order, seed=3):
        x = m[order]
        for step in range(5):
            x = stochastic_llb_advance(x, field[order], T[order], DT, PARAMS, cell[order],
                                       ids[order], seed, step)
        return x

    ref = run(np.arange(1000))
    np.testing.assert_array_equal(run(np.arange(1000)), ref)
    perm = np.random.default_rng(9).permutation(1000)
    np.testing.assert_array_equal(run(perm), ref[perm])
    # two "ranks": halves advanced separately give the same per-point result
    halves = [run(np.arange(500)), run(np.arange(500, 1000))]
    np.testing.assert_array_equal(np.concatenate(halves), ref)
    assert np.max(np.abs(run(np.arange(1000), seed=4) - ref)) > 1e-3


def test_zero_noise_limit_is_deterministic_llb():
    """cell_moment → ∞: Heun on the deterministic LLB, second order, agrees with llb_advance."""
    m, field, T, _, ids = _random_state(500, seed=2)
    ref, _ = llb.llb_advance(m, field, T, DT, PARAMS, max_substep=DT / 200)
    fine = stochastic_llb_advance(m, field, T, DT, PARAMS, np.inf, ids, 0, 0, n_substeps=200)
    coarse = stochastic_llb_advance(m, field, T, DT, PARAMS, np.inf, ids, 0, 0, n_substeps=100)
    e_fine = np.max(np.abs(fine - ref))
    e_coarse = np.max(np.abs(coarse - ref))
    assert e_fine < 1e-6
    assert e_coarse / e_fine > 3.0  # ≈ 4 for second order (both schemes have O(h²) errors)


def test_bad_inputs_raise_clear_errors():
    m, field, T, cell, ids = _random_state(10)
    with pytest.raises(ValueError, match="cell_moment must be > 0"):
        stochastic_llb_advance(m, field, T, DT, PARAMS, 0.0, ids, 0, 0)
    with pytest.raises(ValueError, match="global_ids must be an integer array of shape"):
        stochastic_llb_advance(m, field, T, DT, PARAMS, cell, ids[:5], 0, 0)
    with pytest.raises(ValueError, match="global_ids must be an integer array"):
        stochastic_llb_advance(m, field, T, DT, PARAMS, cell, ids.astype(float), 0, 0)
    with pytest.raises(LLBStepError, match="Reduce dt or raise max_substeps"):
        stochastic_llb_advance(m, field, T, 1e-12, PARAMS, cell, ids, 0, 0, max_substeps=2)
    with pytest.raises(LLBStepError, match="Reduce dt or raise max_substeps"):
        stochastic_llb_advance_numpy(m, field, T, 1e-12, PARAMS, cell, ids, 0, 0, max_substeps=2)
    with pytest.raises(TypeError, match="seed and step_index must be integers"):
        stochastic_llb_advance(m, field, T, DT, PARAMS, cell, ids, 0.5, 0)
    assert stochastic.STOCHASTIC_THETA > 0


# ---------------------------------------------------------------------------------------------
# Disturbance fields (seed 003): constant and Ornstein–Uhlenbeck random fields
# ---------------------------------------------------------------------------------------------
def test_constant_disturbance_value_and_units():
    pts = np.zeros((4, 3))
    np.testing.assert_array_equal(ConstantDisturbance("1 G", "-z")(pts, 0.0),
                                  np.tile([0.0, 0.0, -1e-4], (4, 1)))
    b = ConstantDisturbance("10 G", (1, 1, 0))(pts, 1e-12)
    np.testing.assert_allclose(b[0], [1e-3 / np.sqrt(2), 1e-3 / np.sqrt(2), 0], rtol=1e-15)
    assert field_to_si("0.1 G", "x") == pytest.approx(1e-5, rel=1e-15)
    assert field_to_si("6 gauss", "x") == pytest.approx(6e-4, rel=1e-15)
    assert field_to_si("2 mG", "x") == pytest.approx(2e-7, rel=1e-15)
    assert field_to_si("0.5 mT", "x") == pytest.approx(5e-4, rel=1e-15)
    with pytest.raises(UnitError, match="has no unit"):
        ConstantDisturbance(1.0)
    with pytest.raises(ValueError, match="direction 'up' unknown"):
        ConstantDisturbance("1 G", "up")


def test_random_disturbance_rms_and_correlation_time():
    n = 20000
    tau = 100e-15
    field = RandomDisturbance("6 G", "100 fs", seed=3)
    pts = np.zeros((n, 3))
    b0 = field(pts, 0.0).copy()
    b1 = field(pts, tau).copy()
    b2 = field(pts, 2 * tau).copy()
    rms = 6e-4
    tol = 4 * np.sqrt(2 / (3 * n))
    assert np.sqrt(np.mean(b0**2)) == pytest.approx(rms, rel=tol)
    assert np.sqrt(np.mean(b2**2)) == pytest.approx(rms, rel=tol)
    for lag, b in ((1, b1), (2, b2)):
        corr = np.mean(b0 * b) / rms**2
        assert corr == pytest.approx(np.exp(-lag), abs=4 / np.sqrt(3 * n))
    # correlation time from the decay of the autocorrelation over one long single run
    times = np.arange(0, 6 * tau, tau / 4)
    field = RandomDisturbance("6 G", "100 fs", seed=4, components="z")
    series = np.array([field(np.zeros((4000, 3)), t)[:, 2] for t in times])
    assert np.all(series.std(axis=1) > 0) and np.all(field(np.zeros((2, 3)), 0.0)[:, :2] == 0)
    acf = np.array([np.mean(series[0] * series[j]) for j in range(len(times))]) / rms**2
    fit_tau = -np.polyfit(times[:9], np.log(np.maximum(acf[:9], 1e-3)), 1)[0] ** -1
    assert fit_tau == pytest.approx(tau, rel=0.15)


def test_random_disturbance_keyed_by_global_id():
    n = 1000
    ids = np.random.default_rng(0).permutation(10**6)[:n]
    pts = np.random.default_rng(1).normal(size=(n, 3))
    ref = RandomDisturbance("6 G", "100 fs", seed=7)
    ref.set_global_ids(ids)
    want = ref(pts, 250e-15)
    perm = np.random.default_rng(2).permutation(n)
    other = RandomDisturbance("6 G", "100 fs", seed=7)
    other.global_ids = ids[perm]
    np.testing.assert_array_equal(other(pts[perm], 250e-15), want[perm])
    half = RandomDisturbance("6 G", "100 fs", seed=7)
    half.set_global_ids(ids[:500])
    np.testing.assert_array_equal(half(pts[:500], 250e-15), want[:500])
    # going back in time recomputes the same values; a different seed differs
    assert np.array_equal(ref(pts, 250e-15), want)
    ref(pts, 1e-12)
    assert np.array_equal(ref(pts, 250e-15), want)
    bad = RandomDisturbance("6 G", "100 fs", seed=8)
    bad.global_ids = ids
    assert np.max(np.abs(bad(pts, 250e-15) - want)) > 1e-4
    with pytest.raises(ValueError, match="global_ids has shape"):
        bad(pts[:10], 0.0)


def test_spatially_correlated_disturbance_covariance():
    ell = 1e-6
    field = RandomDisturbance("6 G", "100 fs", seed=1, correlation_length="1 um", n_modes=4096)
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 200e-6, size=(4000, 3)) * [1, 1, 0]
    b = field(x, 0.0)
    rms = 6e-4
    assert np.sqrt(np.mean(b**2)) == pytest.approx(rms, rel=0.1)
    for d in (0.5 * ell, ell, 2 * ell):
        c = np.mean(b * field(x + [d, 0, 0], 0.0)) / np.mean(b**2)
        assert c == pytest.approx(np.exp(-d * d / (2 * ell * ell)), abs=0.06)
    # a pure function of (x, t): any split over ranks gives the same values
    np.testing.assert_allclose(field(x[:100], 0.0), b[:100], rtol=1e-12, atol=1e-18)


def test_disturbance_noise_independent_of_llb_noise_with_same_seed():
    n = 50000
    field = RandomDisturbance("1 T", "100 fs", seed=5)
    b = field(np.zeros((n, 3)), 0.0)
    z = gaussian_noise(5, 0, np.arange(n))
    assert abs(np.mean(b[:, 0] * z[:, 0])) < 4 / np.sqrt(n)


def test_random_disturbance_step_average():
    n = 20000
    tau = 100e-15
    field = RandomDisturbance("6 G", "100 fs", seed=2, time_step="5 fs")
    pts = np.zeros((n, 3))
    np.testing.assert_array_equal(field.average(pts, 12e-15, 14e-15), field(pts, 12e-15))
    # mean over 200 grid values of the AR(1) chain ρ = exp(−Δ/τ): exact variance formula
    n_grid = 200
    mean = field.average(pts, 0.0, n_grid * 5e-15)
    rho = np.exp(-5e-15 / tau)
    k = np.arange(1, n_grid)
    expected = (6e-4) ** 2 / n_grid * (1 + 2 * np.sum((1 - k / n_grid) * rho**k))
    assert np.mean(mean**2) == pytest.approx(expected, rel=4 * np.sqrt(2 / (3 * n)))
    with pytest.raises(ValueError, match="need t_end >= t_start"):
        field.average(pts, 1e-15, 0.0)
