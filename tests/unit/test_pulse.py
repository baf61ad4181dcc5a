"""Pulse and PulseTrain (femmag.pulse): normalisation, energy, units, helicity (spec §1.4)."""

import numpy as np
import pytest
from scipy.integrate import quad

from femmag.pulse import Pulse, PulseTrain, parse_helicity
from femmag.units import UnitError


@pytest.fixture
def pump():
    return Pulse(fluence="2.6 mJ/cm^2", duration="140 fs", diameter="10 um",
                 wavelength="800 nm", helicity="sigma-", arrival="0.2 ps")


def test_si_values(pump):
    assert pump.fluence == pytest.approx(26.0, rel=1e-15)
    assert pump.duration == pytest.approx(140e-15, rel=1e-15)
    assert pump.radius == pytest.approx(5e-6, rel=1e-15)
    assert pump.wavelength == pytest.approx(800e-9, rel=1e-15)
    assert pump.arrival == pytest.approx(0.2e-12, rel=1e-15)
    assert pump.helicity == -1
    # I_pk = 0.9394 F0/τ (physics-spec §1.4)
    assert pump.peak_intensity == pytest.approx(0.93944 * 26.0 / 140e-15, rel=1e-5)


def test_temporal_integral_equals_peak_fluence(pump):
    t0, tau = pump.arrival, pump.duration
    integral, _ = quad(lambda t: pump.intensity(0.0, t), t0 - 20 * tau, t0 + 20 * tau,
                       points=[t0], epsabs=0, epsrel=1e-13, limit=200)
    assert integral == pytest.approx(pump.fluence, rel=1e-10)
    assert pump.temporal(t0) == pytest.approx(1.0, abs=1e-15)
    assert pump.temporal(t0 + tau / 2) == pytest.approx(0.5, rel=1e-13)  # FWHM


def test_space_time_integral_equals_energy(pump):
    # ∫∫ 2πr I dr dt factorises; do it as a 2D Gauss-Legendre/Gauss-Laguerre-free tensor rule
    t0, tau, r0 = pump.arrival, pump.duration, pump.radius
    nodes, weights = np.polynomial.legendre.leggauss(120)
    t = t0 + 8 * tau * nodes
    r = 5 * r0 * (nodes + 1)  # [0, 10 r0]
    integrand = 2 * np.pi * r[:, None] * pump.intensity(r[:, None], t[None, :])
    energy = np.sum(integrand * weights[:, None] * weights[None, :]) * (8 * tau) * (5 * r0)
    assert energy == pytest.approx(pump.energy, rel=1e-10)
    assert pump.energy == pytest.approx(np.pi * (5e-6) ** 2 * 26.0, rel=1e-15)
    assert pump.fluence_at(r0) == pytest.approx(26.0 / np.e, rel=1e-14)
    assert pump.lateral(0.0) == 1.0


def test_window_and_delivered_fraction(pump):
    start, end = pump.window(5)
    sigma = pump.duration / np.sqrt(8 * np.log(2))
    assert (end - start) == pytest.approx(10 * sigma, rel=1e-14)
    assert pump.temporal(end) == pytest.approx(np.exp(-12.5), rel=1e-12)
    assert pump.fluence_delivered(pump.arrival) == pytest.approx(0.5, abs=1e-15)
    assert pump.fluence_delivered(end) - pump.fluence_delivered(start) == pytest.approx(
        1 - 5.733e-7, abs=1e-9)


def test_repr_in_user_units(pump):
    text = repr(pump)
    for piece in ["2.6 mJ/cm^2", "140 fs", "10 um", "800 nm", "sigma-", "0.2 ps"]:
        assert piece in text


@pytest.mark.parametrize(
    ("given", "expected"),
    [(1, 1), (-1, -1), (0, 0), ("sigma+", 1), ("sigma-", -1), ("linear", 0), ("σ+", 1),
     (" Sigma- ", -1), (1.0, 1)],
)
def test_helicity_parsing(given, expected):
    assert parse_helicity(given) == expected


