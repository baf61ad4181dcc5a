"""The magnetization module with its selectable pointwise models, inside a Simulation.

- per-layer model choice: M3TM on a Ni layer next to LLB on the seed-003 film;
- stochastic LLB: identical traces for the same seed on 1 rank (COMM_SELF) and all ranks, and a
  different draw for another seed;
- a random disturbance provider receives the rank-independent point ids.
"""

from __future__ import annotations

import numpy as np
import pytest

import femmag  # noqa: F401

from mpi4py import MPI

from femmag.geometry import Layer, Stack
from femmag.studies.seed003 import seed003_film
from femmag.kernels.disturbance import RandomDisturbance
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping


def run(comm, *, model="llb-stochastic", seed=1, stack=None, fields=None, t_end="0.8 ps"):
    pulse = Pulse("2.0 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
    sim = Simulation(stack or seed003_film(), pulse, mesh="rz", comm=comm, verbose=False,
                     mesh_options={"radius": "15 um", "cells_per_beam_radius": 4,
                                   "max_cell_size": "2.5 nm"},
                     magnetization={"model": model, "seed": seed}, fields=fields,
                     time_stepping=TimeStepping(dt_pulse="4 fs", dt_max="50 fs"))
    sim.run(t_end)
    return sim


def test_stochastic_same_on_one_and_all_ranks():
    a = run(MPI.COMM_WORLD).traces
    b = run(MPI.COMM_SELF).traces
    c = run(MPI.COMM_WORLD, seed=2).traces
    mz_a, mz_b = a.column("magnetization_z_mean"), b.column("magnetization_z_mean")
    assert np.max(np.abs(mz_a - mz_b)) < 1e-9
    assert np.max(np.abs(mz_a - c.column("magnetization_z_mean"))) > 1e-6  # other seed, other draw


def test_per_layer_models():
    stack = Stack([Layer("cap", "Co", "2 nm"), Layer("CoPt", "CoPt_S003A", "10 nm")],
                  substrate=Layer("substrate", "fused_silica", "2 um"))
    sim = run(MPI.COMM_WORLD, model={"cap": "m3tm", "CoPt": "llb"}, seed=None, stack=stack)
    mag = sim.magnetization
    ni = mag.groups["m3tm"]
    owned = mag._owned
    m_ni = np.linalg.norm(mag.m[ni][owned[ni]], axis=1)
    m_copt = np.linalg.norm(mag.m[mag.groups["llb"]][owned[mag.groups["llb"]]], axis=1)
    # both demagnetize: Co (M3TM, T_c 1388 K) a little, CoPt (LLB, T_c 550 K) strongly
    from femmag.kernels.m3tm import m3tm_equilibrium

    m0_co = float(m3tm_equilibrium(np.array([300.0]), np.array([1388.0]))[0])
    lowest = MPI.COMM_WORLD.allreduce(m_ni.min() if len(m_ni) else 1.0, op=MPI.MIN)
    assert lowest < m0_co - 5e-3  # the beam centre demagnetizes (M3TM)
    assert np.all(m_ni <= m0_co + 1e-9) and np.all(m_ni > 0.5)
    lowest = MPI.COMM_WORLD.allreduce(m_copt.min() if len(m_copt) else 1.0, op=MPI.MIN)
    assert lowest < 0.1  # the CoPt film (LLB, T_c 550 K) is nearly quenched at the centre


def test_random_disturbance_gets_global_ids():
    noise = RandomDisturbance(rms="6 G", correlation_time="100 fs", seed=3)
    sim = run(MPI.COMM_WORLD, model="llb", seed=None, fields={"disturbance": noise},
              t_end="0.1 ps")
    assert np.array_equal(noise.global_ids, sim.magnetization.global_ids)


def test_unknown_model_rejected():
    with pytest.raises(ValueError, match="model 'llb-stochastic' needs an integer seed"):
        Simulation(seed003_film(), Pulse("2 mJ/cm^2", "140 fs", "10 um"), mesh="1d",
                   magnetization={"model": "llb-stochastic"}, verbose=False).setup()
