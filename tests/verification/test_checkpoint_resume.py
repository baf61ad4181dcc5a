"""Checkpoint and resume: a resumed run equals the uninterrupted one.

Same rank count: traces to 1e-12 (stochastic LLB included, whose noise is a counter-based draw of
the step index and the point ids). Different rank count (a checkpoint written on 1 rank, resumed on
2, and back): 1e-8, the level at which 1 and 2 ranks agree anyway.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mpi4py import MPI

import femmag  # noqa: F401  (before dolfinx)
from femmag.studies.seed003 import seed003_film
from femmag.io.checkpoint import CheckpointError
from femmag.io.rundir import read_manifest
from femmag.io.traces import read_trace
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping

WORLD = MPI.COMM_WORLD
MODELS = {"llb": {}, "llb-stochastic": {"model": "llb-stochastic", "seed": 7}}


def _shared(tmp_path) -> Path:
    return Path(WORLD.bcast(str(tmp_path), root=0))


def _sim(comm=WORLD, model="llb", stop_after=None, tolerance=None):
    """The seed-003 film on an r-z mesh; ``stop_after`` [s]: Ctrl-C there (a field provider)."""

    def interrupt(points, t):
        if stop_after is not None and t > stop_after:
            raise KeyboardInterrupt("stopped by the test")
        return np.zeros((len(points), 3))

    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
    mag = {**MODELS[model]}
    return Simulation(seed003_film(), pulse, mesh="rz", comm=comm, verbose=False,
                      mesh_options={"radius": "20 um", "cells_per_beam_radius": 8},
                      magnetization=mag, fields={"interrupt": interrupt},
                      time_stepping=TimeStepping(dt_pulse="4 fs", tolerance=tolerance))


def _traces(out: Path) -> dict:
    return read_trace(out / "traces.csv")


def _compare(a: dict, b: dict, rtol: float) -> None:
    assert list(a) == list(b)
    assert len(a["time [ps]"]) == len(b["time [ps]"])
    for name in a:
        scale = max(np.max(np.abs(a[name])), 1e-30)
        assert np.max(np.abs(a[name] - b[name])) <= rtol * scale, name


@pytest.mark.parametrize("model", list(MODELS))
def test_resumed_run_equals_the_uninterrupted_one(tmp_path, model):
    root = _shared(tmp_path)
    full, cut = root / "full", root / "cut"
    _sim(model=model).run("1.5 ps", out=full, checkpoint_every="0.4 ps", field_times=["1 ps"])
    with pytest.raises(KeyboardInterrupt):
        _sim(model=model, stop_after=1.1e-12).run("1.5 ps", out=cut, checkpoint_every="0.4 ps",
                                                 field_times=["1 ps"])
    WORLD.Barrier()
    manifest = read_manifest(cut)
    assert manifest["status"] == "interrupted"
    assert 0.8 <= manifest["checkpoint_time_ps"] < 0.9
    _sim(model=model).run("1.5 ps", out=cut, resume=True, field_times=["1 ps"])
    WORLD.Barrier()
    manifest = read_manifest(cut)
    assert manifest["status"] == "complete"
    assert manifest["resumed_from_ps"] == pytest.approx(manifest["checkpoint_time_ps"])
    _compare(_traces(full), _traces(cut), rtol=1e-12)


def test_error_controlled_steps_resume_exactly(tmp_path):
    root = _shared(tmp_path)
    full, cut = root / "full", root / "cut"
    _sim(tolerance="1 K").run("3 ps", out=full, checkpoint_every="1 ps")
    with pytest.raises(KeyboardInterrupt):
        _sim(tolerance="1 K", stop_after=2.2e-12).run("3 ps", out=cut, checkpoint_every="1 ps")
    _sim(tolerance="1 K").run("3 ps", out=cut, resume=True)
    WORLD.Barrier()
    _compare(_traces(full), _traces(cut), rtol=1e-12)


def test_resume_needs_a_checkpoint_and_the_same_case(tmp_path):
    from femmag.io.rundir import OutputPathError

    out = _shared(tmp_path) / "run"
    _sim().run("0.3 ps", out=out)
    with pytest.raises(OutputPathError, match="no checkpoint"):
        _sim().run("1 ps", out=out, resume=True)
    _sim().run("0.3 ps", out=out, overwrite=True, checkpoint_every="0.1 ps")
    other = Simulation(seed003_film(), Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps"),
                       mesh="rz", verbose=False, magnetization=False,
                       mesh_options={"radius": "20 um", "cells_per_beam_radius": 8})
    with pytest.raises(CheckpointError, match="same case"):
        other.run("1 ps", out=out, resume=True)


@pytest.mark.skipif(WORLD.size != 2, reason="writes on 1 rank, resumes on 2 (and back)")
@pytest.mark.parametrize("direction", ["1->2", "2->1"])
def test_resume_on_another_rank_count(tmp_path, direction):
    root = _shared(tmp_path)
    full, cut = root / "full", root / "cut"
    _sim().run("1.2 ps", out=full, checkpoint_every="0.4 ps")
    if direction == "1->2":
        if WORLD.rank == 0:
            with pytest.raises(KeyboardInterrupt):
                _sim(comm=MPI.COMM_SELF, stop_after=0.9e-12).run(
                    "1.2 ps", out=cut, checkpoint_every="0.4 ps")
        WORLD.Barrier()
        _sim().run("1.2 ps", out=cut, resume=True)
    else:
        with pytest.raises(KeyboardInterrupt):
            _sim(stop_after=0.9e-12).run("1.2 ps", out=cut, checkpoint_every="0.4 ps")
        WORLD.Barrier()
        if WORLD.rank == 0:
            _sim(comm=MPI.COMM_SELF).run("1.2 ps", out=cut, resume=True)
    WORLD.Barrier()
    _compare(_traces(full), _traces(cut), rtol=1e-8)


def test_a_pulse_appended_at_restart_equals_the_two_pulse_run(tmp_path):
    """Multi-pulse trains by restart: a single-pulse run checkpointed before the second pulse and
    resumed as a two-pulse train equals the two-pulse run from the start."""
    from femmag.pulse import PulseTrain

    root = _shared(tmp_path)
    pulse = Pulse("1.5 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
    train = PulseTrain(pulse, 2, "2 ps")

    def sim(p):
        return Simulation(seed003_film(), p, mesh="1d", verbose=False,
                          time_stepping=TimeStepping(dt_pulse="4 fs", dt_max="100 fs"))

    sim(train).run("3 ps", out=root / "train", checkpoint_every="0.5 ps")
    sim(pulse).run("1.6 ps", out=root / "restart", checkpoint_every="0.5 ps")
    sim(train).run("3 ps", out=root / "restart", resume=True)
    WORLD.Barrier()
    _compare(_traces(root / "train"), _traces(root / "restart"), rtol=1e-12)
    te = _traces(root / "restart")["electron_temperature_centre [K]"]
    assert np.sum(np.diff(np.sign(np.diff(te))) < 0) >= 2  # two temperature peaks


def test_resume_from_a_checkpoint_at_an_output_time(tmp_path):
    """A checkpoint taken on a step that lands on a field time (which may end an ulp short of
    it) resumes with the same steps."""
    root = _shared(tmp_path)
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")

    def sim(stop_after=None):
        def interrupt(points, t):
            if stop_after is not None and t > stop_after:
                raise KeyboardInterrupt
            return np.zeros((len(points), 3))

        return Simulation(seed003_film(), pulse, mesh="1d", verbose=False,
                          fields={"interrupt": interrupt},
                          magnetization={"model": "llb-stochastic", "seed": 3},
                          time_stepping=TimeStepping(dt_pulse="2 fs", dt_max="20 fs"))

    times = ["0.7 ps", "1 ps", "1.9 ps"]
    sim().run("2.4 ps", out=root / "full", checkpoint_every="0.5 ps", field_times=times)
    for k, stop in enumerate((1.05e-12, 1.55e-12, 2.1e-12)):
        out = root / f"cut{k}"
        with pytest.raises(KeyboardInterrupt):
            sim(stop).run("2.4 ps", out=out, checkpoint_every="0.5 ps", field_times=times)
        sim().run("2.4 ps", out=out, resume=True, field_times=times)
        WORLD.Barrier()
        _compare(_traces(root / "full"), _traces(out), rtol=1e-12)