@pytest.mark.parametrize("bad", [2, "circular", True, 0.5, None])
def test_bad_helicity(bad):
    with pytest.raises(ValueError, match="is not a helicity"):
        Pulse(fluence="1 mJ/cm^2", duration="100 fs", diameter="10 um", helicity=bad)


def test_bare_numbers_and_wrong_units_rejected():
    with pytest.raises(UnitError, match=r"Pulse.fluence = 2.6 has no unit.*mJ/cm\^2"):
        Pulse(fluence=2.6, duration="140 fs", diameter="10 um")
    with pytest.raises(UnitError, match="Pulse.duration.*wrong unit"):
        Pulse(fluence="2.6 mJ/cm^2", duration="140 nm", diameter="10 um")
    with pytest.raises(UnitError, match="Pulse.diameter"):
        Pulse(fluence="2.6 mJ/cm^2", duration="140 fs", diameter=10e-6)
    with pytest.raises(UnitError, match="Pulse.wavelength.*wrong unit"):
        Pulse(fluence="2.6 mJ/cm^2", duration="140 fs", diameter="10 um", wavelength="800 fs")


@pytest.mark.parametrize("name", ["fluence", "duration", "diameter", "wavelength"])
def test_non_positive_values_rejected(name):
    arguments = {"fluence": "2.6 mJ/cm^2", "duration": "140 fs", "diameter": "10 um",
                 "wavelength": "800 nm"}
    unit = arguments[name].split()[1]
    arguments[name] = f"-1 {unit}"
    with pytest.raises(ValueError, match=f"Pulse.{name} must be positive"):
        Pulse(**arguments)


def test_pulse_train_sums_pulses(pump):
    train = PulseTrain(pump, 3, "2 ps")
    np.testing.assert_allclose(train.arrivals, [0.2e-12, 2.2e-12, 4.2e-12], rtol=1e-14)
    t = np.linspace(-1e-12, 6e-12, 2001)
    expected = sum(pump.temporal(t - k * 2e-12) for k in range(3))
    np.testing.assert_allclose(train.temporal(t), expected, rtol=1e-13, atol=1e-300)
    assert train.intensity(0.0, 2.2e-12) == pytest.approx(pump.peak_intensity, rel=1e-12)
    assert train.total_energy == pytest.approx(3 * pump.energy, rel=1e-14)
    assert len(train.windows()) == 3
    assert "count=3" in repr(train)
    with pytest.raises(ValueError, match="count must be an integer >= 1"):
        PulseTrain(pump, 0, "1 ps")
    with pytest.raises(UnitError, match="PulseTrain.period"):
        PulseTrain(pump, 2, 1e-12)


def test_default_arrival_starts_the_pulse_window_at_zero():
    """Default t0 = 5σ: the whole window t0 ± 5σ lies in the run (t ≥ 0), nothing is lost."""
    pump = Pulse("2.6 mJ/cm^2", "140 fs", "10 um")
    sigma = 140e-15 / np.sqrt(8 * np.log(2))
    assert pump.arrival == pytest.approx(5 * sigma, rel=1e-14)
    assert pump.arrival == pytest.approx(0.29725e-12, rel=1e-4)
    assert pump.window()[0] == pytest.approx(0.0, abs=1e-27)
    assert pump.fluence_delivered(0.0) < 1e-6


@pytest.mark.parametrize("arrival", ["0 ps", "0.1 ps", "-1 ps"])
def test_pulse_starting_before_the_run_is_an_error(arrival):
    with pytest.raises(ValueError, match=r"arrives before the run starts \(t = 0\).*"
                                         r"Give arrival >= '0.1837 ps'"):
        Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival=arrival)


def test_earliest_arrival_loses_at_most_a_permille():
    sigma = 50e-15 / np.sqrt(8 * np.log(2))
    earliest = Pulse("1 mJ/cm^2", "50 fs", "10 um", arrival=f"{3.0903 * sigma} s")
    assert earliest.fluence_delivered(0.0) == pytest.approx(1e-3, rel=1e-3)
    with pytest.raises(ValueError, match="before the run starts"):
        Pulse("1 mJ/cm^2", "50 fs", "10 um", arrival=f"{3.08 * sigma} s")
