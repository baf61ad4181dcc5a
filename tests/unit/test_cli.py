"""The command line runs a case file end to end and the outputs can be reopened."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import femmag  # noqa: F401

from mpi4py import MPI

from femmag.cli import main
from femmag.io.traces import read_trace

CASES = Path(__file__).resolve().parents[2] / "cases"


def test_run_case(tmp_path, capsys):
    out = Path(MPI.COMM_WORLD.bcast(str(tmp_path), root=0)) / "case"
    assert main(["run", str(CASES / "seed003_film_1d.toml"), "--out", str(out), "--quiet"]) == 0
    MPI.COMM_WORLD.Barrier()
    data = read_trace(out / "traces.csv")
    Te = data["electron_temperature_centre [K]"]
    assert 1250 < Te.max() < 1320  # ≈ 2.34 T_c at mid-depth (top cell runs ~1.5% hotter)
    assert data["magnetization_z_centre [1]"].min() < 0.05
    assert (out / "fields.xdmf").exists() and (out / "traces.png").exists()
    from dolfinx import io

    with io.XDMFFile(MPI.COMM_WORLD, out / "fields.xdmf", "r") as f:
        mesh = f.read_mesh()
    assert mesh.topology.index_map(0).size_global > 10


def test_info_and_materials(capsys):
    assert main(["info"]) == 0
    assert main(["materials"]) == 0
    text = capsys.readouterr().out
    if MPI.COMM_WORLD.rank == 0:
        assert "petsc" in text and "CoPt_S003A" in text
    assert np.isfinite(1.0)
