"""An error on one rank ends the whole MPI job within seconds instead of hanging it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skip_in_parallel  # starts its own 2-rank job

MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")

ONE_RANK_FAILS_IN_A_RUN = """
import femmag
from mpi4py import MPI
import numpy as np
from femmag.studies.seed003 import seed003_film
from femmag.pulse import Pulse
from femmag.simulation import Simulation

def field(points, t):  # fails on rank 1 only, in the middle of a step
    if MPI.COMM_WORLD.rank == 1 and t > 0.05e-12:
        raise RuntimeError("rank 1 fails alone")
    return np.zeros((len(points), 3))

sim = Simulation(seed003_film(), Pulse("1 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps"),
                 mesh="1d", verbose=False, fields=dict(f=field))
sim.run("5 ps", out=OUT)
"""


@pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec")
def test_an_error_on_one_rank_stops_both_ranks(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text(f"OUT = {str(tmp_path / 'run')!r}\n" + ONE_RANK_FAILS_IN_A_RUN)
    start = time.monotonic()
    proc = subprocess.run([MPIEXEC, "-n", "2", sys.executable, str(script)], capture_output=True,
                          text=True, timeout=60)
    elapsed = time.monotonic() - start
    assert proc.returncode != 0
    assert elapsed < 30, elapsed
    assert "rank 1 fails alone" in proc.stderr
    manifest = (tmp_path / "run" / "run.toml").read_text()
    assert 'status = "failed"' in manifest and "rank 1 fails alone" in manifest
