"""The same simulation on all ranks of COMM_WORLD and on one rank (COMM_SELF) gives the same traces.

Under ``mpiexec -n 2`` this compares a 2-rank run with a 1-rank run in the same process; serially it
compares two identical runs (and still checks determinism).
"""

from __future__ import annotations

import numpy as np
import pytest

import femmag  # noqa: F401

from mpi4py import MPI

from femmag.studies.seed003 import seed003_film
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping


def traces(comm: MPI.Comm, kind: str) -> np.ndarray:
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", helicity="sigma-", arrival="0.2 ps")
    opts = {"radius": "20 um", "cells_per_beam_radius": 6, "max_cell_size": "2.5 nm"} \
        if kind == "rz" else {}
    sim = Simulation(seed003_film(), pulse, mesh=kind, mesh_options=opts, comm=comm,
                     time_stepping=TimeStepping(dt_pulse="4 fs", dt_max="100 fs"), verbose=False)
    tr = sim.run("1.5 ps")
    return np.array(tr.rows)


@pytest.mark.parametrize("kind", ["1d", "rz"])
def test_one_vs_all_ranks(kind):
    everywhere = traces(MPI.COMM_WORLD, kind)
    alone = traces(MPI.COMM_SELF, kind)
    assert everywhere.shape == alone.shape
    # Energies are differences of large sums that start at 0 (summation order differs between
    # rank counts): values below 1e-3 of a column's maximum are compared on that scale.
    scale = np.maximum(np.abs(alone), np.abs(alone).max(axis=0) * 1e-3)
    rel = np.abs(everywhere - alone) / scale
    worst = np.unravel_index(np.argmax(rel), rel.shape)
    assert rel.max() < 1e-8, (f"max relative difference {rel.max():.2e} in column {worst[1]} "
                              f"at row {worst[0]} ({MPI.COMM_WORLD.size} ranks)")
