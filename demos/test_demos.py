"""Run every demo in its fast mode (``--fast``), in-process, so that the same test runs serially
and under ``mpiexec -n 2 python -m mpi4py -m pytest`` (each demo is collective over COMM_WORLD).

Each demo asserts its own physics; here we only check that it runs and writes its outputs.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

import femmag  # noqa: F401

from mpi4py import MPI

DEMOS = sorted(Path(__file__).parent.glob("demo_*.py"))


@pytest.fixture
def shared_tmp(tmp_path):
    """One output folder for all ranks (rank 0's tmp_path)."""
    return Path(MPI.COMM_WORLD.bcast(str(tmp_path), root=0))


@pytest.mark.parametrize("demo", DEMOS, ids=[d.stem for d in DEMOS])
def test_demo(demo, shared_tmp, monkeypatch):
    out = shared_tmp / demo.stem
    monkeypatch.setenv("FEMMAG_FAST", "1")
    monkeypatch.setattr(sys, "argv", [str(demo), "--fast", "--out", str(out)])
    runpy.run_path(str(demo), run_name="__main__")
    MPI.COMM_WORLD.Barrier()
    files = list(out.rglob("*")) if MPI.COMM_WORLD.rank == 0 else []
    assert MPI.COMM_WORLD.bcast(len(files) > 0, root=0), f"{demo.name} wrote nothing to {out}"
