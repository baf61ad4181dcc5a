"""Coupled s-d + spin transport of the spin valve (femmag.models.spin_valve; spec §6)."""

from __future__ import annotations

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from femmag.kernels.sd import SdParameters, equilibrium_magnetization, m3tm_rhs
from femmag.physics.spin.diffusion import SpinLayer
from femmag.models.spin_valve import (MagneticLayer, SpinValveModel, TemperatureTraces,
                                       initial_magnetization)

EV = 1.602176634e-19
PS = 1e-12
N_CO, N_CU = 1.13e48, 1.558e47


def pulse_temperatures(names=("free", "ref"), peaks=(1500.0, 700.0), delays=(0.1, 0.4)):
    """Smooth synthetic T_e, T_l traces [K] (electron peak, then a slow lattice rise)."""
    t = np.linspace(0.0, 3 * PS, 601)  # 5 fs: the model steps interpolate T linearly too
    te, tl = {}, {}
    for name, peak, delay in zip(names, peaks, delays, strict=True):
        x = (t - delay * PS) / (0.15 * PS)
        rise = 0.5 * (1 + np.tanh(x))
        te[name] = 300 + (peak - 300) * rise * np.exp(-np.clip(t - delay * PS, 0, None) / PS)
        tl[name] = 300 + 0.25 * (peak - 300) * rise * (1 - np.exp(-np.clip(t - delay * PS, 0,
                                                                              None) / (0.5 * PS)))
    return TemperatureTraces(t, te, tl)


def spin_stack(d_free=3.2e-9, d_ref=7e-9, tau_fm=0.05 * PS, tau_cu=14 * PS):
    return [SpinLayer.from_si("free", d_free, 1e7, N_CO, spin_relaxation_time=tau_fm,
                              is_ferromagnet=True),
            SpinLayer.from_si("Cu", 20e-9, 3.5e7, N_CU, spin_relaxation_time=tau_cu),
            SpinLayer.from_si("ref", d_ref, 1e7, N_CO, spin_relaxation_time=tau_fm,
                              is_ferromagnet=True)]


@pytest.mark.parametrize("transport", ["none", "diffusive"])
def test_without_spin_accumulation_layers_follow_m3tm(transport):
    temps = pulse_temperatures()
    rate = {"free": 20e12, "ref": 25e12}
    tc = {"free": 500.0, "ref": 650.0}
    layers = [MagneticLayer(n, d, SdParameters(tc[n], 0.0, 0.0, m3tm_rate=rate[n]))
              for n, d in (("free", 3.2e-9), ("ref", 7e-9))]
    model = SpinValveModel(layers, temps, transport=transport, spin_layers=spin_stack(),
                           interface_conductances=[1.96e15, 1.96e15], rtol=1e-7)
    res = model.run(1.5 * PS, 5e-15, "AP")
    m0 = initial_magnetization("AP", layers)
    for k, la in enumerate(layers):
        n = la.name

        def rhs(t, y, n=n):
            te, tl = temps.at(n, t)
            return m3tm_rhs(y, te, tl, tc[n], rate[n])

        ref = solve_ivp(rhs, (0, res.time[-1]), [m0[n]], t_eval=res.time, rtol=1e-10, atol=1e-12,
                        method="Radau")
        err = np.max(np.abs(res.m_d[:, k] - ref.y[0]))
        assert err < 1e-6, (n, err)
        assert np.max(np.abs(res.mu_s[:, k])) == 0.0
        np.testing.assert_array_equal(res.m_tot[:, k], res.m_d[:, k])
    assert abs(res.m_d[:, 0].min()) < 0.9 * abs(m0["free"])  # the pulse demagnetizes: a real test
    model.destroy()


def test_diffusive_spin_conservation_without_relaxation():
    temps = pulse_temperatures()
    layers = [MagneticLayer("free", 3.2e-9, SdParameters(500.0, 1.0 * EV, np.inf, tau_sd=0.1 * PS)),
              MagneticLayer("ref", 7e-9, SdParameters(650.0, 2.0 * EV, np.inf, tau_sd=0.2 * PS))]
    model = SpinValveModel(layers, temps, transport="diffusive",
                           spin_layers=spin_stack(tau_fm=1e3, tau_cu=1e3),
                           interface_conductances=[6.5e14, 1.96e15], cell_size=2e-9)
    res = model.run(1.0 * PS, 5e-15, "P")
    scale = 0.5 * N_CO * 7e-9 * 2.0 * EV  # d-spin content of the ref layer [1/m²]
    drift = np.max(np.abs(res.ledger - res.ledger[0])) / scale
    assert drift < 1e-8, drift
    assert np.ptp(res.m_d[:, 0]) > 0.1  # the free layer really moved
    assert np.max(np.abs(res.layer_mu[:, 1])) > 0  # and spin reached the Cu
    model.destroy()


