"""Inverse Faraday effect kernel (physics-spec §2.2-2.3): pure numpy, no DOLFINx."""

import math

import numpy as np
import pytest

from femmag.kernels import ife
from femmag.units import C0, EPS0, MJ_PER_CM2, MU0

TAU = 140e-15  # seed 003 pulse FWHM [s]
R0 = 5e-6  # 1/e intensity radius for D = 10 µm [m]
KAPPA_1T = 1.0 / MJ_PER_CM2  # 1 T per mJ/cm² in T·m²/J


def b_ife(r=0.0, t=0.0, helicity=1, fluence=1.0 * MJ_PER_CM2, **kw):
    kw.setdefault("coefficient", KAPPA_1T)
    return ife.ife_flux_density(r, t, helicity=helicity, peak_fluence=fluence, spot_radius=R0,
                                duration=TAU, peak_time=0.0, **kw)


def test_seed003_normalization_one_tesla_per_mj_cm2():
    """κ = 1 T/(mJ/cm²), F0 = 1 mJ/cm²: B = 1 T at r = 0, t = t0; 2.6 mJ/cm² gives 2.6 T."""
    assert b_ife() == pytest.approx(1.0, rel=1e-14)
    assert b_ife(fluence=2.6 * MJ_PER_CM2) == pytest.approx(2.6, rel=1e-14)


def test_zero_for_linear_polarization():
    r = np.linspace(0, 3 * R0, 7)
    assert np.all(b_ife(r=r, helicity="linear") == 0.0)
    assert np.all(b_ife(r=r, helicity=0) == 0.0)


def test_odd_in_helicity():
    r, t = np.meshgrid(np.linspace(0, 2 * R0, 5), np.linspace(-300e-15, 300e-15, 9))
    np.testing.assert_array_equal(b_ife(r, t, helicity="sigma-"), -b_ife(r, t, helicity="sigma+"))
    assert b_ife(helicity="σ+") > 0  # σ+ along +z (spec §0.3)


def test_linear_in_fluence():
    t = np.linspace(-200e-15, 200e-15, 11)
    f1, f2 = 1.3 * MJ_PER_CM2, 3.9 * MJ_PER_CM2
    np.testing.assert_allclose(b_ife(t=t, fluence=f2), 3.0 * b_ife(t=t, fluence=f1), rtol=1e-14)


def test_profile_gaussian_in_r_and_t():
    assert b_ife(r=R0) == pytest.approx(math.exp(-1.0), rel=1e-14)  # 1/e intensity radius
    assert b_ife(t=TAU / 2) == pytest.approx(0.5, rel=1e-14)  # FWHM in time
    assert b_ife(depth_weight=0.7) == pytest.approx(0.7, rel=1e-14)


def test_susceptibility_conversion_seed003():
    """α = 2.13e-11 A·m/V² ↔ 1.35 T per mJ/cm² with the free-space field (spec §2.2)."""
    kappa = ife.ife_coefficient_from_susceptibility(2.13e-11, TAU)
    assert kappa * MJ_PER_CM2 == pytest.approx(1.35, abs=0.005)
    # Independent arithmetic: I_pk = 0.9394 F0/τ, |E|² = 2I/(c ε0), B = μ0 α |E|².
    i_pk = 0.93944 * MJ_PER_CM2 / TAU
    assert ife.gaussian_peak_intensity(MJ_PER_CM2, TAU) == pytest.approx(i_pk, rel=1e-4)
    assert i_pk == pytest.approx(6.71e13, rel=1e-3)
    e2 = 2 * i_pk / (C0 * EPS0)
    assert e2 == pytest.approx(5.05e16, rel=2e-3)
    assert kappa * MJ_PER_CM2 == pytest.approx(MU0 * 2.13e-11 * e2, rel=1e-4)
    alpha = ife.ife_susceptibility_from_coefficient(kappa, TAU)
    assert alpha == pytest.approx(2.13e-11, rel=1e-12)
    # The same field from the susceptibility input.
    assert b_ife(coefficient=None, susceptibility=2.13e-11) == pytest.approx(kappa * MJ_PER_CM2)


def test_helicity_names_and_errors():
    assert [ife.helicity_index(p) for p in ("sigma+", "RCP", "left", "linear", -1, 1.0)] == \
        [1, 1, -1, 0, -1, 1]
    for bad in ("circular", "elliptic", 2, 0.5, None):
        with pytest.raises(ValueError, match="unknown polarization"):
            ife.helicity_index(bad)


def test_bad_input_messages():
    with pytest.raises(ValueError, match="exactly one of coefficient"):
        b_ife(coefficient=None)
    with pytest.raises(ValueError, match="exactly one of coefficient"):
        b_ife(susceptibility=2e-11)
    with pytest.raises(ValueError, match="peak_fluence .* negative"):
        b_ife(fluence=-1.0)
    with pytest.raises(ValueError, match="duration .* positive"):
        ife.temporal_envelope(0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="spot_radius .* positive"):
        ife.ife_flux_density(0.0, 0.0, helicity=1, peak_fluence=1.0, coefficient=0.1,
                             spot_radius=-1.0, duration=TAU)
