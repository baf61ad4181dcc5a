"""The r-z two-temperature model with the reused Newton matrix (the default on r-z) against
Newton with a fresh matrix at every iteration (``reuse_jacobian=False``): the same traces within
the accumulated Newton tolerance, with far fewer matrix assemblies, and the energy balance
closed to 2e-8; also across changes of the time step (pulse window → dt_max), where the matrix
must be rebuilt.

Serial and on 2 ranks (both runs on all ranks; ``tests/parallel/test_rank_independence.py``
compares the default r-z run on 2 ranks with one rank).
"""

from __future__ import annotations

import numpy as np

import femmag  # noqa: F401

from mpi4py import MPI

from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping
from femmag.studies.seed003 import seed003_film


def run(reuse: bool) -> tuple[np.ndarray, int, int]:
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
    sim = Simulation(seed003_film(), pulse, mesh="rz", magnetization=False, accuracy=None,
                     substrate_bottom="adiabatic",
                     mesh_options={"radius": "20 um", "cells_per_beam_radius": 6,
                                   "max_cell_size": "2.5 nm"},
                     heat_options={"reuse_jacobian": reuse}, comm=MPI.COMM_WORLD,
                     time_stepping=TimeStepping(dt_pulse="4 fs", dt_max="100 fs"), verbose=False)
    sim.setup()
    sim.traces.add("film_electron_temperature", "K",
                   lambda: sim.heat.average_temperatures("CoPt")[0])
    sim.traces.add("film_lattice_temperature", "K",
                   lambda: sim.heat.average_temperatures("CoPt")[1])
    sim.run("1.5 ps")
    columns = ["electron_temperature_centre", "lattice_temperature_centre",
               "film_electron_temperature", "film_lattice_temperature", "absorbed_energy",
               "internal_energy_change"]
    newton = sim.heat.newton
    return (np.array([sim.traces.column(c) for c in columns]), newton.jacobian_assemblies,
            newton.residual_assemblies)


def test_reused_jacobian_keeps_the_answer():
    fresh, fresh_J, fresh_F = run(reuse=False)
    reused, reused_J, reused_F = run(reuse=True)
    # energy balance (adiabatic): the reused matrix converges linearly, its last iterate is
    # within the Newton tolerance but not far below it (measured 5e-9 against 8e-12)
    balance = [abs(run[5, -1] / run[4, -1] - 1) for run in (fresh, reused)]
    assert balance[0] < 1e-10 and balance[1] < 2e-8, balance
    fresh, reused = fresh[:4], reused[:4]
    assert fresh.shape == reused.shape
    rise = float(np.max(fresh - 300.0))
    assert rise > 300.0  # the pulse heats the film by several hundred K
    # each step converges to 1e-6 K (the Newton tolerance), 177 steps: measured 8e-6 K
    difference = float(np.max(np.abs(reused - fresh)))
    assert difference < 5e-5, f"traces differ by {difference:.3g} K"
    assert fresh_J == fresh_F
    assert reused_J < 0.3 * fresh_J, (reused_J, fresh_J, reused_F)
