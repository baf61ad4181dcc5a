"""Kerr read-out and seed-000 analysis (femmag.physics.optics.kerr; physics-spec §8)."""

from __future__ import annotations

import numpy as np
import pytest

from femmag.physics.optics.kerr import (KerrTrace, eq1_spin_signal, normalized_changes, pap_decompose,
                         read_kerr_csv, spin_signal, switching_time,
                         switching_time_sensitivity, write_kerr_csv)

RNG = np.random.default_rng(7)
AB = 2.0e-3 + 1.5e-3j  # a + ib per unit M (any consistent unit)
FM = 0.7e-3 + 0.2e-3j  # a' + ib'
CU = -0.3e-3 + 0.9e-3j  # a'' + ib''
MS = 1.0


def test_eq1_two_forms_agree_and_match_direct_normalization():
    t = np.linspace(0, 2e-12, 101)
    dmu_fm, dmu_cu = np.sin(t / 3e-13), np.exp(-t / 5e-13) - 0.3
    ratio = eq1_spin_signal(AB, FM, CU, MS, dmu_fm, dmu_cu, form="ratio")
    diff = eq1_spin_signal(AB, FM, CU, MS, dmu_fm, dmu_cu, form="difference")
    np.testing.assert_allclose(ratio, diff, rtol=1e-12, atol=1e-15)
    # direct: ΔΘ = (a+ib)ΔM + (a'+ib')Δμ_FM + (a''+ib'')Δμ_Cu, normalized by Θ^Ms = (a+ib)M_s
    dm = -0.2 * np.tanh(t / 4e-13)
    change = AB * dm + FM * dmu_fm + CU * dmu_cu
    dth, deps = normalized_changes(change, AB * MS)
    np.testing.assert_allclose(spin_signal(dth, deps), ratio, rtol=1e-10, atol=1e-13)


def test_eq1_fm_term_vanishes_when_phases_match():
    fm_same_phase = 0.37 * AB  # a'/b' = a/b
    t = np.linspace(0, 1, 11)
    only_fm = eq1_spin_signal(AB, fm_same_phase, CU, MS, np.cos(t), np.zeros_like(t))
    assert np.max(np.abs(only_fm)) < 1e-14
    both = eq1_spin_signal(AB, fm_same_phase, CU, MS, np.cos(t), t)
    only_cu = eq1_spin_signal(AB, FM, CU, MS, np.zeros_like(t), t)
    np.testing.assert_allclose(both, only_cu, rtol=1e-12)


def test_pure_magnetization_signal_gives_equal_normalized_changes():
    dm = -0.3 * np.sin(np.linspace(0, 3, 50)) ** 2
    dth, deps = normalized_changes(AB * dm, AB * MS)
    np.testing.assert_allclose(dth, deps, rtol=1e-13)
    assert np.max(np.abs(spin_signal(dth, deps))) < 1e-15


def test_normalized_changes_rejects_degenerate_static():
    with pytest.raises(ValueError, match="both parts of the static signal"):
        normalized_changes(np.ones(3), 1.0 + 0j)


def test_pap_decompose_recovers_parts():
    free, ref = RNG.normal(size=20), RNG.normal(size=20)
    f, r = pap_decompose(free + ref, free - ref)
    np.testing.assert_allclose(f, free, rtol=0, atol=1e-14)
    np.testing.assert_allclose(r, ref, rtol=0, atol=1e-14)


def test_csv_round_trip(tmp_path):
    t = np.linspace(-0.5e-12, 3e-12, 57)
    trace = KerrTrace(t, 1e-3 * RNG.normal(size=t.size), 1e-3 * RNG.normal(size=t.size))
    path = tmp_path / "kerr.csv"
    write_kerr_csv(path, trace, time_unit="fs", angle_unit="urad", comment="test\nseed 000")
    back = read_kerr_csv(path)
    np.testing.assert_allclose(back.time, t, rtol=1e-14, atol=1e-28)
    np.testing.assert_allclose(back.rotation, trace.rotation, rtol=1e-14, atol=1e-20)
    np.testing.assert_allclose(back.ellipticity, trace.ellipticity, rtol=1e-14, atol=1e-20)
    np.testing.assert_allclose(back.complex_angle, trace.complex_angle, rtol=1e-14, atol=1e-20)


def test_csv_missing_unit_message(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("time,rotation [mrad],ellipticity [mrad]\n0,1,2\n1,2,3\n")
    with pytest.raises(ValueError, match=r"no unit in brackets"):
        read_kerr_csv(path)
    path.write_text("time [ps],rotation [arcmin],ellipticity [mrad]\n0,1,2\n1,2,3\n")
    with pytest.raises(ValueError, match="unknown rotation unit 'arcmin'"):
        read_kerr_csv(path)


def test_two_percent_error_shifts_linear_switching_by_e_tau():
    # Δθ̄ = −t/τ: nominal crossing at τ; with Θ^Ms × 1.02 the crossing moves to 1.02 τ
    tau = 1.5e-12
    t = np.linspace(0, 3e-12, 3001)
    out = switching_time_sensitivity(t, -t / tau, 0.02)
    assert out["t_switch"] == pytest.approx(tau, rel=1e-9)
    assert out["shift_plus"] == pytest.approx(0.02 * tau, rel=1e-6)
    assert out["shift_minus"] == pytest.approx(-0.02 * tau, rel=1e-6)
    assert out["shift_linear"] == pytest.approx(0.02 * tau, rel=1e-6)


def test_two_percent_error_on_slow_crossing_is_large():
    # a trace that creeps through −1 (slope 0.1/ps): 2% → shift 0.2 ps (seed 000 U9 mechanism)
    t = np.linspace(0, 4e-12, 4001)
    d = -0.9 * (1.0 - np.exp(-t / 0.2e-12)) - 0.1 * t / 1e-12  # crosses −1 near 1 ps
    out = switching_time_sensitivity(t, d, 0.02)
    slope = -0.1 / 1e-12 - 0.9 / 0.2e-12 * np.exp(-out["t_switch"] / 0.2e-12)
    assert out["shift_linear"] == pytest.approx(-0.02 / slope, rel=2e-3)
    assert out["shift_plus"] == pytest.approx(out["shift_linear"], rel=0.05)
    assert out["shift_plus"] > 0.15e-12


def test_switching_time_error_when_no_crossing():
    with pytest.raises(ValueError, match="never crosses"):
        switching_time(np.linspace(0, 1, 5), np.ones(5))
