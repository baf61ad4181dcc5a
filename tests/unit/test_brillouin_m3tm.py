"""Verification of the spin-S (Brillouin) LLB and of the M3TM kernels: physics-spec §5.2, §5.6."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from scipy.special import erf

from femmag.kernels import brillouin as qllb
from femmag.kernels import llb, m3tm
from femmag.kernels.llb import LLBStepError
from femmag.materials import m3tm_parameters
from femmag.units import GAMMA_E, MU_B

TC = 550.0
MU_AT = 1.2 * MU_B
LAMBDA = 0.045

# spec §5.2 table: T/T_c and the S = 1/2 Brillouin m_e
SPEC_BRILLOUIN = [
    (0.2, 0.99991), (0.5, 0.95750), (0.5455, 0.93775), (0.8, 0.71041), (0.9, 0.52543),
    (0.95, 0.37949), (0.99, 0.17251), (1.05, 0.0), (1.5, 0.0), (2.33, 0.0),
]


# ---------------------------------------------------------------------------------------------
# Brillouin mean field
# ---------------------------------------------------------------------------------------------
def test_spin_half_equilibrium_matches_spec_table():
    t = np.array([row[0] for row in SPEC_BRILLOUIN])
    ref = np.array([row[1] for row in SPEC_BRILLOUIN])
    got = qllb.quantum_equilibrium_magnetization(t * TC, TC, 0.5)
    np.testing.assert_allclose(got, ref, atol=1e-5)
    # S = 1/2: B_S = tanh, m_e = tanh(m_e T_c/T) to round-off (independent root finder)
    for tt in (0.3, 0.7, 0.97):
        exact = brentq(lambda m, tt=tt: m - np.tanh(m / tt), 1e-6, 1.0, xtol=1e-15)
        assert qllb.quantum_equilibrium_magnetization(tt * TC, TC, 0.5) == pytest.approx(
            exact, abs=1e-13)


def test_brillouin_function_limits():
    x = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(qllb.brillouin(x, 0.5), np.tanh(x), atol=1e-14)
    np.testing.assert_allclose(qllb.dbrillouin(x, 0.5), 1 / np.cosh(x) ** 2, atol=1e-13)
    for s in (0.5, 1.0, 3.5):
        assert qllb.dbrillouin(0.0, s) == pytest.approx((s + 1) / (3 * s), rel=1e-14)
    assert qllb.landau_coefficient(0.5) == pytest.approx(3.0, rel=1e-14)
    assert qllb.landau_coefficient(1e7) == pytest.approx(5 / 3, rel=1e-6)


def test_large_spin_tends_to_classical_langevin():
    t = np.array([0.2, 0.5, 0.8, 0.95, 1.5])
    T = t * TC
    errors = []
    for s in (10.0, 100.0, 1000.0):
        me = qllb.quantum_equilibrium_magnetization(T, TC, s)
        errors.append(np.max(np.abs(me - llb.equilibrium_magnetization(T, TC))))
        chi = qllb.quantum_longitudinal_susceptibility(T, TC, MU_AT, s)
        chi_cl = llb.longitudinal_susceptibility(T, TC, MU_AT)
        assert np.max(np.abs(chi / chi_cl - 1)) < 5.0 / s
        par, perp = qllb.quantum_damping_parameters(T, TC, LAMBDA, s, "continuous")
        par_cl, perp_cl = llb.damping_parameters(T, TC, LAMBDA)
        assert np.max(np.abs(par / par_cl - 1)) < 5.0 / s
        assert np.max(np.abs(perp / perp_cl - 1)) < 5.0 / s
    assert errors[2] < 1e-3
    assert errors[0] / errors[2] > 50  # O(1/S) convergence (≈ 100 from S = 10 to 1000)
    # internal field tends to the classical one (below and above T_c)
    m = np.tile([0.1, 0.2, 0.3], (5, 1))  # |m| = 0.37: away from every m_e (H_int ≠ 0)
    h_q = qllb.quantum_internal_field(m, T, TC, MU_AT, 1e4)
    h_c = llb.internal_field(m, T, TC, MU_AT)
    assert np.max(np.abs(h_q - h_c) / np.abs(h_c)) < 1e-3


def test_internal_field_continuous_at_tc_and_consistent_with_susceptibility():
    m = np.array([[0.0, 0.0, 0.05]])
    edge = TC - llb.TC_BAND  # switch from the mean-field to the Landau coefficients
    below = qllb.quantum_internal_field(m, edge - 1e-9, TC, MU_AT, 0.5)
    above = qllb.quantum_internal_field(m, edge + 1e-9, TC, MU_AT, 0.5)
    assert abs(below[0, 2] - above[0, 2]) < 1e-3 * abs(below[0, 2])  # O(TC_BAND/T_c) jump
    # linear response at m_e: δH_int = −δm/χ̃_∥ (definition of χ̃_∥)
    for T in (0.5 * TC, 0.9 * TC, 1.3 * TC):
        me = float(qllb.quantum_equilibrium_magnetization(T, TC, 0.5))
        d = 1e-6
        h = qllb.quantum_internal_field(np.array([[0, 0, me + d], [0, 0, me]]), T, TC, MU_AT, 0.5)
        slope = (h[0, 2] - h[1, 2]) / d
        chi = float(qllb.quantum_longitudinal_susceptibility(T, TC, MU_AT, 0.5))
        assert slope == pytest.approx(-1 / chi, rel=1e-4)


def test_spec_damping_formulas():
    T = 0.5 * TC
    me = float(qllb.quantum_equilibrium_magnetization(T, TC, 0.5))
    q = 3 * me / (2 * 0.5 + 1) / 0.5
    par, perp = qllb.quantum_damping_parameters(T, TC, LAMBDA, 0.5)
    assert par == pytest.approx(2 * LAMBDA / 1.5 / np.sinh(2 * q), rel=1e-13)
    assert perp == pytest.approx(LAMBDA / me * (np.tanh(q) / q - 0.5 / 3), rel=1e-13)
    par, perp = qllb.quantum_damping_parameters(1.2 * TC, TC, LAMBDA, 0.5)
    assert par == perp == pytest.approx(2 * LAMBDA * 1.2 / 3, rel=1e-14)
    with pytest.raises(ValueError, match="damping convention must be"):
        qllb.quantum_damping_parameters(T, TC, LAMBDA, 0.5, "other")
    with pytest.raises(ValueError, match="spin S must be a finite number > 0"):
        qllb.quantum_equilibrium_magnetization(T, TC, 0.0)


# ---------------------------------------------------------------------------------------------
# Brillouin LLB dynamics
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("convention", ["spec", "continuous"])
def test_equilibrium_is_fixed_point(convention):
    params = qllb.QuantumLLBParameters(TC, MU_AT, LAMBDA, 0.5, damping_convention=convention)
    T = np.array([100.0, 300.0, 500.0, 700.0])
    me = qllb.quantum_equilibrium_magnetization(T, TC, 0.5)
    m = np.zeros((4, 3))
    m[:, 2] = me
    field = np.array([0.0, 0.0, 0.0])
    out, _ = qllb.quantum_llb_advance(m, field, T, 50e-15, params)
    assert np.max(np.abs(out - m)) < 1e-12


@pytest.mark.parametrize("reduced_temperature", [0.5, 0.9, 1.3])
def test_longitudinal_relaxation_time(reduced_temperature):
    """A small deviation δm ∥ m_e decays at the rate γα_∥/χ̃_∥ (linearized LLB)."""
    params = qllb.QuantumLLBParameters(TC, MU_AT, LAMBDA, 0.5)
    T = reduced_temperature * TC
    me = float(qllb.quantum_equilibrium_magnetization(T, TC, 0.5))
    chi = float(qllb.quantum_longitudinal_susceptibility(T, TC, MU_AT, 0.5))
    a_par, _ = qllb.quantum_damping_parameters(T, TC, LAMBDA, 0.5)
    rate = GAMMA_E * float(a_par) / chi
    delta0 = 1e-6
    m = np.array([[0.0, 0.0, me + delta0]])
    t_end = 1.0 / rate
    n_steps = 50
    for _ in range(n_steps):
        m, _ = qllb.quantum_llb_advance(m, np.zeros(3), T, t_end / n_steps, params,
                                        max_substep=t_end / 500)
    assert (m[0, 2] - me) / delta0 == pytest.approx(np.exp(-1.0), rel=2e-4)


def test_quantum_llb_large_spin_dynamics_tend_to_classical():
    params_q = qllb.QuantumLLBParameters(TC, MU_AT, LAMBDA, 1e4, damping_convention="continuous")
    params_c = llb.LLBParameters(TC, MU_AT, LAMBDA)
    rng = np.random.default_rng(1)
    m = rng.normal(size=(50, 3)) * 0.4
    field = rng.normal(size=(50, 3))
    T = TC * rng.uniform(0.3, 1.6, 50)
    a, _ = qllb.quantum_llb_advance(m, field, T, 20e-15, params_q)
    b, _ = llb.llb_advance(m, field, T, 20e-15, params_c)
    assert np.max(np.abs(a - b)) < 2e-3 * np.max(np.abs(b - m))


@pytest.mark.parametrize("convention", ["spec", "continuous"])
def test_quantum_llb_numba_matches_numpy(monkeypatch, convention):
    """Compiled integration (ode.coefficient_points) vs the numpy stages: same numbers, for
    small and large precession angles, zero fields, T across T_c and several sub-steps."""
    rng = np.random.default_rng(3)
    n = 400
    m = rng.normal(size=(n, 3)) * rng.uniform(0.0, 0.8, (n, 1))
    field = rng.normal(size=(n, 3)) * rng.uniform(0, 3, (n, 1))
    field[:20] = 0.0
    field[20:30] *= 300.0  # precession angle > 0.1 rad per step: libm branch
    T = TC * rng.uniform(0.2, 2.5, n)
    for spin in (0.5, 3.5):
        params = qllb.QuantumLLBParameters(TC, MU_AT, LAMBDA * rng.uniform(0.5, 2, n), spin,
                                           damping_convention=convention)
        for dt in (5e-15, 50e-15):
            monkeypatch.delenv("FEMMAG_NO_NUMBA", raising=False)
            fast, n_fast = qllb.quantum_llb_advance(m, field, T, dt, params)
            monkeypatch.setenv("FEMMAG_NO_NUMBA", "1")
            slow, n_slow = qllb.quantum_llb_advance(m, field, T, dt, params)
            assert n_fast == n_slow and (dt < 1e-14 or n_fast > 1)
            assert np.max(np.abs(fast - slow)) < 1e-14
            assert np.max(np.abs(fast - m)) > 1e-3


def test_quantum_step_refused_with_clear_message():
    params = qllb.QuantumLLBParameters(TC, MU_AT, LAMBDA, 0.5)
    with pytest.raises(LLBStepError, match="Reduce dt or allow more substeps"):
        qllb.quantum_llb_advance(np.array([[0, 0, 0.5]]), np.zeros(3), 2 * TC, 1e-9, params,
                                 max_substeps=3)


# ---------------------------------------------------------------------------------------------
# M3TM
# ---------------------------------------------------------------------------------------------
def test_m3tm_relaxes_to_tanh_equilibrium():
    params = m3tm.M3TMParameters(curie_temperature=627.0, rate=17.2e12)
    T = np.array([300.0, 550.0, 620.0])
    m = np.array([0.2, 0.9, 0.15])
    for _ in range(6):  # the fixed point does not depend on the sub-step (stiffly accurate)
        m = m3tm.m3tm_advance(m, T, T, 5e-12, params, theta=1.0)
    exact = np.array([brentq(lambda x, t=t: x - np.tanh(x * 627.0 / t), 1e-9, 1.0, xtol=1e-15)
                      for t in T])
    np.testing.assert_allclose(m, exact, atol=1e-6)
    np.testing.assert_allclose(m3tm.m3tm_equilibrium(T, 627.0), exact, atol=1e-12)
    assert np.max(np.abs(m3tm.m3tm_rhs(exact, T, T, params))) < 1e-3 * 17.2e12 * 1e-12
    # above T_c: decays to 0; vector form keeps the direction
    v = m3tm.m3tm_advance(np.array([[0.3, 0.0, 0.4]]), 700.0, 700.0, 1e-11, params, theta=1.0)
    assert np.linalg.norm(v) < 1e-6 and v[0, 0] / v[0, 2] == pytest.approx(0.75, rel=1e-12)


@pytest.mark.parametrize("name", ["Ni", "Co"])
def test_m3tm_demagnetization_curve_matches_scipy(name):
    params = m3tm_parameters(name)
    Tc = params.curie_temperature

    def Te(t):
        return (300 + 1.3 * Tc * np.exp(-(((t - 0.3e-12) / 0.1e-12) ** 2))
                + 0.2 * Tc * (1 + erf((t - 0.3e-12) / 0.1e-12)) / 2)

    def Tl(t):
        return 300 + 0.2 * Tc * (1 + erf((t - 0.35e-12) / 0.2e-12)) / 2

    m0 = float(m3tm.m3tm_equilibrium(300.0, Tc))
    t_end, dt = 2e-12, 2e-15
    ref = solve_ivp(lambda t, y: m3tm.m3tm_rhs(y, Te(t), Tl(t), params), (0, t_end), [m0],
                    method="Radau", rtol=1e-11, atol=1e-13, dense_output=True)
    times = np.linspace(0, t_end, int(round(t_end / dt)) + 1)
    mid = 0.5 * (times[1:] + times[:-1])
    # two identical points, one as a scalar and one as a vector along x: same curve
    m = np.array([m0])
    trace = [m0]
    for i, tm in enumerate(mid):
        m = m3tm.m3tm_advance(m, Te(tm), Tl(tm), times[i + 1] - times[i], params)
        trace.append(m[0])
    exact = ref.sol(times)[0]
    assert np.max(np.abs(np.array(trace) - exact)) < 1e-4
    assert exact.min() < 0.75 * m0  # a real demagnetization


def test_m3tm_parameters_from_library_and_errors():
    ni = m3tm_parameters("Ni")
    assert ni.curie_temperature == pytest.approx(627.0)
    assert ni.rate == pytest.approx(17.2e12)
    with pytest.raises(ValueError, match="electron_temperature must be finite and > 0 K"):
        m3tm.m3tm_advance(np.array([0.5]), 0.0, 300.0, 1e-15, ni)
    with pytest.raises(ValueError, match="m must have shape"):
        m3tm.m3tm_advance(np.zeros((2, 2)), 300.0, 300.0, 1e-15, ni)
    with pytest.raises(LLBStepError, match="Reduce dt or raise max_substeps"):
        m3tm.m3tm_advance(np.array([0.5]), 2000.0, 2000.0, 1e-9, ni, max_substeps=10)
