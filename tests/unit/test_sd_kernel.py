"""Unit tests of the pointwise s-d / M3TM kernel (physics-spec §5.6, §6.1). Pure numpy."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from femmag.kernels.sd import (
    HAS_NUMBA,
    SdParameters,
    equilibrium_magnetization,
    m3tm_advance,
    m3tm_rhs,
    m_total,
    sd_advance,
    sd_rhs,
    x_coth_x,
)
from femmag.units import EV, KB, PS

# Ni M3TM fit (physics-spec §5.6, Koopmans 2010)
NI_TC, NI_R = 627.0, 17.2 / PS

BACKENDS = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(not HAS_NUMBA,
                                                                   reason="numba not installed"))]


def electron_temperature(t):
    """A pump-like T_e(t) [K]: 300 K → ~1500 K peak at 0.2 ps → slow cooling to ~500 K."""
    peak = 1200 * np.exp(-(((t - 0.2 * PS) / (0.08 * PS)) ** 2))
    return 300 + peak + 200 * (1 - np.exp(-t / (0.3 * PS)))


def lattice_temperature(t):
    return 300 + 250 * (1 - np.exp(-t / (0.5 * PS)))


def test_x_coth_x_regular_and_accurate():
    x = np.array([0.0, 1e-8, -3e-3, 9.99e-3, 1.001e-2, 0.5, -4.0, 40.0])
    ref = np.array([1.0] + [float(v / np.tanh(v)) for v in x[1:]])
    np.testing.assert_allclose(x_coth_x(x), ref, rtol=1e-14)


def test_sd_without_spin_accumulation_is_m3tm():
    """μ_s ≡ 0 (τ_s = 0 or ρ = 0): s-d right-hand side = M3TM with 1/τ_sd = R T_l/T_c, to 1e-6."""
    rng = np.random.default_rng(1)
    m = np.concatenate([rng.uniform(-1, 1, 200), [0.0, 1e-12, 1.0]])
    Te = rng.uniform(50, 2000, m.size)
    Tl = rng.uniform(50, 900, m.size)
    expected = m3tm_rhs(m, Te, Tl, NI_TC, NI_R)
    for params in (SdParameters(NI_TC, rho=0.0, tau_s=1e-13, m3tm_rate=NI_R),
                   SdParameters(NI_TC, rho=5 * EV, tau_s=0.0, m3tm_rate=NI_R)):
        dm, dmu = sd_rhs(m, 0.0, Te, Tl, params)
        np.testing.assert_allclose(dm, expected, rtol=1e-6, atol=1e-6 * NI_R * 1e-3)
        assert np.all(dmu == 0.0)
    # the same with a fixed τ_sd at one lattice temperature: τ_sd = T_c/(R T_l)
    fixed = SdParameters(NI_TC, rho=0.0, tau_s=0.0, tau_sd=NI_TC / (NI_R * 400.0))
    np.testing.assert_allclose(sd_rhs(m, 0.0, Te, 400.0, fixed)[0],
                               m3tm_rhs(m, Te, 400.0, NI_TC, NI_R), rtol=1e-12, atol=1e-3)
    # the direct coth form agrees away from the singular points
    ok = np.abs(m) > 1e-3
    tanh = np.tanh(m * NI_TC / Te, where=ok, out=np.ones_like(m))
    direct = NI_R * m * (Tl / NI_TC) * (1 - m / tanh)
    np.testing.assert_allclose(expected[ok], direct[ok], rtol=1e-10)


def test_equilibrium_is_mean_field():
    """Long integration at fixed T: m_d → root of m = tanh(m T_c/T) (1e-6), μ_s → 0."""
    temps = np.array([100.0, 300.0, 450.0, 550.0])
    roots = np.array([brentq(lambda m, T=T: m - np.tanh(m * NI_TC / T), 1e-6, 1.0) for T in temps])
    np.testing.assert_allclose(equilibrium_magnetization(temps, NI_TC), roots, rtol=1e-12)
    assert equilibrium_magnetization(700.0, NI_TC) == 0.0
    params = SdParameters(NI_TC, rho=0.5 * EV, tau_s=0.05 * PS, tau_sd=0.2 * PS)
    m, mu = np.full(4, 0.3), np.full(4, 0.01 * EV)
    for _ in range(30):
        m, mu = sd_advance(m, mu, temps, temps, 2 * PS, params)
    np.testing.assert_allclose(m, roots, atol=1e-6)
    assert np.max(np.abs(mu)) < 1e-6 * params.exchange
    np.testing.assert_allclose(sd_rhs(roots, 0.0, temps, temps, params)[0], 0.0, atol=1e-9 / PS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_conservation_without_relaxation(backend):
    """τ_s = ∞, no transport: μ_s − ρ m_d (i.e. m_tot = m_d − μ_s/ρ) is conserved to 1e-8."""
    params = SdParameters(550.0, rho=0.5 * EV, tau_s=np.inf, tau_sd=0.3 * PS)
    m0 = np.array([0.95, 0.6, -0.4, 0.02])
    mu0 = np.array([0.0, -0.01 * EV, 0.02 * EV, 0.0])
    tot0 = m_total(m0, mu0, params)
    m, mu = m0, mu0
    t = np.linspace(0, 2 * PS, 201)
    for a, b in zip(t[:-1], t[1:], strict=True):
        m, mu = sd_advance(m, mu, (electron_temperature(a), electron_temperature(b)),
                           (lattice_temperature(a), lattice_temperature(b)), b - a, params,
                           backend=backend)
    assert np.max(np.abs(m - m0)) > 0.05  # the dynamics did something
    np.testing.assert_allclose(m_total(m, mu, params), tot0, atol=1e-8)
    # and μ_s < 0 where the d system demagnetized (Beens sign convention)
    assert mu[0] < 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_m3tm_ni_demagnetization_matches_solve_ivp(backend):
    """M3TM of Ni (T_c = 627 K, R = 17.2/ps) under a pump T_e(t): ROS2 vs solve_ivp, 1e-4."""
    grid = np.linspace(0, 3 * PS, 601)  # 5 fs outer steps, T linear in each (the same ODE below)
    Te_grid, Tl_grid = electron_temperature(grid), lattice_temperature(grid)
    m0 = np.array([equilibrium_magnetization(300.0, NI_TC), 0.5, -0.9])
    m = m0.copy()
    history = [m]
    for k in range(grid.size - 1):
        m = m3tm_advance(m, (Te_grid[k], Te_grid[k + 1]), (Tl_grid[k], Tl_grid[k + 1]),
                         grid[k + 1] - grid[k], NI_TC, NI_R, backend=backend)
        history.append(m)
    history = np.array(history)

    def rhs(t, y):
        return m3tm_rhs(y, np.interp(t, grid, Te_grid), np.interp(t, grid, Tl_grid), NI_TC, NI_R)

    sol = solve_ivp(rhs, (0, grid[-1]), m0, method="DOP853", t_eval=grid, rtol=1e-12,
                    atol=1e-14, max_step=5e-15)
    assert np.min(history[:, 0]) < 0.5 * m0[0]  # strong demagnetization
    np.testing.assert_allclose(history, sol.y.T, atol=1e-4)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sd_advance_matches_solve_ivp_stiff(backend):
    """Stiff s-d (ρ/J_sd ≫ 1, short τ_s) with a transport source: sd_advance vs LSODA, 1e-5."""
    params = SdParameters(550.0, rho=5 * EV, tau_s=0.03 * PS, tau_sd=0.2 * PS)
    grid = np.linspace(0, 0.5 * PS, 51)
    Te, Tl = electron_temperature(grid), lattice_temperature(grid)
    source = -0.2 * EV / PS
    m, mu = np.array([0.9]), np.array([0.0])
    out = [(m[0], mu[0])]
    for k in range(grid.size - 1):
        m, mu = sd_advance(m, mu, (Te[k], Te[k + 1]), (Tl[k], Tl[k + 1]), grid[k + 1] - grid[k],
                           params, mu_source=source, backend=backend)
        out.append((m[0], mu[0]))
    out = np.array(out)

    def rhs(t, y):
        dm, dmu = sd_rhs(y[0], y[1] * EV, np.interp(t, grid, Te), np.interp(t, grid, Tl), params,
                         source)
        return [dm, dmu / EV]

    sol = solve_ivp(rhs, (0, grid[-1]), [0.9, 0.0], method="LSODA", t_eval=grid, rtol=1e-10,
                    atol=1e-12)
    np.testing.assert_allclose(out[:, 0], sol.y[0], atol=1e-5)
    np.testing.assert_allclose(out[:, 1] / EV, sol.y[1], atol=1e-5)


def test_kernel_errors():
    with pytest.raises(ValueError, match="exactly one of tau_sd"):
        SdParameters(500.0, rho=1 * EV, tau_s=1e-13)
    with pytest.raises(ValueError, match="curie_temperature must be > 0"):
        SdParameters(-1.0, rho=1 * EV, tau_s=1e-13, tau_sd=1e-13)
    params = SdParameters(500.0, rho=1 * EV, tau_s=1e-13, tau_sd=1e-13)
    with pytest.raises(ValueError, match="electron_temperature must be > 0 K"):
        sd_advance(np.ones(2), np.zeros(2), np.array([300.0, -1.0]), 300.0, 1e-15, params)
    with pytest.raises(ValueError, match="backend must be"):
        sd_advance(np.ones(2), np.zeros(2), 300.0, 300.0, 1e-15, params, backend="fortran")
    with pytest.raises(ValueError, match="dt must be > 0"):
        sd_advance(np.ones(2), np.zeros(2), 300.0, 300.0, 0.0, params)


def test_x_coth_limit_at_mu_equal_jm():
    """dm_d/dt stays finite when μ_s → J_sd m_d (the coth argument vanishes)."""
    params = SdParameters(500.0, rho=1 * EV, tau_s=1e-13, tau_sd=1e-13)
    m = np.array([0.5, 0.5])
    mu = params.exchange * m + np.array([0.0, 1e-30])
    dm, _ = sd_rhs(m, mu, 300.0, 300.0, params)
    # limit: (1/τ_sd)(2k_BT/J)(x − m x coth x) → −(1/τ_sd)(2k_BT/J) m as x → 0
    expected = -(1 / params.tau_sd) * (2 * KB * 300.0 / params.exchange) * 0.5
    np.testing.assert_allclose(dm, expected, rtol=1e-9)
