"""Checkpoint and resume of the spin transport: a resumed run equals the uninterrupted one.

The simplified seed-000 spin valve Co(3.2)/Cu(80)/Co(7) with the s-d model at the quadrature
points (``modules=[spin_transport(...)]``), diffusive, ballistic and no transport, 1D and r-z
meshes. The checkpoint carries m_d, μ_s and the temperatures at the points, the diffusion solver's μ on
its own mesh and the ballistic emission record: same rank count, traces to 1e-12; a checkpoint
written on 1 rank resumed on 2 (and back), 1e-8 (the level at which 1 and 2 ranks agree anyway).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mpi4py import MPI

import femmag  # noqa: F401  (before dolfinx)
from femmag.io.rundir import read_manifest
from femmag.io.traces import read_trace
from femmag.kernels.sd import SdParameters
from femmag.physics.base import PhysicsModule
from femmag.physics.spin.diffusion import SpinLayer
from femmag.units import Q
from femmag.physics.spin.module import spin_transport
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping
from femmag.studies.seed000 import seed000_spin_valve
from femmag.studies.seed000.groups import seed000_groups

WORLD = MPI.COMM_WORLD
PS, NM, EV = 1e-12, 1e-9, 1.602176634e-19
N_CO, N_CU, G_REF = 1.13e48, 1.558e47, 1.96e15
GS = [Q(G_REF / 3, "S/m^2"), Q(G_REF, "S/m^2")]  # free, ref interfaces
CAL = {"free": SdParameters(550.0, 0.5 * EV, 0.05 * PS, tau_sd=0.1 * PS),
       "ref": SdParameters(700.0, 0.5 * EV, 0.05 * PS, tau_sd=0.1 * PS)}
T_END, EVERY, STOP = "0.6 ps", "0.2 ps", 0.45e-12


class Interrupt(PhysicsModule):
    """Ctrl-C in the first step past ``after`` [s] (None: never); no state."""

    name = "interrupt"
    checkpointable = True

    def __init__(self, after: float | None) -> None:
        self.after = after

    def setup(self, fields):
        pass

    def step(self, t, dt):
        if self.after is not None and t + dt > self.after:
            raise KeyboardInterrupt("stopped by the test")

    def commit(self):
        pass

    def reject(self):
        pass

    def summary(self):
        return f"interrupt after {self.after} s"


def _stack():
    return seed000_spin_valve(simplified=True, substrate_thickness="1 um")


def _options(transport: str, coupling: str = "pointwise") -> dict:
    opts = {"ferromagnets": seed000_groups(_stack()), "sd": CAL, "transport": transport,
            "initial": "AP"}
    if transport == "diffusive":
        cu = SpinLayer.from_si("spacer_Cu", 80 * NM, 3.5e7, N_CU, spin_diffusion_length=350 * NM)
        opts.update(coupling=coupling, interface_conductances=GS, spin_layers=[
            SpinLayer.from_si("free", 3.2 * NM, 5e6, N_CO, spin_relaxation_time=0.05 * PS,
                              is_ferromagnet=True),
            cu,
            SpinLayer.from_si("ref", 7 * NM, 5e6, N_CO, spin_relaxation_time=0.05 * PS,
                              is_ferromagnet=True)])
    elif transport == "ballistic":
        opts.update(efficiency=0.5, delay="70 fs")
    return opts


def _sim(transport: str, mesh: str = "1d", comm=WORLD, stop_after: float | None = None,
         coupling: str = "pointwise") -> Simulation:
    """The spin valve on ``mesh``; adaptive steps (5 fs in the pulse, up to 20 fs after it), so
    the step sequence and the ballistic emission record are not uniform."""
    if mesh == "rz":  # a Gaussian pump on a 2-µm disc: every radius has its own state
        pulse = Pulse("12 mJ/cm^2", "50 fs", "2 um", arrival="0.1 ps")
        mesh_options = {"radius": "2 um", "beam_radius": "1 um", "cells_per_beam_radius": 2,
                        "max_cell_size": "2 nm"}
    else:
        pulse = Pulse("12 mJ/cm^2", "50 fs", "10 um", arrival="0.1 ps")
        mesh_options = {}
    return Simulation(_stack(), pulse, mesh=mesh, mesh_options=mesh_options, comm=comm,
                      magnetization=False, verbose=False,
                      modules=[spin_transport(**_options(transport, coupling)),
                               lambda simulation: Interrupt(stop_after)],
                      time_stepping=TimeStepping(dt_pulse="5 fs", dt_max="20 fs"))


def _shared(tmp_path) -> Path:
    return Path(WORLD.bcast(str(tmp_path), root=0))


def _compare(a: dict, b: dict, rtol: float) -> None:
    assert list(a) == list(b)
    assert len(a["time [ps]"]) == len(b["time [ps]"])
    for name in a:
        scale = max(np.max(np.abs(a[name])), 1e-30)
        assert np.max(np.abs(a[name] - b[name])) <= rtol * scale, name


def _traces(out: Path) -> dict:
    return read_trace(out / "traces.csv")


CASES = [("diffusive", "1d", "pointwise"), ("diffusive", "1d", "layer"),
         ("ballistic", "1d", "pointwise"), ("diffusive", "rz", "pointwise"),
         ("ballistic", "rz", "pointwise"), ("none", "1d", "pointwise")]


@pytest.mark.parametrize("transport,mesh,coupling", CASES)
def test_resumed_spin_run_equals_the_uninterrupted_one(tmp_path, transport, mesh, coupling):
    root = _shared(tmp_path)
    full, cut = root / "full", root / "cut"
    _sim(transport, mesh, coupling=coupling).run(T_END, out=full, checkpoint_every=EVERY)
    with pytest.raises(KeyboardInterrupt):
        _sim(transport, mesh, coupling=coupling, stop_after=STOP).run(
            T_END, out=cut, checkpoint_every=EVERY)
    WORLD.Barrier()
    manifest = read_manifest(cut)
    assert manifest["status"] == "interrupted"
    assert 0.4 <= manifest["checkpoint_time_ps"] < STOP * 1e12
    _sim(transport, mesh, coupling=coupling).run(T_END, out=cut, resume=True)
    WORLD.Barrier()
    assert read_manifest(cut)["status"] == "complete"
    full_traces, cut_traces = _traces(full), _traces(cut)
    # a real transient across the checkpoint
    m_free = full_traces["m_d_free [1]"]
    assert np.max(np.abs(m_free - m_free[0])) > 0.1
    _compare(full_traces, cut_traces, rtol=1e-12)


@pytest.mark.skipif(WORLD.size != 2, reason="writes on 1 rank, resumes on 2 (and back)")
@pytest.mark.parametrize("direction", ["1->2", "2->1"])
@pytest.mark.parametrize("transport,mesh", [("diffusive", "1d"), ("ballistic", "1d"),
                                            ("diffusive", "rz")])
def test_spin_resume_on_another_rank_count(tmp_path, transport, mesh, direction):
    root = _shared(tmp_path)
    full, cut = root / "full", root / "cut"
    _sim(transport, mesh).run(T_END, out=full, checkpoint_every=EVERY)
    if direction == "1->2":
        if WORLD.rank == 0:
            with pytest.raises(KeyboardInterrupt):
                _sim(transport, mesh, comm=MPI.COMM_SELF, stop_after=STOP).run(
                    T_END, out=cut, checkpoint_every=EVERY)
        WORLD.Barrier()
        _sim(transport, mesh).run(T_END, out=cut, resume=True)
    else:
        with pytest.raises(KeyboardInterrupt):
            _sim(transport, mesh, stop_after=STOP).run(T_END, out=cut, checkpoint_every=EVERY)
        WORLD.Barrier()
        if WORLD.rank == 0:
            _sim(transport, mesh, comm=MPI.COMM_SELF).run(T_END, out=cut, resume=True)
    WORLD.Barrier()
    _compare(_traces(full), _traces(cut), rtol=1e-8)
