"""Time-step control of the coupled loop (``Simulation`` + ``TimeStepping``).

- error-controlled Δt (``TimeStepping(tolerance=...)``) on the seed-003 film (1D, S003-A, 2.6 mJ/cm²):
  fewer steps than the fixed pulse-window schedule for the same film-averaged T_e trace, the error
  against a fine fixed-step run bounded by a few tolerances, energy still conserved exactly;
- a step rejected by any module is retried with half the step (it used to be retried with the same
  step inside a pulse window);
- the Newton guess (extrapolated history) leaves the converged answer unchanged;
- bad input for the tolerance.

These are the θ-scheme's own controls on uniform cells with the tight default Newton tolerance:
``accuracy=None`` (the accuracy knob, default on 1D meshes, is tested in test_heat_defaults.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import femmag  # noqa: F401

from mpi4py import MPI

from femmag.studies.seed003 import seed003_film
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping


def film_run(time_stepping: TimeStepping, t_end: str = "3 ps", theta: float = 0.5):
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.3 ps")
    sim = Simulation(seed003_film(), pulse, mesh="1d", magnetization=False,
                     heat_options={"theta": theta}, time_stepping=time_stepping,
                     accuracy=None, comm=MPI.COMM_WORLD, verbose=False)
    sim.setup()
    sim.traces.add("film_electron_temperature", "K",
                   lambda: sim.heat.average_temperatures(["CoPt"])[0])
    sim.run(t_end)
    return sim


@pytest.fixture(scope="module")
def fine():
    return film_run(TimeStepping(dt_pulse="0.25 fs", dt_max="5 fs", growth=1.02))


@pytest.mark.parametrize("tolerance", [2.0, 0.5])
def test_error_controlled_stepping(fine, tolerance):
    fixed = film_run(TimeStepping(dt_pulse="2 fs", dt_max="0.2 ps"))
    controlled = film_run(TimeStepping(dt_pulse="2 fs", dt_max="0.2 ps",
                                       tolerance=f"{tolerance} K"))
    t_ref = fine.traces.column("time")
    Te_ref = fine.traces.column("film_electron_temperature")

    def error(sim):
        t = sim.traces.column("time")
        Te = sim.traces.column("film_electron_temperature")
        return np.max(np.abs(Te - np.interp(t, t_ref, Te_ref)))

    e_fixed, e_ctrl = error(fixed), error(controlled)
    # the controlled run needs fewer steps than the fixed pulse-window schedule ...
    assert controlled.timings["steps"] < 0.8 * fixed.timings["steps"], \
        (controlled.timings["steps"], fixed.timings["steps"])
    # ... and its global error stays within a few local tolerances (T_e,max ≈ 1290 K)
    assert e_ctrl < 4 * tolerance, f"controlled error {e_ctrl:.3f} K (tol {tolerance} K)"
    # energy: the θ-scheme in energy form conserves exactly whatever the step sequence
    absorbed = controlled.traces.column("absorbed_energy")[-1]
    stored = controlled.traces.column("internal_energy_change")[-1]
    assert abs(stored - absorbed) < 1e-6 * absorbed
    # reference point: the fixed 2 fs schedule (385 steps) is within 0.1 K of the fine run
    assert e_fixed < 0.1, f"fixed-schedule error {e_fixed:.3f} K"


def test_tighter_tolerance_is_more_accurate(fine):
    t_ref = fine.traces.column("time")
    Te_ref = fine.traces.column("film_electron_temperature")
    errors, steps = [], []
    for tol in ("4 K", "0.25 K"):
        sim = film_run(TimeStepping(dt_pulse="2 fs", dt_max="0.2 ps", tolerance=tol))
        t = sim.traces.column("time")
        errors.append(np.max(np.abs(sim.traces.column("film_electron_temperature")
                                    - np.interp(t, t_ref, Te_ref))))
        steps.append(sim.timings["steps"])
    assert errors[1] < 0.5 * errors[0], errors
    assert steps[1] > steps[0], steps


def test_rejected_step_is_retried_with_half_the_step():
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.3 ps")
    sim = Simulation(seed003_film(), pulse, mesh="1d", magnetization=False,
                     time_stepping=TimeStepping(dt_pulse="4 fs", dt_max="50 fs"),
                     comm=MPI.COMM_WORLD, verbose=False)
    sim.setup()
    original = sim.heat.step
    calls = []

    def failing_step(t, dt):  # fail every step longer than 1 fs inside the pulse window
        calls.append(dt)
        if 0.2e-12 < t < 0.4e-12 and dt > 1.01e-15:
            from femmag.solvers import SolverDivergedError

            raise SolverDivergedError("forced failure")
        return original(t, dt)

    sim.heat.step = failing_step
    sim.run("0.45 ps")
    inside = [dt for dt in calls if dt <= 1.01e-15]
    assert sim.timings["rejected"] > 0
    assert inside, "the retry never reached dt ≤ 1 fs"
    assert min(calls) == pytest.approx(1e-15, rel=1e-9)  # 4 fs → 2 fs → 1 fs


def test_newton_guess_does_not_change_the_answer():
    """BE and CN with the extrapolated guess against a run whose history is wiped every step."""
    for theta in (1.0, 0.5):
        pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.3 ps")
        runs = []
        for wipe in (False, True):
            sim = Simulation(seed003_film(), pulse, mesh="1d", magnetization=False,
                             heat_options={"theta": theta},
                             time_stepping=TimeStepping(dt_pulse="2 fs", dt_max="20 fs"),
                             accuracy=None, comm=MPI.COMM_WORLD, verbose=False)
            sim.setup()
            if wipe:
                commit = sim.heat.commit

                def commit_without_history(commit=commit, heat=sim.heat):
                    commit()
                    heat._history = []

                sim.heat.commit = commit_without_history
            sim.run("1 ps")
            runs.append(sim.traces.column("electron_temperature_centre"))
        assert np.max(np.abs(runs[0] - runs[1])) < 1e-6 * np.max(runs[1])


@pytest.mark.parametrize("value,match", [("1 ps", "temperature"), ("-1 K", "must be > 0"),
                                         (0.5, "unit")])
def test_bad_tolerance(value, match):
    with pytest.raises(ValueError, match=match):
        TimeStepping(tolerance=value)


def test_llb_step_failure_is_retried_with_a_smaller_step():
    """An LLB step that needs more sub-steps than allowed is a StepFailure: every module rolls
    back and the step is retried with half Δt (on every rank alike), instead of ending the run."""
    pulse = Pulse("1.5 mJ/cm^2", "140 fs", "10 um", arrival="0.3 ps")

    def run(**magnetization):
        sim = Simulation(seed003_film(), pulse, mesh="1d", magnetization=magnetization or True,
                         time_stepping=TimeStepping(dt_pulse="16 fs"), comm=MPI.COMM_WORLD,
                         verbose=False)
        return sim, sim.run("3 ps")

    strict, traces = run(max_substeps=1)
    free, reference = run()
    assert free.timings["rejected"] == 0
    assert strict.timings["rejected"] > 0
    # the retried steps are shorter; the physics is the same to the time-step error
    # (m_z recovers from 0.037 to 0.48 by 3 ps; the two runs agree to 1e-3)
    assert reference.column("magnetization_z_centre")[-1] == pytest.approx(0.482, abs=2e-3)
    assert abs(traces.column("magnetization_z_centre")[-1]
               - reference.column("magnetization_z_centre")[-1]) < 1e-3


def test_a_failure_on_one_rank_is_rejected_on_every_rank():
    """Ranks agree on a rejection (LOR) before rolling back, so one failing rank cannot leave the
    others in the next collective call."""
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.3 ps")
    sim = Simulation(seed003_film(), pulse, mesh="rz", magnetization=False,
                     mesh_options={"radius": "20 um", "cells_per_beam_radius": 8},
                     time_stepping=TimeStepping(dt_pulse="4 fs", dt_max="50 fs"),
                     comm=MPI.COMM_WORLD, verbose=False)
    sim.setup()
    original = sim.heat.step
    last_rank = MPI.COMM_WORLD.size - 1

    def failing_step(t, dt):  # only the last rank fails, inside the pulse, for Δt > 2 fs
        result = original(t, dt)
        if MPI.COMM_WORLD.rank == last_rank and 0.25e-12 < t < 0.35e-12 and dt > 2.01e-15:
            from femmag.solvers import SolverDivergedError

            raise SolverDivergedError("forced failure on one rank")
        return result

    sim.heat.step = failing_step
    sim.run("0.5 ps")
    assert sim.timings["rejected"] > 0
    assert MPI.COMM_WORLD.allgather(sim.timings["rejected"]) == \
        [sim.timings["rejected"]] * MPI.COMM_WORLD.size
    assert MPI.COMM_WORLD.allgather(sim.t) == [sim.t] * MPI.COMM_WORLD.size
