"""Seed-000 Fig. 3 timing with the calibrated set (issue 6 §4; femmag.studies.seed000.calibration).

Lumped s-d model (ballistic spin transfer) driven by the 1D finite-volume 2TM with ballistic
hot-electron energy transport; pure numpy/scipy, identical on every MPI rank.

Tolerances: the recorded values are reproduced to a few fs (the ref peak is sampled on the 5 fs
output grid: 5 → 10 fs steps moves it by 5 fs and the crossing by 0.4 fs; FV tolerance 1e-5), so
±20 fs around the recorded numbers catches any change of the model or of the set. Against the seed:
the free crossing must lie within ±50 fs of 0.8 ps (Fig. 3 text "after 800 fs"; the seed gives one
significant figure), the ref peak must be clearly earlier than the session-1 set's 0.635 ps; the
seed's 0.3 ps (Fig. 1c, a measurement) is *not* reached within the allowed ranges (see the demo).
"""

import numpy as np
import pytest

from femmag.studies.seed000.calibration import (
    SEED000_CALIBRATED,
    UNCALIBRATED_SET,
    CalibratedValue,
    plain,
    run_fig3,
)

PS, FS = 1e-12, 1e-15


@pytest.fixture(scope="module")
def calibrated():
    return run_fig3(plain(), t_end=3 * PS, dt=5 * FS)


def test_calibrated_times(calibrated):
    timing, _, _ = calibrated
    assert timing.ref_peak == pytest.approx(0.385 * PS, abs=20 * FS)
    assert timing.ref_peak_ap == pytest.approx(0.270 * PS, abs=20 * FS)
    assert timing.free_crossing == pytest.approx(0.811 * PS, abs=20 * FS)
    # the seed measures the same ~0.3 ps peak from P and AP (Fig. 1c): the P/AP mean is near it
    assert abs(0.5 * (timing.ref_peak + timing.ref_peak_ap) - 0.3 * PS) < 50 * FS
    assert abs(timing.free_crossing - 0.8 * PS) < 50 * FS, "seed 000 Fig. 3: reversal after ~800 fs"
    assert timing.free_crossing > timing.ref_peak, "reversal after the ref starts remagnetizing"


def test_only_p_reverses_and_demag_depth(calibrated):
    timing, _, _ = calibrated
    assert timing.only_p_reverses
    assert timing.free_end_p < -0.4 and timing.free_end_ap > 0.5
    assert 0.12 < timing.ref_demag < 0.24 and 0.12 < timing.ref_demag_ap < 0.24, \
        "ref demagnetization ~18 % (seed Fig. 1c)"
    # the free layer demagnetizes (quasi-)totally from AP and recovers (seed Fig. 3a text)
    assert 0.95 < timing.free_demag_ap < 1.1


def test_earlier_than_session1(calibrated):
    timing, _, _ = calibrated
    old, _, _ = run_fig3(UNCALIBRATED_SET, t_end=2 * PS, dt=10 * FS)
    assert old.ref_peak == pytest.approx(0.64 * PS, abs=20 * FS)
    assert old.free_crossing == pytest.approx(1.121 * PS, abs=20 * FS)
    assert timing.ref_peak < old.ref_peak - 0.15 * PS
    assert timing.free_crossing < old.free_crossing - 0.25 * PS


def test_set_is_inside_its_ranges_and_rejects_outside():
    values = plain()
    assert values["ballistic_range_Cu"] == 150.0 and values["absorption_scale"] == 0.35
    bad = dict(SEED000_CALIBRATED)
    bad["tau_sd_ref"] = CalibratedValue(0.05, "ps", (0.1, 0.5), "test")
    with pytest.raises(ValueError, match=r"tau_sd_ref = 0\.05 ps lies outside"):
        plain(bad)
    assert all(np.isfinite(v) for v in values.values())


def test_fem_confirms_lumped(calibrated):
    """The set through Simulation (FEM 2TM + ballistic energy transport + s-d at quadrature points).

    FEM vs FV heat with the same parameters differ by the discretization and the intra-layer T_e
    spread (demo_spin_valve_fem: ≤ 20 fs); here 10 fs steps vs 5 fs in the lumped run: ±30 fs.
    """
    from femmag.studies.seed000 import seed000_spin_valve
    from femmag.physics.optics.kerr import switching_time
    from femmag.studies.seed000.calibration import simulation_inputs
    from femmag.physics.spin.module import spin_transport
    from femmag.studies.seed000.groups import seed000_groups
    from femmag.pulse import Pulse
    from femmag.simulation import Simulation, TimeStepping

    timing, _, _ = calibrated
    inputs = simulation_inputs()
    stack = seed000_spin_valve(substrate_thickness="1 um")
    pulse = Pulse("20 mJ/cm^2", "50 fs", "10 um", arrival="0.1 ps")
    m_d = {}
    for state in ("P", "AP"):
        sim = Simulation(stack, pulse, mesh="1d", magnetization=False, library=inputs["library"],
                         absorption=inputs["absorption"],
                         modules=[spin_transport(ferromagnets=seed000_groups(stack), initial=state,
                                                 **inputs["spin_transport"])],
                         verbose=False,
                         time_stepping=TimeStepping(dt_pulse="10 fs", dt_max="10 fs"))
        tr = sim.run("2 ps", progress=False)
        sim.extra_modules[0].destroy()
        time = tr.column("time") * PS
        m_d[state] = (time, tr.column("m_d_free"), np.abs(tr.column("m_d_ref")))
    time, free, ref = m_d["P"]
    assert time[int(np.argmin(ref))] - 0.1 * PS == pytest.approx(timing.ref_peak, abs=30 * FS)
    assert switching_time(time, free) - 0.1 * PS == pytest.approx(timing.free_crossing, abs=30 * FS)
    assert 1 - ref.min() / ref[0] == pytest.approx(timing.ref_demag, abs=0.02)
    assert free[-1] < -0.1 and m_d["AP"][1][-1] > 0.1, "FEM: only P reverses"


def test_ballistic_source_conserves_the_absorbed_energy():
    """The ballistic redistribution moves the TMM energy between FV cells without loss."""
    from femmag.studies.seed000.calibration import (
        SHORT_BALLISTIC_RANGES,
        _ballistic_cell_fractions,
        _fv_layers,
    )
    from femmag.studies.seed000 import SEED000_OPTICS, SEED000_THERMAL
    from femmag.physics.optics.transfer_matrix import tmm_stack_si

    layers = _fv_layers({}, 2e-9)
    substrate = {"name": "glass", "thickness": 1e-6, "cells": 40, "n": SEED000_OPTICS["glass"],
                 **SEED000_THERMAL["glass"]}
    fraction = _ballistic_cell_fractions(layers, substrate, 150e-9, SHORT_BALLISTIC_RANGES)
    optics = tmm_stack_si([la["n"] for la in layers], [la["thickness"] for la in layers], 800e-9,
                          n_substrate=SEED000_OPTICS["glass"])
    total = sum(la["thickness"] for la in layers)
    assert fraction.sum() == pytest.approx(optics.absorbed_fraction_between([0.0], [total])[0],
                                           rel=1e-8)
    assert fraction.min() >= 0.0