def test_ballistic_spin_conservation_without_relaxation():
    temps = pulse_temperatures()
    layers = [MagneticLayer("free", 3.2e-9, SdParameters(500.0, 1.0 * EV, np.inf, tau_sd=0.1 * PS)),
              MagneticLayer("ref", 7e-9, SdParameters(650.0, 2.0 * EV, np.inf, tau_sd=0.2 * PS))]
    model = SpinValveModel(layers, temps, transport="ballistic", efficiency=(0.6, 0.3),
                           delay=50e-15)
    res = model.run(2.0 * PS, 5e-15, "AP")
    scale = 7e-9 * 2.0 * EV
    drift = np.max(np.abs(res.ledger - res.ledger[0])) / scale
    assert drift < 1e-8, drift
    # without relaxation m_tot of the free layer is not conserved alone (it exchanges spin)
    assert np.ptp(res.m_tot[:, 0]) > 1e-3


@pytest.mark.parametrize("transport", ["diffusive", "ballistic"])
def test_identical_layers_symmetric_response(transport):
    temps = pulse_temperatures(peaks=(900.0, 900.0), delays=(0.2, 0.2))
    params = SdParameters(600.0, 1.0 * EV, 0.05 * PS, tau_sd=0.15 * PS)
    layers = [MagneticLayer("free", 5e-9, params), MagneticLayer("ref", 5e-9, params)]
    kw = dict(spin_layers=spin_stack(5e-9, 5e-9), interface_conductances=[1e15, 1e15],
              efficiency=0.5, delay=50e-15)
    model = SpinValveModel(layers, temps, transport=transport, **kw)
    p = model.run(1.5 * PS, 5e-15, "P")
    ap = model.run(1.5 * PS, 5e-15, "AP")
    amp = np.max(np.abs(p.m_d))
    assert np.max(np.abs(p.m_d[:, 0] - p.m_d[:, 1])) < 1e-9 * amp
    assert np.max(np.abs(ap.m_d[:, 0] + ap.m_d[:, 1])) < 1e-9 * amp
    assert np.max(np.abs(p.mu_s[:, 0] - p.mu_s[:, 1])) < 1e-9 * np.max(np.abs(p.mu_s))
    # P and AP differ (spin transfer matters): the AP layers demagnetize faster
    assert np.min(np.abs(ap.m_d[:, 0])) < np.min(np.abs(p.m_d[:, 0])) - 1e-3
    # global reversal: the equations are odd in (m_d, μ_s)
    minus = model.run(1.5 * PS, 5e-15, {"free": -p.m_d[0, 0], "ref": -p.m_d[0, 1]})
    assert np.max(np.abs(minus.m_d + p.m_d)) < 1e-12
    model.destroy()


def test_ballistic_delay_shifts_reference_response():
    # free → ref only, ref held at constant temperature: a time-invariant receiver
    t = np.linspace(0, 3 * PS, 601)
    hot = pulse_temperatures(names=("free",), peaks=(1500.0,), delays=(0.1,))
    temps = TemperatureTraces(t, {"free": hot.electron["free"], "ref": np.full(t.size, 400.0)},
                              {"free": hot.lattice["free"], "ref": np.full(t.size, 400.0)})
    sd_free = SdParameters(500.0, 1.0 * EV, 0.05 * PS, tau_sd=0.1 * PS)
    sd_ref = SdParameters(650.0, 1.0 * EV, 0.05 * PS, tau_sd=0.1 * PS)
    layers = [MagneticLayer("free", 3.2e-9, sd_free), MagneticLayer("ref", 7e-9, sd_ref)]
    dt, k1, k2 = 5e-15, 4, 20
    start = {"free": initial_magnetization("P", layers)["free"],
             "ref": float(equilibrium_magnetization(400.0, 650.0))}  # receiver at rest
    runs = [SpinValveModel(layers, temps, transport="ballistic", efficiency=(0.8, 0.0),
                           delay=k * dt).run(2.0 * PS, dt, start) for k in (k1, k2)]
    shift = k2 - k1
    mu_early, mu_late = runs[0].mu_s[:, 1], runs[1].mu_s[:, 1]
    assert np.max(np.abs(mu_early)) > 1e-3 * EV  # a real signal
    np.testing.assert_allclose(mu_late[shift:], mu_early[:-shift], rtol=0,
                               atol=1e-9 * np.max(np.abs(mu_early)))
    assert np.max(np.abs(mu_late[:k2 + 1])) == 0.0  # nothing arrives before t_d
    np.testing.assert_allclose(runs[1].m_d[:, 0], runs[0].m_d[:, 0], rtol=0, atol=1e-14)


def test_bad_input_messages():
    temps = pulse_temperatures()
    la = [MagneticLayer("free", 3.2e-9, SdParameters(500.0, EV, 0.05 * PS, tau_sd=0.1 * PS))]
    with pytest.raises(ValueError, match="exactly two FM"):
        SpinValveModel(la, temps, transport="ballistic")
    with pytest.raises(ValueError, match="no temperature trace for FM layer 'x'"):
        SpinValveModel([MagneticLayer("x", 1e-9, la[0].sd)], temps, transport="none")
    two = la + [MagneticLayer("ref", 7e-9, la[0].sd)]
    with pytest.raises(ValueError, match="multiple"):
        SpinValveModel(two, temps, transport="ballistic", delay=70e-15).run(1e-13, 3e-15)
