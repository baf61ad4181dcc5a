"""Run directories never destroy data, say what produced them and whether they are complete."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mpi4py import MPI

import femmag  # noqa: F401  (before dolfinx)
from femmag.studies.seed003 import seed003_film
from femmag.io.rundir import OutputPathError, check_output_path, read_manifest
from femmag.io.traces import read_trace
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping

COMM = MPI.COMM_WORLD


def _shared(tmp_path) -> Path:
    return Path(COMM.bcast(str(tmp_path), root=0))


def _sim(**kw) -> Simulation:
    pulse = Pulse("1 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
    return Simulation(seed003_film(), pulse, mesh="1d", verbose=False,
                      time_stepping=TimeStepping(dt_pulse="10 fs"), **kw)


@pytest.mark.skip_in_parallel
@pytest.mark.parametrize("where", [".", "..", "/", "~"])
def test_dangerous_output_paths_are_refused(where, tmp_path, monkeypatch):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    with pytest.raises(OutputPathError, match="give a new|parent of the current"):
        check_output_path(where)


@pytest.mark.skip_in_parallel
def test_a_file_and_a_foreign_directory_are_refused(tmp_path):
    data = tmp_path / "mydata"
    data.write_text("precious")
    with pytest.raises(OutputPathError, match="is a file"):
        check_output_path(data)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("precious")
    with pytest.raises(OutputPathError, match="not empty and holds no femmag run"):
        check_output_path(folder, overwrite=True)
    assert data.read_text() == "precious" and (folder / "notes.txt").read_text() == "precious"


@pytest.mark.skip_in_parallel
def test_not_enough_space_is_refused(tmp_path):
    with pytest.raises(OutputPathError, match="not enough disk space"):
        check_output_path(tmp_path / "run", estimated_bytes=1e30)


def test_refused_output_costs_no_mesh(tmp_path):
    root = _shared(tmp_path)
    if COMM.rank == 0:
        (root / "mine").mkdir()
        (root / "mine" / "data.h5").write_text("x")
    COMM.Barrier()
    sim = _sim()
    with pytest.raises(OutputPathError, match="holds no femmag run"):
        sim.run("0.2 ps", out=root / "mine")
    assert not sim._setup_done  # refused before the mesh was built
    assert (root / "mine" / "data.h5").read_text() == "x"


def test_complete_run_has_a_manifest_and_overwrite_removes_only_femmag_files(tmp_path):
    out = _shared(tmp_path) / "run"
    traces = _sim().run("0.3 ps", out=out, field_times=["0.2 ps"])
    COMM.Barrier()
    manifest = read_manifest(out)
    assert manifest["status"] == "complete"
    assert manifest["mpi_size"] == COMM.size
    assert manifest["case"]["stack"][0]["material"] == "CoPt_S003A"
    g = manifest["materials"]["CoPt_S003A"]["electron_phonon_coupling"]
    assert "W/(m^3 K)" in g["value"] and g["source"]
    assert manifest["versions"]["dolfinx"].startswith("0.11")
    assert {"traces.csv", "fields.xdmf", "fields.h5"} <= set(manifest["files"])
    assert (out / "traces.csv").read_text().startswith("# femmag time traces")
    data = read_trace(out / "traces.csv")
    assert np.allclose(data["electron_temperature_centre [K]"],
                       traces.column("electron_temperature_centre"), rtol=1e-9)

    # a second run into the same directory needs overwrite=True ...
    with pytest.raises(OutputPathError, match="previous femmag run"):
        _sim().run("0.3 ps", out=out)
    if COMM.rank == 0:
        (out / "my_notes.txt").write_text("keep me")
    COMM.Barrier()
    # ... and then removes only what femmag wrote
    _sim().run("0.2 ps", out=out, overwrite=True)
    COMM.Barrier()
    assert (out / "my_notes.txt").read_text() == "keep me"
    assert read_manifest(out)["status"] == "complete"
    assert read_trace(out / "traces.csv")["time [ps]"][-1] == pytest.approx(0.2)


def test_interrupted_run_is_marked_and_keeps_its_traces(tmp_path):
    out = _shared(tmp_path) / "run"

    def ctrl_c(points, t):
        if t > 0.15e-12:
            raise KeyboardInterrupt
        return np.zeros((len(points), 3))

    sim = _sim(fields={"interrupt": ctrl_c})
    with pytest.raises(KeyboardInterrupt):
        sim.run("1 ps", out=out)
    COMM.Barrier()
    manifest = read_manifest(out)
    assert manifest["status"] == "interrupted"
    assert manifest["last_time_ps"] == pytest.approx(0.15, abs=0.011)
    assert read_trace(out / "traces.csv")["time [ps]"][-1] == pytest.approx(
        manifest["last_time_ps"], rel=1e-9)
