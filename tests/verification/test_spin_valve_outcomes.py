"""Spin-valve outcomes of a run (issue 11 §2): free-layer crossing time and ref demagnetization
peak, P and AP, from the lumped model and from a sweep of the full Simulation chain.

The references are the figures of merit the spin-valve demos compute with their own code
(``femmag.studies.seed000.calibration.fig3_timing``; ``switching_time`` and argmin |m_ref| in
``demos/demo_spin_valve_fem.py``) on the same traces, plus the values those traces give (measured
when the outcomes were added, tolerances far below the physics the demos assert).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import femmag  # noqa: F401  (before dolfinx)

from mpi4py import MPI

from femmag.io.traces import read_trace
from femmag.physics.optics.kerr import switching_time
from femmag.study import Sweep
from femmag.study.outcomes import SPIN_VALVE_VARIABLES, VARIABLES, spin_valve_figures, \
    spin_valve_outcomes

ROOT = Path(__file__).resolve().parents[2]
PS = 1e-12


def test_lumped_run_matches_the_calibration_timing():
    """Seed-000 Fig. 3, lumped s-d model with the calibrated set (demo_spin_valve_calibrated)."""
    from femmag.studies.seed000.calibration import plain, run_fig3

    timing, runs, _ = run_fig3(plain())
    p = spin_valve_outcomes(runs["P"], pulse_peak="0.1 ps")
    ap = spin_valve_outcomes(runs["AP"], pulse_peak="0.1 ps")
    assert p["initial_antiparallel"] == 0.0 and ap["initial_antiparallel"] == 1.0
    # the same numbers as the calibration's own figures of merit (independent code)
    assert p["free_crossing_time"] == pytest.approx(timing.free_crossing / PS, rel=1e-12)
    assert p["ref_demagnetization"] == pytest.approx(timing.ref_demag, rel=1e-12)
    assert p["ref_demagnetization_time"] == pytest.approx(timing.ref_peak / PS, abs=1e-9)
    assert ap["ref_demagnetization"] == pytest.approx(timing.ref_demag_ap, rel=1e-12)
    assert ap["ref_demagnetization_time"] == pytest.approx(timing.ref_peak_ap / PS, abs=1e-9)
    assert p["free_final_md"] == pytest.approx(timing.free_end_p, rel=1e-12)
    assert ap["free_final_md"] == pytest.approx(timing.free_end_ap, rel=1e-12)
    # what the demo states: crossing near 0.8 ps, ref peak 0.385 / 0.270 ps, demag 13 % / 20 %
    assert abs(p["free_crossing_time"] - 0.8) < 0.05
    assert abs(p["ref_demagnetization_time"] - 0.385) < 0.01
    assert abs(ap["ref_demagnetization_time"] - 0.270) < 0.01
    assert abs(p["ref_demagnetization"] - 0.13) < 0.01
    assert abs(ap["ref_demagnetization"] - 0.20) < 0.01
    # from AP the free layer demagnetizes almost fully but recovers (demo: m_d reaches -0.01)
    assert -0.05 < ap["free_min_md"] < 0.05 and ap["free_final_md"] > 0.1


def test_spin_valve_figures_of_synthetic_traces():
    t = np.linspace(0.0, 2.0, 201)  # ps
    free = np.cos(np.pi * t / 2.0)  # crosses zero at 1 ps
    ref = -(1.0 - 0.3 * np.exp(-((t - 0.5) / 0.2) ** 2))  # AP: -1, demagnetized by 30 % at 0.5 ps
    f = spin_valve_figures(t, free, ref, pulse_peak=0.1)
    assert f["free_crossing_time"] == pytest.approx(0.9, abs=1e-4)
    assert f["ref_demagnetization"] == pytest.approx(1 - 0.7 / abs(ref[0]), rel=1e-12)  # ≈ 0.3
    assert f["ref_demagnetization_time"] == pytest.approx(0.4, abs=1e-12)
    assert f["initial_antiparallel"] == 1.0 and f["free_final_md"] == pytest.approx(-1.0)
    assert np.isnan(spin_valve_figures(t, 1 + 0 * t, ref)["free_crossing_time"])
    with pytest.raises(ValueError, match="same length"):
        spin_valve_figures(t, free[:-1], ref)
    lumped = SimpleNamespace(time=t * PS, names=["top", "bottom"],
                             m_d=np.column_stack([free, ref]))  # a SpinValveResult's fields
    assert spin_valve_outcomes(lumped, pulse_peak="0.1 ps") == pytest.approx(f, nan_ok=True)
    with pytest.raises(ValueError, match="not a ferromagnetic group"):
        spin_valve_outcomes(lumped, free="free")
    with pytest.raises(ValueError, match="two ferromagnetic groups"):
        spin_valve_outcomes(SimpleNamespace(time=t, names=["fm"], m_d=free[:, None]))
    assert set(SPIN_VALVE_VARIABLES) <= set(VARIABLES)
    for unit, description in SPIN_VALVE_VARIABLES.values():
        assert unit in ("1", "ps") and description.startswith("spin valve:")


def test_spin_valve_sweep_outcomes(tmp_path):
    """cases/spin_valve_fem.toml (FEM 2TM + s-d at the quadrature points, ballistic transfer) as a
    sweep over the P and AP starts: the outcomes in results.nc are the demo's figures of merit of
    the kept traces. 2.5 ps instead of the case's 5 ps: every figure is decided by then."""
    case = tomllib.loads((ROOT / "cases" / "spin_valve_fem.toml").read_text())
    case["time"]["end"] = "2.5 ps"
    out = Path(MPI.COMM_WORLD.bcast(str(tmp_path / "sv"), root=0))
    ds = Sweep(case, axes={"spin.initial": ["P", "AP"]}).run(out, keep_traces=True, quiet=True)
    for name, (unit, description) in SPIN_VALVE_VARIABLES.items():
        assert ds[name].attrs["unit"] == unit and ds[name].attrs["description"] == description
    assert list(ds["outcome"].values) == ["switched", "not_switched"]  # only P reverses
    assert list(ds["initial_antiparallel"].values) == [0.0, 1.0]
    for i in range(2):
        tr = read_trace(next((out / "points").glob(f"{i}*/traces.csv")))
        t, free, ref = tr["time [ps]"], tr["m_d_free [1]"], np.abs(tr["m_d_ref [1]"])
        k = int(np.argmin(ref))  # the CSV holds ~10 digits
        point = ds.isel(initial=i)
        assert float(point["free_crossing_time"]) == pytest.approx(switching_time(t, free) - 0.1,
                                                                   rel=1e-8)
        assert float(point["ref_demagnetization"]) == pytest.approx(1 - ref[k] / ref[0], rel=1e-8)
        assert float(point["ref_demagnetization_time"]) == pytest.approx(t[k] - 0.1, abs=1e-6)
    # the values of these traces (measured; the demo asserts 0.8-2 ps, "only P reverses", 10-35 %)
    p, ap = ds.isel(initial=0), ds.isel(initial=1)
    assert float(p["free_crossing_time"]) == pytest.approx(1.1893, abs=2e-3)
    assert float(p["ref_demagnetization"]) == pytest.approx(0.2244, abs=1e-3)
    assert float(p["ref_demagnetization_time"]) == pytest.approx(0.67, abs=0.011)
    assert float(ap["ref_demagnetization"]) == pytest.approx(0.2766, abs=1e-3)
    assert float(ap["ref_demagnetization_time"]) == pytest.approx(0.58, abs=0.011)
    # from AP the free layer passes through zero while demagnetized (0.29 ps) and recovers
    assert float(ap["free_crossing_time"]) == pytest.approx(0.2874, abs=2e-3)
    assert float(ap["free_min_md"]) < 0 < float(ap["free_final_md"])
    assert float(p["free_final_md"]) < -0.1
