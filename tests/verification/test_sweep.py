"""Sweeps: a tiny map of the seed-003 film (1D, beam centre) runs on MPI and gives a labelled
dataset; early-stopped runs give the outcome of runs to the full end time on every point; a resumed
sweep skips the points done; a failed point is recorded and the others finish; groups of 1 and 2
ranks give the same dataset; a failure on one rank of a group ends the job instead of hanging.

The map: fluence 0.5 / 2 mJ/cm² × applied field 0 / −0.5 T along z. At 2 mJ/cm² T_e exceeds
T_c (T_e,max = 2.02 T_c) and the −0.5 T field switches the film; without the field, or at
0.5 mJ/cm², it does not switch.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from mpi4py import MPI

import femmag  # noqa: F401  (before dolfinx)
from femmag.io.rundir import OutputPathError, read_manifest
from femmag.study import SettledOutcome, Sweep, compute_outcomes

WORLD = MPI.COMM_WORLD
ROOT = Path(__file__).parents[2]
CASE = """
[stack]
layers = [{ name = "CoPt", material = "CoPt_S003A", thickness = "10 nm" }]
substrate = { material = "fused_silica", thickness = "5 um" }
[mesh]
kind = "1d"
[pulse]
fluence = "2.6 mJ/cm^2"
duration = "140 fs"
diameter = "10 um"
helicity = "sigma-"
arrival = "0.2 ps"
[magnetization]
initial = "+z"
[time]
end = "15 ps"
dt_pulse = "4 fs"
dt_max = "200 fs"
"""
MAP = {"pulse.fluence": ["0.5 mJ/cm^2", "2 mJ/cm^2"],
       "magnetization.applied_field": ["0 T", "-0.5 T"]}
NUMERIC = ["switched", "final_centre_mz", "electron_temperature_max",
           "electron_temperature_max_over_curie", "time_above_curie", "min_magnetization_norm",
           "reversed_centre_fraction", "end_time", "stopped_early"]


def _shared(path) -> Path:
    return Path(WORLD.bcast(str(path), root=0))


def _case_file(root: Path) -> Path:
    path = root / "case.toml"
    if WORLD.rank == 0:
        path.write_text(CASE)
    WORLD.Barrier()
    return path


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    """The map with early stop, to the full end time, and (on 2 ranks) on one group of 2."""
    root = _shared(tmp_path_factory.mktemp("sweep") if WORLD.rank == 0 else None)
    sweep = Sweep(_case_file(root), axes=MAP)
    result = {"root": root, "sweep": sweep,
              "early": sweep.run(root / "early", quiet=True),
              "full": sweep.run(root / "full", early_stop=False, quiet=True)}
    if WORLD.size == 2:
        result["pair"] = sweep.run(root / "pair", ranks_per_run=2, quiet=True)
    return result


def test_early_stop_gives_the_outcome_of_the_full_run(maps):
    early, full = maps["early"], maps["full"]
    assert early["outcome"].values.tolist() == [["not_switched", "not_switched"],
                                                ["not_switched", "switched"]]
    assert np.array_equal(early["outcome"].values, full["outcome"].values)
    assert np.array_equal(early["switched"].values, full["switched"].values)
    assert np.array_equal(np.sign(early["final_centre_mz"].values),
                          np.sign(full["final_centre_mz"].values))
    assert np.all(early["stopped_early"].values == 1)
    assert np.all(full["stopped_early"].values == 0)
    assert np.all(early["end_time"].values < 12.0)  # stopped well before 15 ps
    np.testing.assert_allclose(full["end_time"].values, 15.0, rtol=1e-9)
    # what happened before the stop is the same run
    for name in ("electron_temperature_max", "time_above_curie", "min_magnetization_norm"):
        np.testing.assert_allclose(early[name].values, full[name].values, rtol=1e-12)


def test_results_file_is_labelled(maps):
    import xarray as xr

    with xr.open_dataset(maps["root"] / "early" / "results.nc", engine="netcdf4") as ds:
        ds.load()
    assert list(ds.sizes) == ["fluence", "applied_field"]
    np.testing.assert_allclose(ds["fluence"].values, [0.5, 2.0])
    assert ds["fluence"].attrs["key"] == "pulse.fluence"
    assert ds["fluence"].attrs["unit"] == "mJ/cm^2"
    np.testing.assert_allclose(ds["fluence"].attrs["si_values"], [5.0, 20.0])
    assert ds["fluence"].attrs["si_unit"] == "J/m^2"
    np.testing.assert_allclose(ds["applied_field"].values, [0.0, -0.5])
    assert ds["applied_field"].attrs["unit"] == "T"
    for name in NUMERIC:
        assert ds[name].attrs["unit"] and ds[name].attrs["description"], name
        np.testing.assert_array_equal(ds[name].values, maps["early"][name].values)
    assert ds["outcome"].values[1, 1] == "switched"
    assert ds["outcome_code"].attrs["flag_meanings"].split()[int(ds["outcome_code"][1, 1])] \
        == "switched"
    # seed-003 set S003-A: T_e,max/T_c = 2.03 at 2.0 mJ/cm² (README, verification)
    assert ds["electron_temperature_max_over_curie"].values[1, 0] == pytest.approx(2.02, rel=0.01)
    assert 0.3 < ds["time_above_curie"].values[1, 0] < 1.0  # ps
    assert np.all(np.isnan(ds["switched_radius"].values))  # 1D: no radius
    assert np.all(np.isnan(ds["induced_field_peak"].values))  # no induction
    manifest = tomllib.loads((maps["root"] / "early" / "sweep.toml").read_text())
    assert manifest["status"] == "complete" and manifest["points_done"] == 4


def test_groups_of_one_and_two_ranks_and_a_direct_run_agree(maps):
    if "pair" in maps:  # 2 ranks: one group of 2 against two groups of 1
        for name in NUMERIC:
            np.testing.assert_allclose(maps["pair"][name].values, maps["early"][name].values,
                                       rtol=1e-8, atol=1e-10, err_msg=name)
        assert np.array_equal(maps["pair"]["outcome"].values, maps["early"]["outcome"].values)
    # the switched point, run by hand on this rank alone
    sweep = maps["sweep"]
    case = sweep.case(sweep.points[3])
    sim = case.simulation(comm=MPI.COMM_SELF, verbose=False)
    sim.run(case.run_options["t_end"], progress=False, stop_when=SettledOutcome())
    direct = compute_outcomes(sim)
    assert direct["outcome"] == "switched"
    for name in NUMERIC:
        assert direct[name] == pytest.approx(float(maps["early"][name].values[1, 1]), rel=1e-8,
                                             abs=1e-10), name


def test_resume_skips_the_points_done(maps):
    root = maps["root"] / "resume"
    sweep = Sweep(maps["sweep"].path, axes={"pulse.fluence": MAP["pulse.fluence"],
                                            "magnetization.applied_field": ["-0.5 T"]})
    first = sweep.run(root, quiet=True, max_points=1, keep_traces=True)  # "interrupted"
    assert sorted(first["outcome"].values.ravel()) == ["not_run", "not_switched"]
    manifest = tomllib.loads((root / "sweep.toml").read_text())
    assert manifest["status"] == "incomplete" and manifest["points_done"] == 1
    record = root / "points" / "0.toml"
    stamp = record.stat().st_mtime_ns
    second = sweep.run(root, quiet=True, keep_traces=True)
    assert record.stat().st_mtime_ns == stamp  # point 0 was not run again
    assert second["outcome"].values.ravel().tolist() == ["not_switched", "switched"]
    np.testing.assert_allclose(second["final_centre_mz"].values.ravel(),
                               maps["early"]["final_centre_mz"].values[:, 1], rtol=1e-8)
    run = read_manifest(root / "points" / "1")
    assert run["status"] == "complete" and run["stopped_early"] is True
    assert "T_c" in run["stop_rule"] and run["sweep"]["index"] == 1
    assert (root / "points" / "1" / "traces.csv").is_file()
    # another sweep into the same directory is refused, naming the difference
    other = Sweep(maps["sweep"].path, axes={"pulse.fluence": ["1 mJ/cm^2"]})
    with pytest.raises(OutputPathError, match="another sweep"):
        other.run(root, quiet=True)
    # and so is a directory femmag did not write; its file is left alone
    foreign = maps["root"] / "foreign"
    if WORLD.rank == 0:
        foreign.mkdir()
        (foreign / "notes.txt").write_text("mine")
    WORLD.Barrier()
    with pytest.raises(OutputPathError, match="not empty"):
        sweep.run(foreign, quiet=True)
    assert (foreign / "notes.txt").read_text() == "mine"


def test_a_failed_point_is_recorded_and_the_others_finish(maps, monkeypatch):
    # a run that fails on every rank of its group (the -z start); bad input values are refused
    # before any run instead (tests/verification/test_sweep_reuse.py)
    import femmag.study.runner as runner

    original = runner.compute_outcomes

    def failing_for_minus_z(sim):
        if sim.magnetization.direction[2] < 0:
            raise ValueError("injected failure of the -z run")
        return original(sim)

    monkeypatch.setattr(runner, "compute_outcomes", failing_for_minus_z)
    root = maps["root"] / "failing"
    sweep = Sweep(maps["sweep"].path, axes={"pulse.fluence": ["0.5 mJ/cm^2"],
                                            "magnetization.initial": ["-z", "+z"]})
    ds = sweep.run(root, quiet=True, ranks_per_run=WORLD.size)
    assert ds["outcome"].values.ravel().tolist() == ["failed", "not_switched"]
    assert "injected failure" in str(ds["failure_reason"].values[0, 0])
    assert np.isnan(ds["final_centre_mz"].values[0, 0])
    record = tomllib.loads((root / "points" / "0.toml").read_text())
    assert record["outcome"] == "failed" and "ValueError" in record["reason"]
    again = sweep.run(root, quiet=True, retry_failed=True)  # runs the failed point only
    assert again["outcome"].values.ravel().tolist() == ["failed", "not_switched"]


HANG_SCRIPT = """
import sys
import femmag
import femmag.study.runner as runner
from femmag.study import Sweep

original = runner.compute_outcomes

def outcomes_failing_on_rank_1(sim):  # rank 0 goes on into the collective reductions
    if sim.comm.rank == 1:
        raise RuntimeError("injected on rank 1")
    return original(sim)

runner.compute_outcomes = outcomes_failing_on_rank_1
Sweep(sys.argv[1], axes={"pulse.fluence": ["0.5 mJ/cm^2"]}).run(
    sys.argv[2], ranks_per_run=2, quiet=True, agree_timeout=3.0)
"""


@pytest.mark.skip_in_parallel  # starts its own 2-rank job
def test_a_failure_on_one_rank_of_a_group_ends_the_job(maps):
    root = maps["root"] / "hang"
    root.mkdir()
    script = root / "script.py"
    script.write_text(HANG_SCRIPT)
    mpiexec = Path(sys.executable).with_name("mpiexec")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([str(mpiexec), "-n", "2", sys.executable, str(script),
                           str(maps["sweep"].path), str(root / "out")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    record = tomllib.loads((root / "out" / "points" / "0.toml").read_text())
    assert record["outcome"] == "failed"
    assert "injected on rank 1" in record["reason"] and "only" in record["reason"]
